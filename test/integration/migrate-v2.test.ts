/**
 * `commissaire storage migrate-v2` against a real etcd 3.4 started with --enable-v2, seeded the way
 * the original Commissaire wrote its records (current and early shapes, credentials in Custodia
 * and in old Host records), then every record read back through our storage service, StorageClient
 * and REST server, which run as their own processes on a real Redis.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer, request } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Bus } from "../../src/index.js";
import { Host, HostCreds } from "../../src/models/index.js";
import { hashPassword } from "../../src/services/server/auth.js";
import { StorageClient } from "../../src/storage/client.js";
import { readV2Tree } from "../../src/storage/migrate-v2/v2-reader.js";
import { BIN, Running, run } from "../helpers/cli.js";
import { basic, call } from "../helpers/http.js";
import { CustodiaServer, EtcdServer, freePort, RedisServer } from "../helpers/servers.js";

/** Writes a key through the v2 API, as python-etcd did for the original. */
async function v2put(etcd: EtcdServer, key: string, value: string): Promise<void> {
  const res = await fetch(`${etcd.url}/v2/keys${key}`, {
    method: "PUT",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ value }).toString(),
  });
  assert.ok(res.status === 200 || res.status === 201, `v2 PUT ${key}: ${res.status}`);
}

/** Stores a secret in Custodia as the original's custodia store handler did. */
function custodia(socketPath: string, method: string, path: string, body?: string) {
  return new Promise<number>((resolve, reject) => {
    const req = request(
      {
        socketPath,
        method,
        path,
        headers: { REMOTE_USER: "commissaire", "content-type": "application/octet-stream" },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** Records as the original wrote them: json.dumps of its models, current and early shapes. */
const V2_RECORDS: [string, string][] = [
  // commissaire-service's etcd handler: Host.to_json(), credentials in Custodia.
  [
    "/commissaire/hosts/192.168.152.110",
    '{"address": "192.168.152.110", "status": "active", "os": "fedora", "cpus": 2, "memory": 11989228, "space": 487652, "last_check": "2017-03-07T16:28:59.311422", "source": ""}',
  ],
  [
    "/commissaire/hosts/192.168.152.111",
    '{"address": "192.168.152.111", "status": "disassociated", "os": "rhel", "cpus": 4, "memory": 8000000, "space": 100000, "last_check": "2017-03-07T16:29:00.000001", "source": ""}',
  ],
  // The early Host: its credentials in the record, no `source`.
  [
    "/commissaire/hosts/10.2.0.2",
    '{"address": "10.2.0.2", "status": "active", "os": "atomic", "cpus": 2, "memory": 11989228, "space": 487652, "last_check": "2015-12-17T15:48:18.710454", "ssh_priv_key": "dGVzdAo=", "remote_user": "cloud-user"}',
  ],
  [
    "/commissaire/clusters/prod",
    '{"name": "prod", "status": "ok", "network": "default", "hostset": ["192.168.152.110", "192.168.152.111"], "container_manager": "openshift1"}',
  ],
  // The early Cluster: a `type`, no `container_manager`.
  [
    "/commissaire/clusters/legacy",
    '{"name": "legacy", "status": "ok", "type": "kubernetes", "network": "default", "hostset": ["10.2.0.2"]}',
  ],
  [
    "/commissaire/cluster/prod/upgrade",
    '{"name": "prod", "status": "finished", "upgraded": ["192.168.152.110", "192.168.152.111"], "in_process": [], "started_at": "2017-03-07T16:30:00.000000", "finished_at": "2017-03-07T16:35:00.123456"}',
  ],
  [
    "/commissaire/cluster/prod/restart",
    '{"name": "prod", "status": "in_process", "restarted": ["192.168.152.110"], "in_process": ["192.168.152.111"], "started_at": "2017-03-08T09:00:00.000000", "finished_at": ""}',
  ],
  [
    "/commissaire/cluster/prod/deploy",
    '{"name": "prod", "status": "failed", "version": "7.2.1", "deployed": [], "in_process": [], "started_at": "2017-03-09T09:00:00.000000", "finished_at": "2017-03-09T09:01:00.000000"}',
  ],
  // isoformat() leaves the microseconds out when they are zero.
  [
    "/commissaire/cluster/legacy/upgrade",
    '{"name": "legacy", "status": "finished", "upgraded": ["10.2.0.2"], "in_process": [], "started_at": "2016-06-01T10:00:00", "finished_at": "2016-06-01T10:05:00"}',
  ],
  // tools/etcd_init.sh's default network.
  ["/commissaire/networks/default", '{"name": "default", "type": "flannel_etcd", "options": {}}'],
  [
    "/commissaire/networks/flannel-server",
    '{"name": "flannel-server", "type": "flannel_server", "options": {"address": "10.0.0.5:8080"}}',
  ],
  [
    "/commissaire/container_managers/openshift1",
    '{"name": "openshift1", "type": "openshift", "options": {"server_url": "https://192.168.152.101:8443/", "token": "openshift-token"}}',
  ],
  ["/commissaire/config/storage", '{"storage_handlers": [{"type": "etcd", "models": ["*"]}]}'],
];

/** Records our rules refuse: garbage, a name outside the name rule, an unknown type, no version. */
const V2_INVALID: [string, string][] = [
  ["/commissaire/hosts/192.168.152.199", '{"address": "192.168.152.199", "status": '],
  [
    "/commissaire/clusters/web.prod",
    '{"name": "web.prod", "status": "", "network": "default", "hostset": [], "container_manager": ""}',
  ],
  ["/commissaire/networks/weave", '{"name": "weave", "type": "weave", "options": {}}'],
  [
    "/commissaire/cluster/legacy/deploy",
    '{"name": "legacy", "status": "in_process", "version": "", "deployed": [], "in_process": [], "started_at": "", "finished_at": ""}',
  ],
];

/** The count table the command prints: model type -> [migrated, unchanged, kept, invalid, failed]. */
function countsOf(stdout: string): Map<string, number[]> {
  const counts = new Map<string, number[]>();
  for (const line of stdout.split("\n")) {
    const m = /^([A-Za-z]+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s+(\d+)$/.exec(line);
    if (m) counts.set(m[1]!, m.slice(2).map(Number));
  }
  return counts;
}

describe("storage migrate-v2", () => {
  let etcd: EtcdServer;
  let redis: RedisServer;
  let secrets: CustodiaServer;
  let dir: string;
  let storageProc: Running;
  let serverProc: Running;
  let bus: Bus;
  let base: string;
  const admin = basic("admin", "migrated pass");
  const get = (path: string) => call(base, "GET", path, { authorization: admin });
  const migrate = (...args: string[]) =>
    run(BIN.commissaire, ["storage", "migrate-v2", "--from", etcd.url, ...args], {
      timeoutMs: 30_000,
    });
  const withConfig = () => ["-c", join(dir, "storage.conf")];
  /** Every v3 key under /commissaire with its mod_revision. */
  const v3 = async () => {
    const out = await etcd.ctl("get", "--prefix", "/commissaire", "-w", "json");
    const kvs = (JSON.parse(out).kvs ?? []) as { key: string; mod_revision: number }[];
    return kvs.map((kv) => `${Buffer.from(kv.key, "base64").toString()}@${kv.mod_revision}`);
  };

  before(async () => {
    [etcd, redis, secrets] = await Promise.all([
      EtcdServer.start({ enableV2: true }),
      RedisServer.start(),
      CustodiaServer.start(),
    ]);
    dir = mkdtempSync(join(tmpdir(), "commissaire-migrate-"));
    for (const [key, value] of V2_RECORDS) await v2put(etcd, key, value);
    // The current original keeps credentials in Custodia: container "hosts", key = address.
    assert.equal(await custodia(secrets.socketPath, "POST", "/secrets/hosts/"), 201);
    const creds = {
      address: "192.168.152.111",
      ssh_priv_key: "a2V5IGluIGN1c3RvZGlh",
      remote_user: "root",
    };
    assert.equal(
      await custodia(
        secrets.socketPath,
        "PUT",
        "/secrets/hosts/192.168.152.111",
        JSON.stringify(creds),
      ),
      201,
    );
    writeFileSync(
      join(dir, "storage.conf"),
      JSON.stringify({
        bus_uri: redis.url(),
        storage_handlers: [
          { type: "commissaire.storage.etcd", server_url: etcd.url, models: ["*"] },
        ],
        custodia_socket_path: secrets.socketPath,
      }),
    );
    writeFileSync(
      join(dir, "users.json"),
      JSON.stringify({ admin: await hashPassword("migrated pass") }),
    );
    writeFileSync(
      join(dir, "commissaire.conf"),
      JSON.stringify({
        bus_uri: redis.url(),
        listen_port: await freePort(),
        users_file: join(dir, "users.json"),
      }),
    );
    storageProc = Running.start(BIN.storage, ["-c", join(dir, "storage.conf")]);
    serverProc = Running.start(BIN.server, ["-c", join(dir, "commissaire.conf")]);
    await storageProc.waitForLog("storage", (r) => r.msg === "service started");
    base = (await serverProc.waitForLog("the server", (r) => r.msg === "server listening")).url;
    bus = Bus.connect(redis.url());
  });
  after(async () => {
    await bus?.close();
    await serverProc?.stop();
    await storageProc?.stop();
    await Promise.all([etcd?.destroy(), redis?.destroy(), secrets?.destroy()]);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  test("--dry-run says what it would write and writes nothing", async () => {
    const result = await migrate(...withConfig(), "--dry-run");
    assert.equal(result.code, 0, result.stderr);
    assert.match(result.stdout, /would migrate Host "10\.2\.0\.2"/);
    assert.match(result.stdout, /dry run: nothing written; 13 records would be written/);
    assert.deepEqual(await v3(), []);
  });

  test("every record is migrated once, counted per type; the v2 tree stays as it was", async () => {
    const before = (await readV2Tree({ url: etcd.url })).raw;
    const result = await migrate(...withConfig());
    assert.equal(result.code, 0, result.stdout + result.stderr);
    const counts = countsOf(result.stdout);
    assert.deepEqual(counts.get("Host"), [3, 0, 0, 0, 0]);
    assert.deepEqual(counts.get("HostCreds"), [1, 0, 0, 0, 0]);
    assert.deepEqual(counts.get("Cluster"), [2, 0, 0, 0, 0]);
    assert.deepEqual(counts.get("ClusterUpgrade"), [2, 0, 0, 0, 0]);
    assert.deepEqual(counts.get("ClusterRestart"), [1, 0, 0, 0, 0]);
    assert.deepEqual(counts.get("ClusterDeploy"), [1, 0, 0, 0, 0]);
    assert.deepEqual(counts.get("Network"), [2, 0, 0, 0, 0]);
    assert.deepEqual(counts.get("ContainerManagerConfig"), [1, 0, 0, 0, 0]);
    assert.match(result.stdout, /wrote 13 records/);
    // What was changed on the way is said.
    assert.match(
      result.stdout,
      /migrated Cluster "legacy" \(left out members the model does not have: type; defaults for missing members: container_manager\)/,
    );
    assert.match(
      result.stdout,
      /started_at "2016-06-01T10:00:00" written as 2016-06-01T10:00:00\.000000/,
    );
    assert.match(
      result.stdout,
      /migrated ClusterRestart "prod" \(in_process: our clusterexec service will take this operation over/,
    );
    assert.match(result.stdout, /left alone \(not a record\): \/commissaire\/config\/storage/);
    assert.doesNotMatch(result.stdout + result.stderr, /dGVzdAo=|openshift-token/);
    assert.equal((await readV2Tree({ url: etcd.url })).raw, before);
  });

  test("a second run writes nothing and says so", async () => {
    const stored = await v3();
    const result = await migrate(...withConfig());
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /nothing written: 13 records already stored as they are in v2/);
    assert.deepEqual(countsOf(result.stdout).get("Host"), [0, 3, 0, 0, 0]);
    assert.deepEqual(await v3(), stored);
  });

  test("every record reads back and works through the storage service and the REST server", async () => {
    const hosts = await get("/api/v0/hosts");
    assert.equal(hosts.status, 200);
    assert.deepEqual(hosts.body.map((h: { address: string }) => h.address).sort(), [
      "10.2.0.2",
      "192.168.152.110",
      "192.168.152.111",
    ]);
    const early = await get("/api/v0/host/10.2.0.2");
    assert.equal(early.body.os, "atomic");
    assert.equal(early.body.source, "");
    assert.deepEqual((await get("/api/v0/host/10.2.0.2/creds")).body, {
      address: "10.2.0.2",
      remote_user: "cloud-user",
    });
    const prod = await get("/api/v0/cluster/prod");
    assert.equal(prod.status, 200);
    assert.equal(prod.body.container_manager, "openshift1");
    assert.deepEqual(prod.body.hosts, { total: 2, available: 1, unavailable: 1 });
    assert.equal(prod.body.status, "degraded");
    assert.deepEqual((await get("/api/v0/cluster/legacy/hosts")).body, ["10.2.0.2"]);
    assert.equal(
      (await get("/api/v0/cluster/prod/upgrade")).body.finished_at,
      "2017-03-07T16:35:00.123456",
    );
    assert.deepEqual((await get("/api/v0/cluster/prod/restart")).body.in_process, [
      "192.168.152.111",
    ]);
    assert.equal((await get("/api/v0/cluster/prod/deploy")).body.version, "7.2.1");
    assert.equal(
      (await get("/api/v0/cluster/legacy/upgrade")).body.started_at,
      "2016-06-01T10:00:00.000000",
    );
    assert.deepEqual((await get("/api/v0/networks")).body.sort(), ["default", "flannel-server"]);
    assert.equal(
      (await get("/api/v0/network/flannel-server")).body.options.address,
      "10.0.0.5:8080",
    );
    const manager = await get("/api/v0/containermanager/openshift1");
    assert.equal(manager.body.options.server_url, "https://192.168.152.101:8443/");
    assert.equal(manager.body.options.token, undefined);

    const storage = new StorageClient(bus);
    // Credentials: the early ones moved to Custodia, the Custodia ones where they were.
    assert.equal((await storage.get(HostCreds, { address: "10.2.0.2" })).ssh_priv_key, "dGVzdAo=");
    assert.equal(
      (await storage.get(HostCreds, { address: "192.168.152.111" })).ssh_priv_key,
      "a2V5IGluIGN1c3RvZGlh",
    );
    // Migrated records take writes like any other.
    await storage.update(Host, { address: "10.2.0.2" }, (h) => ({ ...h, status: "failed" }));
    assert.equal((await get("/api/v0/host/10.2.0.2")).body.status, "failed");
    // A member leaves its cluster (legacy: no container manager, whose service is not run here).
    const removed = await call(base, "DELETE", "/api/v0/cluster/legacy/hosts/10.2.0.2", {
      authorization: admin,
    });
    assert.equal(removed.status, 200);
    assert.deepEqual((await get("/api/v0/cluster/legacy")).body.hosts.total, 0);
  });

  test("records changed since are kept, and --overwrite replaces them", async () => {
    const kept = await migrate(...withConfig());
    assert.equal(kept.code, 0, kept.stdout + kept.stderr);
    assert.match(
      kept.stdout,
      /kept Cluster "legacy" from \/commissaire\/clusters\/legacy: differs from the record already stored/,
    );
    assert.match(kept.stdout, /kept Host "10\.2\.0\.2"/);
    assert.deepEqual(countsOf(kept.stdout).get("Host"), [0, 2, 1, 0, 0]);
    assert.equal((await get("/api/v0/cluster/legacy")).body.hosts.total, 0);

    const replaced = await migrate(...withConfig(), "--overwrite");
    assert.equal(replaced.code, 0, replaced.stdout + replaced.stderr);
    assert.match(replaced.stdout, /wrote 2 records/);
    assert.equal((await get("/api/v0/cluster/legacy")).body.hosts.total, 1);
    assert.equal((await get("/api/v0/host/10.2.0.2")).body.status, "active");
  });

  test("invalid records are listed with the reason and skipped; the rest is unchanged", async () => {
    for (const [key, value] of V2_INVALID) await v2put(etcd, key, value);
    const tree = (await readV2Tree({ url: etcd.url })).raw;
    const stored = await v3();
    const result = await migrate(...withConfig());
    assert.equal(result.code, 1, result.stdout + result.stderr);
    assert.match(
      result.stdout,
      /invalid Host "192\.168\.152\.199" from \/commissaire\/hosts\/192\.168\.152\.199: not JSON/,
    );
    assert.match(result.stdout, /invalid Cluster "web\.prod" .*breaks our rule \(name matching/);
    assert.match(
      result.stdout,
      /invalid Network "weave" .*type: expected one of flannel_etcd, flannel_server/,
    );
    assert.match(
      result.stdout,
      /invalid ClusterDeploy "legacy" .*version: expected non-empty string/,
    );
    assert.match(result.stdout, /4 records invalid, skipped \(listed above\)/);
    assert.deepEqual(countsOf(result.stdout).get("Host"), [0, 3, 0, 1, 0]);
    assert.deepEqual(await v3(), stored);
    assert.equal((await readV2Tree({ url: etcd.url })).raw, tree);
  });

  test("a source that cannot be read or a store that does not answer: a clear message, nothing written", async () => {
    const stored = await v3();
    const unreachable = await run(BIN.commissaire, [
      "storage",
      "migrate-v2",
      "--from",
      `http://127.0.0.1:${await freePort()}`,
      ...withConfig(),
    ]);
    assert.equal(unreachable.code, 3);
    assert.match(unreachable.stderr, /cannot reach http:\/\/127\.0\.0\.1:\d+: .*ECONNREFUSED/);
    assert.match(unreachable.stderr, /nothing was written/);

    const notV2 = createServer((_req, res) => res.writeHead(404).end("404 page not found\n"));
    await new Promise<void>((resolve) => notV2.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(notV2.address() as AddressInfo).port}`;
    const wrong = await run(BIN.commissaire, [
      "storage",
      "migrate-v2",
      "--from",
      url,
      ...withConfig(),
    ]);
    notV2.close();
    assert.equal(wrong.code, 3);
    assert.match(wrong.stderr, /does not answer the etcd v2 API .*--enable-v2/);

    const noStore = await migrate(...withConfig(), "--to", `http://127.0.0.1:${await freePort()}`);
    assert.equal(noStore.code, 3);
    assert.match(noStore.stderr, /store etcd cannot be used: .*ECONNREFUSED/);
    assert.match(noStore.stderr, /nothing was written/);

    const badUrl = await run(BIN.commissaire, ["storage", "migrate-v2", "--from", "not a url"]);
    assert.equal(badUrl.code, 2);
    assert.match(badUrl.stderr, /--from "not a url" is not a URL/);
    assert.deepEqual(await v3(), stored);
  });
  test("a source that asks for a password: refused without, read with --from-user", async () => {
    const v2 = (path: string, body: unknown, auth?: string) =>
      fetch(`${etcd.url}/v2/auth/${path}`, {
        method: "PUT",
        headers: auth ? { authorization: auth } : {},
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    assert.equal((await v2("users/root", { user: "root", password: "v2 root pw" })).status, 201);
    assert.equal((await v2("enable", undefined)).status, 200);
    const revoke = { role: "guest", revoke: { kv: { read: ["/*"], write: ["/*"] } } };
    assert.equal((await v2("roles/guest", revoke, basic("root", "v2 root pw"))).status, 200);

    const refused = await migrate(...withConfig());
    assert.equal(refused.code, 3);
    assert.match(refused.stderr, /refused the read \(HTTP 401\)/);
    const read = await run(
      BIN.commissaire,
      ["storage", "migrate-v2", "--from", etcd.url, "--from-user", "root", ...withConfig()],
      { env: { COMMISSAIRE_FROM_PASSWORD: "v2 root pw" }, timeoutMs: 30_000 },
    );
    assert.equal(read.code, 1, read.stdout + read.stderr); // the invalid records are still there
    assert.match(read.stdout, /nothing written: 13 records already stored as they are in v2/);
    assert.doesNotMatch(read.stdout + read.stderr, /v2 root pw/);
  });
});
