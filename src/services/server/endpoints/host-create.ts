/**
 * PUT /api/v0/host/{address} (and PUT /api/v0/host from the host itself): creating a host.
 *
 * The Host record is written create-only, so of concurrent creations exactly one wins, and only
 * the winner writes the credentials (HostCreds) and asks the investigator to take the host. A
 * creation that loses (or comes later) answers 201 with the stored host when its key and remote
 * user are the ones stored (a retry), 409 otherwise.
 */
import type { Logger } from "../../../base/logger.js";
import type { Bus } from "../../../bus/bus.js";
import { TEXT_CONTENT_TYPE } from "../../../bus/envelope.js";
import { StoragePreconditionError } from "../../../bus/errors.js";
import { Cluster, Host, HostCreds, now } from "../../../models/index.js";
import type { StorageClient } from "../../../storage/client.js";
import { HttpError } from "../http-error.js";
import type { Reply, RequestContext } from "../router.js";
import { objectBody, optionalString } from "./body.js";
import { addMember } from "./clusters.js";
import { orNull } from "./exists.js";

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;
/** How long a losing creation waits for the winner's credentials before comparing them. */
const CREDS_WAIT_MS = 3000;

export function hostCreator(storage: StorageClient, bus: Bus, logger: Logger) {
  /** The stored credentials; a winner writes them just after the host, so wait a little. */
  const storedCreds = async (address: string) => {
    const deadline = Date.now() + CREDS_WAIT_MS;
    for (;;) {
      const creds = await orNull(storage.get(HostCreds, { address }));
      if (creds || Date.now() >= deadline) return creds;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  };

  return async (address: string, { body }: RequestContext): Promise<Reply> => {
    const what = `host ${address}`;
    const data = objectBody(body, what);
    const key = optionalString(data, "ssh_priv_key", what);
    if (!key || !BASE64.test(key))
      throw new HttpError(
        400,
        `${what}: "ssh_priv_key" (the base64 of the PEM private key) is required`,
      );
    const remoteUser = optionalString(data, "remote_user", what) ?? "root";
    const clusterName = optionalString(data, "cluster", what);
    const cluster = clusterName ? await orNull(storage.getCluster(clusterName)) : null;
    if (clusterName && !cluster)
      throw new HttpError(400, `${what}: cluster "${clusterName}" does not exist`);

    let host: Host;
    try {
      host = await storage.save(Host, { address, status: "investigating" }, { createOnly: true });
    } catch (err) {
      if (!(err instanceof StoragePreconditionError)) throw err;
      const creds = await storedCreds(address);
      if (creds?.ssh_priv_key !== key || creds.remote_user !== remoteUser)
        throw new HttpError(409, `${what} already exists`);
      if (clusterName) await addMember(storage, clusterName, address);
      return { status: 201, body: Host.toSafeJson(await storage.getHost(address)) };
    }
    try {
      await storage.save(HostCreds, { address, ssh_priv_key: key, remote_user: remoteUser });
    } catch (err) {
      // No host without its credentials: take the record back, so a retry starts clean.
      await orNull(storage.delete(Host, { address })).catch(() => undefined);
      throw err;
    }
    if (clusterName) await addMember(storage, clusterName, address);
    // The investigator takes it from here; nobody waits for the investigation. The params are
    // the original's, so its investigator takes them too.
    const queues = await bus.notify("jobs.investigate", {
      address,
      cluster_data: cluster ? Cluster.toJson(cluster) : {},
    });
    if (queues === 0)
      logger.warn(
        { address },
        "no investigator is listening: the host stays investigating until one starts",
      );
    // As the original: a WatcherRecord (bare, text/plain) puts the host on a watcher's queue.
    const record = JSON.stringify({ address, last_check: now() });
    await bus.publish("jobs.watcher", record, { contentType: TEXT_CONTENT_TYPE });
    return { status: 201, body: Host.toSafeJson(host) };
  };
}
