/**
 * The container manager as operators run it: `commissaire-containermgr-service`, the storage
 * service and the REST server as processes on a real Redis, a kubernetes manager against the fake
 * apiserver, and `commissaire container-manager nodes NAME` (GET
 * /api/v0/containermanager/{name}/nodes). No token in any answer or log line.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Bus } from "../../src/index.js";
import { hashPassword } from "../../src/services/server/auth.js";
import { waitFor } from "../../src/testing/index.js";
import { BIN, Running, run } from "../helpers/cli.js";
import { FakeApiserver } from "../helpers/fake-apiserver.js";
import { basic, call } from "../helpers/http.js";
import { freePort, makeTlsFiles, RedisServer } from "../helpers/servers.js";

const TOKEN = "process-token-51c0ffee";
const tls = makeTlsFiles();
let redis: RedisServer;
let api: FakeApiserver;
let dir: string;
let storage: Running;
let containermgr: Running;
let server: Running;
let base: string;
let bus: Bus;
const admin = basic("admin", "pw");

before(async () => {
  [redis, api] = await Promise.all([
    RedisServer.start(),
    new FakeApiserver({ tls, token: TOKEN }).start(),
  ]);
  dir = mkdtempSync(join(tmpdir(), "commissaire-containermgr-"));
  const conf = (name: string, value: object) => {
    writeFileSync(join(dir, name), JSON.stringify({ bus_uri: redis.url(), ...value }));
    return join(dir, name);
  };
  writeFileSync(join(dir, "users.json"), JSON.stringify({ admin: await hashPassword("pw") }));
  const storageConf = conf("storage.conf", {
    storage_handlers: [
      { type: "memory", name: "models", models: ["*"] },
      { type: "secret_memory", name: "secrets", models: ["HostCreds"] },
    ],
  });
  const serverConf = conf("commissaire.conf", {
    listen_port: await freePort(),
    users_file: join(dir, "users.json"),
  });
  storage = Running.start(BIN.storage, ["-c", storageConf]);
  await storage.waitForLog("storage", (r) => r.msg === "service started");
  containermgr = Running.start(BIN.containermgr, [
    "-c",
    conf("containermgr.conf", {}),
    "--log-level",
    "debug",
  ]);
  server = Running.start(BIN.server, ["-c", serverConf]);
  await containermgr.waitForLog("containermgr", (r) => r.msg === "service started");
  base = (await server.waitForLog("the server", (r) => r.msg === "server listening")).url;
  bus = Bus.connect(redis.url());
});

after(async () => {
  await bus.close();
  await Promise.all([server.stop(), containermgr.stop()]);
  await storage.stop();
  await Promise.all([redis.stop(), api.stop()]);
  rmSync(dir, { recursive: true, force: true });
  rmSync(tls.dir, { recursive: true, force: true });
});

test("a stored manager registers nodes; the operator lists them; no token anywhere", async () => {
  const created = await call(base, "PUT", "/api/v0/containermanager/prod", {
    authorization: admin,
    body: {
      type: "kubernetes",
      options: { server_url: api.url, token: TOKEN, ca_cert: readFileSync(tls.caFile, "utf8") },
    },
  });
  assert.equal(created.status, 201, JSON.stringify(created.body));
  assert.equal(created.body.options.token, undefined, "the token is not answered back");
  assert.equal(created.body.options.server_url, api.url);

  api.seed({ metadata: { name: "someone-elses" } });
  await waitFor(() => bus.request("container.register_node", ["prod", "192.0.2.90"]), {
    what: "the manager built from the stored record",
  });
  api.report("192.0.2.90", true);
  await bus.request("container.register_node", ["prod", "192.0.2.91"]);
  await bus.request("container.cordon_node", ["prod", "192.0.2.91"]);

  const nodes = await call(base, "GET", "/api/v0/containermanager/prod/nodes", {
    authorization: admin,
  });
  assert.equal(nodes.status, 200);
  assert.deepEqual(
    nodes.body.map((n: { node: string; status: string }) => [n.node, n.status]),
    [
      ["192.0.2.90", "ok"],
      ["192.0.2.91", "unknown"],
    ],
  );

  const env = {
    HOME: dir,
    COMMISSAIRE_SERVER: new URL(base).origin,
    COMMISSAIRE_USERNAME: "admin",
    COMMISSAIRE_PASSWORD: "pw",
  };
  const listed = await run(BIN.commissaire, ["container-manager", "nodes", "prod"], { env });
  assert.equal(listed.code, 0, listed.stderr);
  assert.match(listed.stdout, /^NODE\s+STATUS\s+SCHEDULABLE\s+KUBELET$/m);
  assert.match(listed.stdout, /^192\.0\.2\.90\s+ok\s+true\s+v1\.30\.1$/m);
  assert.match(listed.stdout, /^192\.0\.2\.91\s+unknown\s+false\s+-$/m);
  assert.doesNotMatch(listed.stdout, /someone-elses/);
  const json = await run(BIN.commissaire, ["container-manager", "nodes", "prod", "--json"], {
    env,
  });
  assert.equal(JSON.parse(json.stdout).length, 2);

  const unknown = await run(BIN.commissaire, ["container-manager", "nodes", "nope"], { env });
  assert.equal(unknown.code, 1);
  assert.match(unknown.stderr, /^error 404: container manager "nope" does not exist/);

  // The cluster failing is a bad gateway, with the apiserver's reason.
  api.faults.push({ status: 403, reason: "Forbidden" });
  const forbidden = await run(BIN.commissaire, ["container-manager", "nodes", "prod"], { env });
  assert.equal(forbidden.code, 1);
  assert.match(forbidden.stderr, /^error 502: .*injected Forbidden/);

  for (const proc of [storage, containermgr, server])
    assert.ok(!proc.stderr.includes(TOKEN), "the token reached a log line");
});
