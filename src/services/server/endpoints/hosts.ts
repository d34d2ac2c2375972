/**
 * /api/v0/host/... and /api/v0/hosts: host records; creating one stores its credentials as
 * HostCreds (secret store) and asks the investigator (jobs.investigate) to take it.
 */

import type { Logger } from "../../../base/logger.js";
import type { Bus } from "../../../bus/bus.js";
import { ContainerManagerError } from "../../../bus/errors.js";
import { Cluster, Host, HostCreds } from "../../../models/index.js";
import type { StorageClient } from "../../../storage/client.js";
import { HttpError } from "../http-error.js";
import type { Router } from "../router.js";
import { objectBody, optionalString } from "./body.js";
import { removeMember } from "./clusters.js";
import { orNull } from "./exists.js";
import { hostCreator } from "./host-create.js";
import { left } from "./membership.js";

export function hostEndpoints(
  router: Router,
  storage: StorageClient,
  bus: Bus,
  logger: Logger,
): void {
  const mustGet = async (address: string) => {
    const host = await orNull(storage.getHost(address));
    if (!host) throw new HttpError(404, `host ${address} does not exist`);
    return host;
  };

  router.on("GET", "/api/v0/hosts", async () => ({
    status: 200,
    body: (await storage.list(Host)).map((h) => Host.toSafeJson(h)),
  }));
  router.on("GET", "/api/v0/host/{address}", async ({ params }) => ({
    status: 200,
    body: Host.toSafeJson(await mustGet(params.address!)),
  }));

  const create = hostCreator(storage, bus, logger);
  router.on("PUT", "/api/v0/host/{address}", (context) => create(context.params.address!, context));
  // A host adding itself from a boot script: the address is the caller's.
  router.on("PUT", "/api/v0/host", (context) =>
    create(context.remoteAddress.replace(/^::ffff:/, ""), context),
  );

  router.on("DELETE", "/api/v0/host/{address}", async ({ params }) => {
    const address = params.address!;
    await mustGet(address);
    await storage.delete(Host, { address });
    await orNull(storage.delete(HostCreds, { address }));
    for (const cluster of await storage.list(Cluster)) {
      if (!cluster.hostset.includes(address)) continue;
      const saved = await removeMember(storage, cluster.name, address);
      if (saved) await left(bus, saved, address);
    }
    return { status: 200, body: [] };
  });

  router.on("GET", "/api/v0/host/{address}/creds", async ({ params }) => {
    await mustGet(params.address!);
    const creds = await orNull(storage.get(HostCreds, { address: params.address! }));
    if (!creds) throw new HttpError(404, `no credentials are stored for host ${params.address}`);
    // The private key is never answered: who holds it is what the REST API may tell.
    return { status: 200, body: { address: creds.address, remote_user: creds.remote_user } };
  });

  // Extensions (docs/wire-extensions.md): investigate a host again, and rotate its SSH key.
  const reinvestigate = async (address: string) => {
    const host = await storage.save(
      Host,
      { address, status: "investigating", status_reason: "" },
      { members: ["status", "status_reason"] },
    );
    if ((await bus.notify("jobs.investigate", { address })) === 0)
      logger.warn({ address }, "no investigator is listening: the host stays investigating");
    return { status: 202, body: Host.toSafeJson(host) };
  };
  router.on("POST", "/api/v0/host/{address}/reinvestigate", async ({ params }) => {
    await mustGet(params.address!);
    return reinvestigate(params.address!);
  });
  router.on("PUT", "/api/v0/host/{address}/sshkey", async ({ params, body }) => {
    const address = params.address!;
    const what = `host ${address}`;
    await mustGet(address);
    const data = objectBody(body, what);
    const key = optionalString(data, "ssh_priv_key", what);
    if (!key || !/^[A-Za-z0-9+/\s]+={0,2}\s*$/.test(key))
      throw new HttpError(
        400,
        `${what}: "ssh_priv_key" (the base64 of the PEM private key) is required`,
      );
    const remoteUser = optionalString(data, "remote_user", what);
    await storage.save(
      HostCreds,
      { address, ssh_priv_key: key, ...(remoteUser ? { remote_user: remoteUser } : {}) },
      { members: remoteUser ? ["ssh_priv_key", "remote_user"] : ["ssh_priv_key"] },
    );
    return reinvestigate(address);
  });

  // Extension (docs/remote.md): forget the host key recorded on first use, after a reinstall.
  router.on("DELETE", "/api/v0/host/{address}/hostkey", async ({ params }) => {
    const address = params.address!;
    await mustGet(address);
    const creds = await orNull(storage.get(HostCreds, { address }));
    if (!creds) throw new HttpError(404, `no credentials are stored for host ${address}`);
    await storage.save(HostCreds, { ...creds, ssh_host_key: "" });
    return { status: 200, body: { address, forgotten: creds.ssh_host_key } };
  });

  router.on("GET", "/api/v0/host/{address}/status", async ({ params }) => {
    const host = await mustGet(params.address!);
    const cluster = (await storage.list(Cluster)).find((c) => c.hostset.includes(host.address));
    let containerManager: unknown = {};
    if (cluster?.container_manager) {
      // As the original: what the container manager says of the node, or {} when it cannot say.
      containerManager = await bus
        .request("container.get_node_status", [cluster.container_manager, host.address])
        .catch((err) => {
          if (err instanceof ContainerManagerError) return {};
          throw err;
        });
    }
    return {
      status: 200,
      body: {
        type: "host_only",
        host: { last_check: host.last_check, status: host.status },
        container_manager: containerManager,
      },
    };
  });
}
