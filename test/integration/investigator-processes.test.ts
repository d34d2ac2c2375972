/**
 * The investigator as operators run it: `commissaire-investigator-service`, the storage service
 * and the REST server as processes on a real Redis, real sshd test hosts. `commissaire host
 * create --wait` follows a host to its final status; set-key and reinvestigate go through our
 * endpoints; an investigator SIGKILLed mid-host and started again still brings the host to a
 * final status. The private key reaches no log line and no REST answer.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { hashPassword } from "../../src/services/server/auth.js";
import { waitFor } from "../../src/testing/index.js";
import { BIN, Running, run } from "../helpers/cli.js";
import { basic, call } from "../helpers/http.js";
import { freePort, RedisServer } from "../helpers/servers.js";
import { TestHosts } from "../hosts/harness.js";

const INVESTIGATOR = fileURLToPath(
  new URL("../../src/cli/investigator-service.js", import.meta.url),
);
const admin = basic("admin", "pw");
let redis: RedisServer;
let hosts: TestHosts;
let dir: string;
let storage: Running;
let server: Running;
let investigator: Running;
let base: string;
let investigatorConf: string;
let env: Record<string, string>;

function startInvestigator(): Running {
  return Running.start(INVESTIGATOR, ["-c", investigatorConf]);
}

before(async () => {
  [redis, hosts] = await Promise.all([
    RedisServer.start(),
    TestHosts.start([{ os: "fedora" }, { os: "centos" }]),
  ]);
  dir = mkdtempSync(join(tmpdir(), "commissaire-investigator-"));
  const conf = (name: string, value: object) => {
    writeFileSync(join(dir, name), JSON.stringify({ bus_uri: redis.url(), ...value }));
    return join(dir, name);
  };
  writeFileSync(join(dir, "users.json"), JSON.stringify({ admin: await hashPassword("pw") }));
  writeFileSync(join(dir, "key.pem"), Buffer.from(hosts.sshPrivKey, "base64"));
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
  investigatorConf = conf("investigator.conf", {
    lease_seconds: 2,
    recover_interval_seconds: 1,
    remote: { connect_timeout: 3 },
  });
  storage = Running.start(BIN.storage, ["-c", storageConf]);
  await storage.waitForLog("storage", (r) => r.msg === "service started");
  server = Running.start(BIN.server, ["-c", serverConf]);
  investigator = startInvestigator();
  base = (await server.waitForLog("the server", (r) => r.msg === "server listening")).url;
  await investigator.waitForLog("investigator", (r) => r.msg === "service started");
  env = {
    HOME: dir,
    COMMISSAIRE_SERVER: new URL(base).origin,
    COMMISSAIRE_USERNAME: "admin",
    COMMISSAIRE_PASSWORD: "pw",
  };
});

after(async () => {
  await Promise.all([server?.stop(), investigator?.stop()]);
  await storage?.stop();
  await Promise.all([redis?.stop(), hosts?.destroy()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const hostStatus = async (address: string) =>
  (await call(base, "GET", `/api/v0/host/${address}`, { authorization: admin })).body;

test("host create --wait follows the host to its final status; set-key and reinvestigate", async () => {
  const host = hosts.at(0);
  const keyFile = join(dir, "key.pem");
  const created = await run(
    BIN.commissaire,
    [
      "host",
      "create",
      host.address,
      "--ssh-key-file",
      keyFile,
      "--remote-user",
      "commissaire-test",
      "--wait",
    ],
    { env, timeoutMs: 30_000 },
  );
  assert.equal(created.code, 0, created.stderr);
  assert.match(created.stdout, /^status:\s+disassociated$/m);
  const creds = await call(base, "GET", `/api/v0/host/${host.address}/creds`, {
    authorization: admin,
  });
  assert.deepEqual(creds.body, { address: host.address, remote_user: "commissaire-test" });

  // A refused key: set-key puts it right and the host is investigated again.
  host.refuseKey(true);
  const again = await run(BIN.commissaire, ["host", "reinvestigate", host.address, "--wait"], {
    env,
    timeoutMs: 30_000,
  });
  assert.notEqual(again.code, 0);
  assert.match(again.stderr, /failed: connect: the host refused the SSH key/);
  host.refuseKey(false);
  const setKey = await run(
    BIN.commissaire,
    ["host", "set-key", host.address, "--ssh-key-file", keyFile],
    { env },
  );
  assert.equal(setKey.code, 0, setKey.stderr);
  await waitFor(async () => (await hostStatus(host.address)).status === "disassociated", {
    timeoutMs: 15_000,
    what: "the host investigated with its new key",
  });
  for (const proc of [storage, server, investigator])
    assert.ok(!proc.stderr.includes(hosts.sshPrivKey.slice(0, 60)), "the key reached a log line");
});

test("an investigator SIGKILLed mid-host, started again: the host reaches a final status", async () => {
  const host = hosts.at(1);
  host.setSlow(150);
  const created = await call(base, "PUT", `/api/v0/host/${host.address}`, {
    authorization: admin,
    body: { ssh_priv_key: hosts.sshPrivKey, remote_user: "commissaire-test" },
  });
  assert.equal(created.status, 201);
  await waitFor(async () => (await hostStatus(host.address)).status === "bootstrapping", {
    timeoutMs: 20_000,
    what: "the host to be bootstrapping",
  });
  await investigator.stop("SIGKILL");
  assert.equal((await hostStatus(host.address)).status, "bootstrapping");
  host.setSlow(0);
  investigator = startInvestigator();
  await waitFor(async () => (await hostStatus(host.address)).status === "disassociated", {
    timeoutMs: 20_000,
    what: "the host taken up again after its lease expired",
  });
});
