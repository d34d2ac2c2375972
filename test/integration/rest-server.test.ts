/**
 * The REST server as its own process, on a real Redis bus, with a storage service process on a
 * real etcd and a real Custodia: every endpoint, its documented failures, and authentication.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { z } from "zod";
import { Bus, CommissaireService, withParams } from "../../src/index.js";
import { ClusterUpgrade, Host, now } from "../../src/models/index.js";
import { hashPassword } from "../../src/services/server/auth.js";
import { StorageClient } from "../../src/storage/client.js";
import { waitFor } from "../../src/testing/index.js";
import { BIN, Running } from "../helpers/cli.js";
import { basic, call } from "../helpers/http.js";
import {
  CustodiaServer,
  EtcdServer,
  freePort,
  makeTlsFiles,
  RedisServer,
} from "../helpers/servers.js";

const KEY = Buffer.from(
  "-----BEGIN OPENSSH PRIVATE KEY-----\ntest\n-----END OPENSSH PRIVATE KEY-----\n",
).toString("base64");

/** A stand-in clusterexec: records the upgrade and answers with it, as the real one will. */
class FakeClusterExec extends CommissaireService {
  readonly name = "clusterexec";
  override queues() {
    return [{ name: "clusterexec", routingKeys: ["jobs.clusterexec.*"] }];
  }
  on_upgrade = withParams(z.object({ name: z.string() }), async ({ name }) => {
    const storage = new StorageClient(this.bus);
    const record = await storage.save(ClusterUpgrade, {
      name,
      status: "in_process",
      started_at: now(),
    });
    return ClusterUpgrade.toJson(record);
  });
}

