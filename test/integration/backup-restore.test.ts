/**
 * `commissaire backup` and `restore` against a storage service on etcd with a secret store, and the
 * REST server in front of it: what the REST API answers after a wipe and a restore is what it
 * answered before, and the hosts' credentials are back.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { waitFor } from "../../src/testing/index.js";
import { BIN, Running, run } from "../helpers/cli.js";
import { basic, call } from "../helpers/http.js";
import { EtcdServer, freePort, RedisServer } from "../helpers/servers.js";

let dir: string;
let redis: RedisServer;
let etcd: EtcdServer;
let storage: Running;
let server: Running;
let base: string;
const auth = basic("admin", "s3cret-pw");
const rest = (method: string, path: string, body?: unknown) =>
  call(base, method, `/api/v0/${path}`, { authorization: auth, ...(body ? { body } : {}) });
const cli = (...args: string[]) =>
  run(BIN.commissaire, [...args, "--bus-uri", redis.url()], { timeoutMs: 30_000 });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "commissaire-backup-"));
  [redis, etcd] = await Promise.all([RedisServer.start(), EtcdServer.start()]);
  const users = join(dir, "users.json");
  const added = await run(BIN.commissaire, ["user", "add", "admin", "--users-file", users], {
    input: "s3cret-pw\n",
  });
  assert.equal(added.code, 0, added.stderr);
  const port = await freePort();
  base = `http://127.0.0.1:${port}`;
  const write = (name: string, config: unknown) => {
    writeFileSync(join(dir, name), JSON.stringify(config));
    return join(dir, name);
  };
  const storageConf = write("storage.conf", {
    bus_uri: redis.url(),
    storage_handlers: [
      { type: "etcd", server_url: etcd.url },
      { type: "secret_file", directory: join(dir, "secrets") },
    ],
  });
  const serverConf = write("commissaire.conf", {
    bus_uri: redis.url(),
    listen_port: port,
    users_file: users,
  });
  storage = Running.start(BIN.storage, ["-c", storageConf]);
  server = Running.start(BIN.server, ["-c", serverConf]);
  await waitFor(async () => (await rest("GET", "networks").catch(() => null))?.status === 200, {
    timeoutMs: 20_000,
    what: "the REST server answering from storage",
  });
});

after(async () => {
  await Promise.all([server?.stop(), storage?.stop()]);
  await Promise.all([redis?.destroy(), etcd?.destroy()]);
  rmSync(dir, { recursive: true, force: true });
});

/** Every list and every record the REST API serves. */
async function snapshot(): Promise<Record<string, unknown>> {
  const out: Record<string, unknown> = {};
  for (const [list, one] of [
    ["hosts", "host"],
    ["clusters", "cluster"],
    ["networks", "network"],
    ["containermanagers", "containermanager"],
  ] as const) {
    const names = (await rest("GET", list)).body as (string | { address: string })[];
    out[list] = names;
    for (const n of names) {
      const name = typeof n === "string" ? n : n.address;
      out[`${one}/${name}`] = (await rest("GET", `${one}/${name}`)).body;
    }
  }
  out["cluster/c1/hosts"] = (await rest("GET", "cluster/c1/hosts")).body;
  return out;
}

test("backup, wipe, restore into the empty store: the same REST answers and the credentials back", async () => {
  const key =
    "-----BEGIN OPENSSH PRIVATE KEY-----\nbackup-test\n-----END OPENSSH PRIVATE KEY-----\n";
  for (const [path, body] of [
    ["network/n1", { type: "flannel_etcd", options: { address: "10.1.0.0/16" } }],
    ["containermanager/k1", { type: "trivial", options: {} }],
    ["cluster/c1", { network: "n1", container_manager: "k1" }],
    ["cluster/c2", { network: "default" }],
    [
      "host/192.0.2.7",
      { ssh_priv_key: Buffer.from(key).toString("base64"), remote_user: "ops", cluster: "c1" },
    ],
  ] as const) {
    const r = await rest("PUT", path, body);
    assert.equal(r.status, 201, `${path}: ${JSON.stringify(r.body)}`);
  }
  const before = await snapshot();
  assert.equal((before.hosts as unknown[]).length, 1);

  const passFile = join(dir, "pass");
  writeFileSync(passFile, "correct horse\n");
  const archive = join(dir, "backup.jsonl");
  const backup = await cli("backup", "--out", archive, "--passphrase-file", passFile);
  assert.equal(backup.code, 0, backup.stderr);
  const text = readFileSync(archive, "utf8");
  assert.equal(JSON.parse(text.split("\n")[0]!).version, 1);
  assert.ok(!text.includes("backup-test") && !text.includes(Buffer.from(key).toString("base64")));

  // Wipe both stores.
  await etcd.ctl("del", "", "--from-key");
  rmSync(join(dir, "secrets"), { recursive: true, force: true });
  mkdirSync(join(dir, "secrets"));
  assert.deepEqual((await rest("GET", "hosts")).body, []);

  writeFileSync(join(dir, "wrong"), "not the passphrase\n");
  const wrong = await cli("restore", archive, "--passphrase-file", join(dir, "wrong"));
  assert.equal(wrong.code, 2);
  assert.match(wrong.stderr, /wrong passphrase/);
  assert.deepEqual((await rest("GET", "clusters")).body, [], "nothing written");

  const restored = await cli("restore", archive, "--passphrase-file", passFile);
  assert.equal(restored.code, 0, restored.stderr);
  assert.deepEqual(await snapshot(), before);
  const creds = await cli(
    "call",
    "storage.get",
    JSON.stringify({ model_type_name: "HostCreds", model_json_data: { address: "192.0.2.7" } }),
  );
  assert.equal(creds.code, 0, creds.stderr);
  const got = JSON.parse(creds.stdout);
  assert.equal(Buffer.from(got.ssh_priv_key, "base64").toString(), key);
  assert.equal(got.remote_user, "ops");

  // Not into a store that holds records, unless --force.
  const again = await cli("restore", archive, "--passphrase-file", passFile);
  assert.equal(again.code, 2);
  assert.match(again.stderr, /store is not empty/);
  const forced = await cli("restore", archive, "--passphrase-file", passFile, "--force");
  assert.equal(forced.code, 0, forced.stderr);
});

test("backup needs a passphrase; restore names a file that is not an archive", async () => {
  const none = await run(
    BIN.commissaire,
    ["backup", "--out", join(dir, "x"), "--bus-uri", redis.url()],
    {
      env: { COMMISSAIRE_BACKUP_PASSPHRASE: undefined },
    },
  );
  assert.equal(none.code, 2);
  assert.match(none.stderr, /passphrase/);
  const bogus = join(dir, "bogus.jsonl");
  writeFileSync(bogus, '{"hello": 1}\n');
  const bad = await run(BIN.commissaire, ["restore", bogus, "--bus-uri", redis.url()], {
    env: { COMMISSAIRE_BACKUP_PASSPHRASE: "x" },
  });
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /bogus\.jsonl: not a Commissaire backup/);
});
