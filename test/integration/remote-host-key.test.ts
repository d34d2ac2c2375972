/**
 * Host keys, trust on first use, end to end: the key seen first is recorded in HostCreds, a
 * reinstalled host (new key) is refused, `commissaire host forget-key` (REST DELETE
 * /api/v0/host/{address}/hostkey) clears the record, and the new key is then accepted.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { silentLogger } from "../../src/base/logger.js";
import { MemoryBroker } from "../../src/bus/transports/memory/broker.js";
import { Host, HostCreds, modelTypes } from "../../src/models/index.js";
import { HostKeyChangedError, targetFromCreds } from "../../src/remote/index.js";
import { TokenAuthenticator } from "../../src/services/server/auth.js";
import { CommissaireServer } from "../../src/services/server/server.js";
import { storedModelNames } from "../../src/services/storage/definition.js";
import { StorageService } from "../../src/services/storage/service.js";
import { StorageClient } from "../../src/storage/client.js";
import {
  createHandlers,
  defineHandlers,
  storableFrom,
} from "../../src/storage/handler-registry.js";
import { memoryBus } from "../../src/testing/index.js";
import { BIN, run } from "../helpers/cli.js";
import { call } from "../helpers/http.js";
import { TestHosts } from "../hosts/harness.js";

let hosts: TestHosts;
let dir: string;
let storageService: StorageService;
let server: CommissaireServer;
let storage: StorageClient;
let url: string;
const TOKEN = "forget-key-test-token";

before(async () => {
  hosts = await TestHosts.start([{ os: "fedora" }, { os: "centos" }]);
  dir = mkdtempSync(join(tmpdir(), "commissaire-hostkey-"));
  const broker = new MemoryBroker();
  const definitions = await defineHandlers(
    {
      storage_handlers: [
        { type: "memory", name: "models" },
        { type: "secret_file", name: "secrets", directory: join(dir, "secrets") },
      ],
    },
    storableFrom(modelTypes.values(), storedModelNames()),
  );
  storageService = new StorageService({
    bus: memoryBus(broker),
    handlers: createHandlers(definitions, process.env),
    definitions,
  });
  await storageService.start();
  server = new CommissaireServer({
    bus: memoryBus(broker),
    authenticator: new TokenAuthenticator({ [TOKEN]: "admin" }),
    logger: silentLogger(),
  });
  const { port } = await server.listen(0, "127.0.0.1");
  url = `http://127.0.0.1:${port}`;
  storage = new StorageClient(memoryBus(broker));
  for (const host of hosts.hosts) {
    await storage.save(Host, { address: host.address });
    await storage.save(HostCreds, hosts.creds(host));
  }
});
after(async () => {
  await server.close();
  await storageService.stop(1000);
  await hosts.destroy();
  rmSync(dir, { recursive: true, force: true });
});

/** What a service does: connect with the stored creds, record the key seen on first use. */
async function connectAndRecord(address: string): Promise<string> {
  const creds = await storage.get(HostCreds, { address });
  const pool = hosts.pool();
  try {
    const ex = await pool.open(targetFromCreds(creds));
    if (!creds.ssh_host_key) await storage.save(HostCreds, { ...creds, ssh_host_key: ex.hostKey });
    await ex.close();
    return ex.hostKey;
  } finally {
    await pool.close();
  }
}

async function reinstall(index: number): Promise<void> {
  const host = hosts.at(index);
  host.newHostKey();
  await host.stop();
  await host.start();
}

test("changed host key refused, accepted after `commissaire host forget-key`", async () => {
  const host = hosts.at(0);
  const first = await connectAndRecord(host.address);
  assert.equal(first, host.hostKeyFingerprint());
  assert.equal((await storage.get(HostCreds, { address: host.address })).ssh_host_key, first);
  assert.equal(await connectAndRecord(host.address), first, "the same key is accepted again");

  await reinstall(0);
  await assert.rejects(connectAndRecord(host.address), (err: unknown) => {
    assert.ok(err instanceof HostKeyChangedError);
    assert.equal(err.kind, "host-key-changed");
    assert.match(
      err.message,
      new RegExp(`host key changed: recorded ${first.replace(/[+/]/g, "\\$&")}`),
    );
    assert.match(err.message, /commissaire host forget-key/);
    return true;
  });

  const env = { HOME: dir, COMMISSAIRE_SERVER: url, COMMISSAIRE_TOKEN: TOKEN };
  const forgot = await run(BIN.commissaire, ["host", "forget-key", host.address], { env });
  assert.equal(forgot.code, 0, forgot.stderr);
  assert.equal(
    forgot.stdout.trim(),
    `host ${host.address}: forgot host key ${first}; the next connection records the key it sees`,
  );
  assert.equal((await storage.get(HostCreds, { address: host.address })).ssh_host_key, "");
  const second = await connectAndRecord(host.address);
  assert.equal(second, host.hostKeyFingerprint());
  assert.notEqual(second, first);
  const again = await run(BIN.commissaire, ["host", "forget-key", host.address, "--json"], { env });
  assert.deepEqual(JSON.parse(again.stdout), { address: host.address, forgotten: second });
});

test("the REST endpoint: 404 for an unknown host, the key kept elsewhere untouched", async () => {
  const auth = `Bearer ${TOKEN}`;
  const other = hosts.at(1);
  const recorded = await connectAndRecord(other.address);
  const missing = await call(url, "DELETE", "/api/v0/host/127.0.0.250/hostkey", {
    authorization: auth,
  });
  assert.equal(missing.status, 404);
  assert.equal((await call(url, "DELETE", `/api/v0/host/${other.address}/hostkey`)).status, 401);
  assert.equal((await storage.get(HostCreds, { address: other.address })).ssh_host_key, recorded);
  const cleared = await call(url, "DELETE", `/api/v0/host/${other.address}/hostkey`, {
    authorization: auth,
  });
  assert.deepEqual(cleared, { ...cleared, status: 200 });
  assert.deepEqual(cleared.body, { address: other.address, forgotten: recorded });
  const creds = await storage.get(HostCreds, { address: other.address });
  assert.equal(creds.ssh_priv_key, hosts.sshPrivKey, "the private key stays");
});