describe("REST server", () => {
  let redis: RedisServer;
  let etcd: EtcdServer;
  let custodia: CustodiaServer;
  let dir: string;
  let storageProc: Running;
  let serverProc: Running;
  let base: string;
  let bus: Bus;
  const admin = basic("admin", "s3cret pass");
  const get = (path: string, auth = admin) => call(base, "GET", path, { authorization: auth });
  const put = (path: string, body?: unknown, auth = admin) =>
    call(base, "PUT", path, { body, authorization: auth });
  const del = (path: string, auth = admin) => call(base, "DELETE", path, { authorization: auth });

  before(async () => {
    [redis, etcd, custodia] = await Promise.all([
      RedisServer.start(),
      EtcdServer.start(),
      CustodiaServer.start(),
    ]);
    dir = mkdtempSync(join(tmpdir(), "commissaire-rest-"));
    writeFileSync(
      join(dir, "users.json"),
      JSON.stringify({ admin: await hashPassword("s3cret pass") }),
    );
    writeFileSync(
      join(dir, "storage.conf"),
      JSON.stringify({
        bus_uri: redis.url(),
        storage_handlers: [{ type: "etcd", server_url: etcd.url }, { type: "custodia" }],
        custodia_socket_path: custodia.socketPath,
      }),
    );
    const port = await freePort();
    writeFileSync(
      join(dir, "commissaire.conf"),
      JSON.stringify({
        bus_uri: redis.url(),
        listen_port: port,
        users_file: join(dir, "users.json"),
        tokens: [{ user: "robot", token: "robot-token-1" }],
      }),
    );
    storageProc = Running.start(BIN.storage, ["-c", join(dir, "storage.conf")]);
    await storageProc.waitForLog("storage", (r) => r.msg === "service started");
    serverProc = Running.start(BIN.server, ["-c", join(dir, "commissaire.conf")]);
    const listening = await serverProc.waitForLog(
      "the server",
      (r) => r.msg === "server listening",
    );
    base = listening.url;
    bus = Bus.connect(redis.url());
  });
  after(async () => {
    await bus?.close();
    if (serverProc) assert.equal(await serverProc.stop(), 0);
    await storageProc?.stop();
    await Promise.all([redis.destroy(), etcd.destroy(), custodia.destroy()]);
    rmSync(dir, { recursive: true, force: true });
  });

  test("no anonymous access; Basic against the users file and bearer tokens", async () => {
    const anonymous = await call(base, "GET", "/api/v0/clusters");
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.headers["www-authenticate"], 'Basic realm="commissaire"');
    assert.equal((await get("/api/v0/clusters", basic("admin", "wrong"))).status, 401);
    assert.equal((await get("/api/v0/clusters", basic("nobody", "s3cret pass"))).status, 401);
    assert.equal((await get("/api/v0/clusters", "Bearer not-a-token")).status, 401);
    assert.equal((await get("/api/v0/clusters", "Bearer robot-token-1")).status, 200);
    assert.equal((await get("/api/v0/clusters")).status, 200);
  });

  test("the base URL the server logs answers with a short index", async () => {
    for (const path of ["/api/v0/", "/api/v0"]) {
      const index = await get(path);
      assert.equal(index.status, 200);
      assert.ok(index.body.endpoints.includes("/api/v0/clusters"));
    }
  });

  test("clusters: create, update, read with computed status, list, delete", async () => {
    const created = await put("/api/v0/cluster/c1", { network: "default", container_manager: "" });
    assert.equal(created.status, 201);
    assert.deepEqual(created.body, {
      name: "c1",
      status: "ok",
      network: "default",
      container_manager: "",
      hosts: { total: 0, available: 0, unavailable: 0 },
      hostset: [],
    });
    // A GET answers what the PUT did (the original's form, with its members).
    assert.deepEqual((await get("/api/v0/cluster/c1")).body, created.body);
    // PUT of an existing cluster updates it (issue 12): 201, nothing the body leaves out changes.
    const again = await put("/api/v0/cluster/c1", {});
    assert.deepEqual([again.status, again.body.network], [201, "default"]);
    const badNetwork = await put("/api/v0/cluster/c9", { network: "nope" });
    assert.equal(badNetwork.status, 400);
    assert.match(badNetwork.body.error, /network "nope" does not exist/);
    assert.equal(
      (await call(base, "PUT", "/api/v0/cluster/c9", { rawBody: "{oops", authorization: admin }))
        .status,
      400,
    );
    assert.equal((await put("/api/v0/cluster/c9", [1])).status, 400);
    assert.deepEqual((await get("/api/v0/clusters")).body, ["c1"]);
    assert.deepEqual((await get("/api/v0/cluster/")).body, ["c1"]);
    assert.equal((await get("/api/v0/cluster/c1")).body.name, "c1");
    assert.equal((await get("/api/v0/cluster/none")).status, 404);
    assert.equal((await put("/api/v0/cluster/tmp")).status, 201);
    assert.deepEqual(await del("/api/v0/cluster/tmp").then((r) => [r.status, r.body]), [200, []]);
    assert.equal((await del("/api/v0/cluster/tmp")).status, 404);
  });

  test("cluster members: list, compare-and-swap replace, membership test, add, remove", async () => {
    assert.deepEqual((await get("/api/v0/cluster/c1/hosts")).body, []);
    const storage = new StorageClient(bus);
    // Only hosts that exist and finished their bootstrap may join (the original's 404 and 405).
    await storage.saveMany(Host, [
      { address: "192.0.2.1", status: "disassociated" },
      { address: "192.0.2.5", status: "active" },
      { address: "192.0.2.6", status: "bootstrapping" },
    ]);
    assert.equal(
      (await put("/api/v0/cluster/c1/hosts", { old: [], new: ["192.0.2.77"] })).status,
      404,
    );
    const notReady = await put("/api/v0/cluster/c1/hosts", { old: [], new: ["192.0.2.6"] });
    assert.equal(notReady.status, 405);
    assert.match(notReady.body.error, /192\.0\.2\.6 \(status: bootstrapping\)/);
    assert.equal((await put("/api/v0/cluster/c1/hosts/192.0.2.77")).status, 404);
    assert.equal((await put("/api/v0/cluster/c1/hosts/192.0.2.6")).status, 405);
    assert.deepEqual((await get("/api/v0/cluster/c1/hosts")).body, [], "nothing joined");
    // The old/new form answers the cluster, with its members, as the original's.
    const swapped = await put("/api/v0/cluster/c1/hosts", { old: [], new: ["192.0.2.1"] });
    assert.deepEqual(
      [swapped.status, swapped.body.name, swapped.body.hostset],
      [200, "c1", ["192.0.2.1"]],
    );
    const stale = await put("/api/v0/cluster/c1/hosts", { old: [], new: ["192.0.2.5"] });
    assert.equal(stale.status, 409);
    assert.equal((await put("/api/v0/cluster/c1/hosts", { old: "x" })).status, 400);
    assert.deepEqual((await get("/api/v0/cluster/c1/hosts/192.0.2.1")).body, ["192.0.2.1"]);
    assert.equal((await get("/api/v0/cluster/c1/hosts/192.0.2.5")).status, 404);
    assert.deepEqual((await put("/api/v0/cluster/c1/hosts/192.0.2.5")).body, ["192.0.2.5"]);
    assert.deepEqual(
      (await put("/api/v0/cluster/c1/hosts/192.0.2.5")).body,
      ["192.0.2.5"],
      "idempotent",
    );
    assert.deepEqual((await get("/api/v0/cluster/c1/hosts")).body.sort(), [
      "192.0.2.1",
      "192.0.2.5",
    ]);
    assert.deepEqual((await del("/api/v0/cluster/c1/hosts/192.0.2.5")).body, []);
    assert.deepEqual((await del("/api/v0/cluster/c1/hosts/192.0.2.5")).body, [], "idempotent");
    assert.equal((await get("/api/v0/cluster/none/hosts")).status, 404);
  });

  test("hosts: creating stores the credentials as secrets and asks the investigator", async () => {
    const investigations: any[] = [];
    const sub = await bus.subscribe("jobs.investigate", (body) => investigations.push(body));
    const created = await put("/api/v0/host/192.0.2.10", {
      ssh_priv_key: KEY,
      remote_user: "cloud",
      cluster: "c1",
    });
    assert.equal(created.status, 201, JSON.stringify(created.body));
    assert.equal(created.body.status, "investigating");
    assert.ok(!("ssh_priv_key" in created.body));
    await waitFor(() => investigations.length === 1, { what: "the investigate notification" });
    // The original's params: the cluster as cluster_data.
    assert.equal(investigations[0].params.address, "192.0.2.10");
    assert.equal(investigations[0].params.cluster_data.name, "c1");
    await sub.close();
    const host = await get("/api/v0/host/192.0.2.10");
    assert.equal(host.body.address, "192.0.2.10");
    assert.ok(!JSON.stringify(host.body).includes(KEY), "GET /host never returns the key");
    assert.ok((await get("/api/v0/hosts")).body.some((h: any) => h.address === "192.0.2.10"));
    assert.deepEqual((await get("/api/v0/host/192.0.2.10/creds")).body, {
      address: "192.0.2.10",
      remote_user: "cloud",
    });
    assert.deepEqual((await get("/api/v0/host/192.0.2.10/status")).body, {
      type: "host_only",
      host: { last_check: "", status: "investigating" },
      container_manager: {},
    });
    assert.ok((await get("/api/v0/cluster/c1/hosts")).body.includes("192.0.2.10"));
    assert.equal((await put("/api/v0/host/192.0.2.10", { ssh_priv_key: KEY })).status, 409);
    assert.equal((await put("/api/v0/host/192.0.2.11", {})).status, 400);
    assert.equal(
      (await put("/api/v0/host/192.0.2.11", { ssh_priv_key: "not base64!" })).status,
      400,
    );
    assert.equal(
      (await put("/api/v0/host/192.0.2.11", { ssh_priv_key: KEY, cluster: "none" })).status,
      400,
    );
    assert.equal((await get("/api/v0/host/192.0.2.99")).status, 404);
    // A host adding itself: the address is the caller's.
    const self = await put("/api/v0/host", { ssh_priv_key: KEY });
    assert.equal(self.status, 201);
    assert.equal(self.body.address, "127.0.0.1");
  });

  test("cluster status and counts follow the member hosts", async () => {
    const storage = new StorageClient(bus);
    await storage.save((await import("../../src/models/index.js")).Host, {
      address: "192.0.2.1",
      status: "active",
    });
    const degraded = (await get("/api/v0/cluster/c1")).body;
    assert.deepEqual(degraded.hosts, { total: 2, available: 1, unavailable: 1 });
    assert.equal(degraded.status, "degraded");
  });

  test("deleting a host removes its record, its credentials and its memberships", async () => {
    assert.deepEqual((await del("/api/v0/host/192.0.2.10")).body, []);
    assert.equal((await get("/api/v0/host/192.0.2.10")).status, 404);
    assert.equal((await get("/api/v0/host/192.0.2.10/creds")).status, 404);
    assert.ok(!(await get("/api/v0/cluster/c1/hosts")).body.includes("192.0.2.10"));
    assert.equal((await del("/api/v0/host/192.0.2.10")).status, 404);
  });

  test("networks: the implicit default, create, conflict, invalid, delete", async () => {
    assert.deepEqual((await get("/api/v0/networks")).body, []);
    assert.deepEqual((await get("/api/v0/network/default")).body, {
      name: "default",
      type: "flannel_etcd",
      options: {},
    });
    const created = await put("/api/v0/network/n1", {
      type: "flannel_server",
      options: { address: "10.0.0.1:8080" },
    });
    assert.deepEqual(
      [created.status, created.body],
      [201, { name: "n1", type: "flannel_server", options: { address: "10.0.0.1:8080" } }],
    );
    assert.equal((await put("/api/v0/network/n1", {})).status, 409);
    const invalid = await put("/api/v0/network/n2", { type: "calico" });
    assert.equal(invalid.status, 400);
    assert.match(invalid.body.error, /Network\.type/);
    assert.deepEqual((await get("/api/v0/networks")).body, ["n1"]);
    assert.equal((await put("/api/v0/cluster/c2", { network: "n1" })).status, 201);
    assert.deepEqual((await del("/api/v0/network/n1")).body, []);
    assert.equal((await del("/api/v0/network/n1")).status, 404);
    assert.equal((await get("/api/v0/network/n1")).status, 404);
  });

  test("container managers: create, read, list, invalid, idempotent delete", async () => {
    const created = await put("/api/v0/containermanager/prod", {
      type: "kubernetes",
      options: { server_url: "https://k8s:6443" },
    });
    assert.equal(created.status, 201);
    assert.deepEqual((await get("/api/v0/containermanager/prod")).body, {
      name: "prod",
      type: "kubernetes",
      options: { server_url: "https://k8s:6443" },
    });
    assert.deepEqual((await get("/api/v0/containermanagers")).body, ["prod"]);
    assert.equal((await put("/api/v0/containermanager/prod", {})).status, 409);
    assert.equal((await put("/api/v0/containermanager/x", { type: "swarm" })).status, 400);
    assert.equal((await get("/api/v0/containermanager/none")).status, 404);
    assert.deepEqual((await del("/api/v0/containermanager/prod")).body, []);
    assert.deepEqual([(await del("/api/v0/containermanager/prod")).status], [200], "idempotent");
  });

  test("cluster operations: 503 without clusterexec, forwarded when one answers", async () => {
    const unavailable = await put("/api/v0/cluster/c1/upgrade");
    assert.equal(unavailable.status, 503);
    assert.match(unavailable.body.error, /no clusterexec service answered/);
    assert.equal((await get("/api/v0/cluster/c1/upgrade")).status, 404);
    assert.equal((await put("/api/v0/cluster/c1/deploy", {})).status, 400);
    assert.equal((await put("/api/v0/cluster/none/restart")).status, 404);
    const exec = new FakeClusterExec({ bus: Bus.connect(redis.url()) });
    await exec.start();
    try {
      const started = await put("/api/v0/cluster/c1/upgrade");
      assert.equal(started.status, 201);
      assert.equal(started.body.status, "in_process");
      const record = await get("/api/v0/cluster/c1/upgrade");
      assert.deepEqual(
        [record.status, record.body.name, record.body.status],
        [200, "c1", "in_process"],
      );
    } finally {
      await exec.stop(500).finally(() => exec.bus.close());
    }
  });

  test("unknown endpoints and methods", async () => {
    assert.equal((await get("/api/v0/nothing")).status, 404);
    const wrong = await call(base, "POST", "/api/v0/clusters", { authorization: admin });
    assert.equal(wrong.status, 405);
    const huge = await call(base, "PUT", "/api/v0/network/huge", {
      rawBody: JSON.stringify({ options: { x: "y".repeat(1_100_000) } }),
      authorization: admin,
    });
    assert.equal(huge.status, 413);
    const slash = await put("/api/v0/cluster/a%2Fb");
    assert.equal(slash.status, 400);
    assert.match(slash.body.error, /may not be empty or contain "\/"/);
    assert.equal((await get("/api/v0/network/huge")).status, 404, "nothing stored");
  });

  test("TLS when a certificate and key are configured", async () => {
    const tls = makeTlsFiles();
    const port = await freePort();
    const conf = join(dir, "tls.conf");
    writeFileSync(
      conf,
      JSON.stringify({
        bus_uri: redis.url(),
        listen_port: port,
        tokens: [{ user: "robot", token: "tls-token-1" }],
        tls_certfile: tls.certFile,
        tls_keyfile: tls.keyFile,
      }),
    );
    const secure = Running.start(BIN.server, ["-c", conf]);
    try {
      const listening = await secure.waitForLog(
        "the TLS server",
        (r) => r.msg === "server listening",
      );
      assert.match(listening.url, /^https:/);
      const reply = await call(listening.url, "GET", "/api/v0/clusters", {
        authorization: "Bearer tls-token-1",
        ca: readFileSync(tls.caFile),
      });
      assert.equal(reply.status, 200);
    } finally {
      assert.equal(await secure.stop(), 0);
      rmSync(tls.dir, { recursive: true, force: true });
    }
  });

  test("an authentication plug-in module", async () => {
    const plugin = join(dir, "header-auth.mjs");
    writeFileSync(
      plugin,
      `export default class HeaderAuth {
         constructor(config) { this.secret = config.plugin_secret; }
         async authenticate(header) { return header === "Custom " + this.secret ? "plugged" : null; }
       }`,
    );
    const port = await freePort();
    const conf = join(dir, "plugin.conf");
    writeFileSync(
      conf,
      JSON.stringify({
        bus_uri: redis.url(),
        listen_port: port,
        authentication_plugin: plugin,
        plugin_secret: "open-sesame",
      }),
    );
    const plugged = Running.start(BIN.server, ["-c", conf]);
    try {
      const listening = await plugged.waitForLog(
        "the plug-in server",
        (r) => r.msg === "server listening",
      );
      assert.equal(
        (
          await call(listening.url, "GET", "/api/v0/clusters", {
            authorization: "Custom open-sesame",
          })
        ).status,
        200,
      );
      assert.equal(
        (await call(listening.url, "GET", "/api/v0/clusters", { authorization: "Custom nope" }))
          .status,
        401,
      );
    } finally {
      assert.equal(await plugged.stop(), 0);
    }
  });

  test("a configuration without authentication is refused at start-up", async () => {
    const conf = join(dir, "open.conf");
    writeFileSync(conf, JSON.stringify({ bus_uri: redis.url(), listen_port: await freePort() }));
    const { run } = await import("../helpers/cli.js");
    const r = await run(BIN.server, ["-c", conf]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, /no authentication configured/);
  });
});
