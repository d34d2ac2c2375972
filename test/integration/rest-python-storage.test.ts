/**
 * Our REST server, StorageClient and containermgr service on a storage service that answers as
 * the original (Python) one does (test/peers/python_storage.py, kombu on a real Redis): a full
 * CRUD round of hosts, clusters, members, networks and container managers, never a 500.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Bus } from "../../src/index.js";
import { Host } from "../../src/models/index.js";
import { ContainerManagerService } from "../../src/services/containermgr/service.js";
import { Anonymous } from "../../src/services/server/auth.js";
import { CommissaireServer } from "../../src/services/server/server.js";
import { StorageClient } from "../../src/storage/client.js";
import { waitFor } from "../../src/testing/index.js";
import { captureLogger } from "../helpers/capture-logger.js";
import { call, type HttpReply } from "../helpers/http.js";
import { KombuPeer } from "../helpers/kombu-peer.js";
import { RedisServer } from "../helpers/servers.js";

/** A call as the storage peer prints it. */
interface PeerCall {
  method: string;
  params: { model_type_name?: string };
  error_code: number | null;
  error: { message: string } | null;
}

const KEY = Buffer.from("-----BEGIN OPENSSH PRIVATE KEY-----\nk\n").toString("base64");

describe("REST server on the original storage service", () => {
  let redis: RedisServer;
  let peer: KombuPeer;
  let server: CommissaireServer;
  let containermgr: ContainerManagerService;
  let bus: Bus;
  let serverBus: Bus;
  let storage: StorageClient;
  let base: string;
  const replies: Array<[string, string, HttpReply]> = [];
  const http = async (method: string, path: string, body?: unknown) => {
    const reply = await call(base, method, path, body === undefined ? {} : { body });
    replies.push([method, path, reply]);
    return reply;
  };
  const notifications: Array<{ event: string; class: string; model: Record<string, unknown> }> = [];

  before(async () => {
    redis = await RedisServer.start();
    peer = await KombuPeer.script("python_storage.py", redis.url(), "commissaire");
    bus = Bus.connect(redis.url());
    storage = new StorageClient(bus);
    await bus.subscribe("notify.storage.#", (body) => {
      notifications.push(body as (typeof notifications)[number]);
    });
    containermgr = new ContainerManagerService({ bus: Bus.connect(redis.url()) });
    await containermgr.start();
    serverBus = Bus.connect(redis.url());
    server = new CommissaireServer({
      bus: serverBus,
      authenticator: new Anonymous(),
      logger: captureLogger().logger,
    });
    const { port } = await server.listen(0, "127.0.0.1");
    base = `http://127.0.0.1:${port}`;
  });
  after(async () => {
    await server?.close(1000);
    await containermgr?.stop(1000);
    await Promise.all([containermgr?.bus.close(), bus?.close(), serverBus?.close()]);
    await peer?.stop();
    await redis?.destroy();
  });

  test("networks and container managers: create, read, list, conflict, delete", async () => {
    assert.equal((await http("PUT", "/api/v0/network/n1", { type: "flannel_server" })).status, 201);
    assert.deepEqual((await http("GET", "/api/v0/network/n1")).body, {
      name: "n1",
      type: "flannel_server",
      options: {},
    });
    assert.deepEqual((await http("GET", "/api/v0/networks")).body, ["n1"]);
    assert.equal((await http("PUT", "/api/v0/network/n1", {})).status, 409);
    const cm = await http("PUT", "/api/v0/containermanager/cm1", { type: "trivial" });
    assert.equal(cm.status, 201);
    assert.deepEqual((await http("GET", "/api/v0/containermanagers")).body, ["cm1"]);
    assert.equal((await http("GET", "/api/v0/containermanager/cm1")).body.type, "trivial");
    // Our containermgr service read it from the original storage (a plural list, notifications).
    await waitFor(() => containermgr.managers.names().includes("cm1"), {
      what: "cm1 known to containermgr",
    });
  });

  test("clusters and hosts: create, read, membership, status, delete", async () => {
    const c1 = await http("PUT", "/api/v0/cluster/c1", { network: "n1" });
    assert.deepEqual([c1.status, c1.body.status, c1.body.network], [201, "ok", "n1"]);
    assert.equal(
      (await http("PUT", "/api/v0/cluster/c2", { container_manager: "cm1" })).status,
      201,
    );
    assert.deepEqual((await http("GET", "/api/v0/clusters")).body.sort(), ["c1", "c2"]);

    const created = await http("PUT", "/api/v0/host/192.0.2.1", {
      ssh_priv_key: KEY,
      cluster: "c1",
    });
    assert.deepEqual([created.status, created.body.status], [201, "investigating"]);
    // Created only once: another key for the same host is a conflict.
    const other = Buffer.from("other").toString("base64");
    assert.equal(
      (await http("PUT", "/api/v0/host/192.0.2.1", { ssh_priv_key: other })).status,
      409,
    );
    assert.equal((await http("GET", "/api/v0/host/192.0.2.1")).body.address, "192.0.2.1");
    assert.deepEqual(
      (await http("GET", "/api/v0/hosts")).body.map((h: Host) => h.address),
      ["192.0.2.1"],
    );
    assert.deepEqual((await http("GET", "/api/v0/host/192.0.2.1/creds")).body, {
      address: "192.0.2.1",
      remote_user: "root",
    });
    assert.deepEqual((await http("GET", "/api/v0/cluster/c1/hosts")).body, ["192.0.2.1"]);

    // A host still investigating may not join; once bootstrapped it joins and is registered.
    await http("PUT", "/api/v0/host/192.0.2.2", { ssh_priv_key: KEY });
    assert.equal((await http("PUT", "/api/v0/cluster/c2/hosts/192.0.2.2")).status, 405);
    await storage.save(Host, { address: "192.0.2.2", status: "disassociated" });
    const joined = await http("PUT", "/api/v0/cluster/c2/hosts/192.0.2.2");
    assert.deepEqual([joined.status, joined.body], [200, ["192.0.2.2"]]);
    assert.equal((await storage.getHost("192.0.2.2")).status, "active");
    await waitFor(
      () =>
        notifications.find(
          (n) => n.class === "Host" && n.event === "updated" && n.model.status === "active",
        ),
      { what: "Host.updated from the original storage" },
    );
    assert.equal(await bus.request("container.node_registered", ["cm1", "192.0.2.2"]), true);
    const status = await http("GET", "/api/v0/host/192.0.2.2/status");
    assert.equal(status.body.container_manager.node, "192.0.2.2");

    // The old/new form answers the cluster with its members.
    await storage.save(Host, { address: "192.0.2.3", status: "active" });
    const swapped = await http("PUT", "/api/v0/cluster/c1/hosts", {
      old: ["192.0.2.1"],
      new: ["192.0.2.1", "192.0.2.3"],
    });
    assert.equal(swapped.status, 200);
    assert.deepEqual(swapped.body.hostset, ["192.0.2.1", "192.0.2.3"]);
    assert.equal((await storage.getHost("192.0.2.3")).status, "disassociated");
    const cluster = await http("GET", "/api/v0/cluster/c1");
    assert.deepEqual(cluster.body.hosts, { total: 2, available: 0, unavailable: 2 });
    assert.deepEqual(cluster.body.hostset, ["192.0.2.1", "192.0.2.3"]);
    assert.deepEqual((await http("GET", "/api/v0/cluster/c1/hosts/192.0.2.3")).body, ["192.0.2.3"]);
    assert.deepEqual((await http("DELETE", "/api/v0/cluster/c1/hosts/192.0.2.3")).body, []);

    // A deleted host leaves its cluster; a deleted cluster's nodes leave its manager.
    assert.equal((await http("DELETE", "/api/v0/host/192.0.2.1")).status, 200);
    assert.deepEqual((await http("GET", "/api/v0/cluster/c1/hosts")).body, []);
    assert.equal((await http("GET", "/api/v0/host/192.0.2.1")).status, 404);
    assert.equal((await http("DELETE", "/api/v0/cluster/c2")).status, 200);
    assert.equal(
      await bus.request("container.node_registered", ["cm1", "192.0.2.2"]).catch(() => false),
      false,
    );
    assert.equal((await http("DELETE", "/api/v0/cluster/c1")).status, 200);
    assert.deepEqual((await http("GET", "/api/v0/clusters")).body, []);
    assert.equal((await http("DELETE", "/api/v0/network/n1")).status, 200);
    assert.equal((await http("DELETE", "/api/v0/containermanager/cm1")).status, 200);
    assert.deepEqual((await http("GET", "/api/v0/containermanagers")).body, []);
  });

  test("no call answered 500; every call was one the original storage takes", () => {
    const failed = replies.filter(([, , r]) => r.status >= 500);
    assert.deepEqual(
      failed.map(([m, p, r]) => `${m} ${p}: ${r.status}`),
      [],
    );
    const calls = peer.printed() as PeerCall[];
    assert.ok(calls.some((c) => c.method === "list" && c.params.model_type_name === "Hosts"));
    // Only our extensions may be refused (then written the original's way), never a list name.
    const refused = calls.filter((c) => c.error_code !== null && c.error_code !== -20000);
    for (const c of refused) assert.match(c.error!.message, /unexpected keyword argument/);
    assert.ok(
      !calls.some((c) => c.method === "list" && !/s$/.test(c.params.model_type_name ?? "")),
    );
  });
});
