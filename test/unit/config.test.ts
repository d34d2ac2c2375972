import assert from "node:assert/strict";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { after, test } from "node:test";
import { ConfigError } from "../../src/config/errors.js";
import { EtcdClient } from "../../src/config/etcd-client.js";
import { etcdSettingsFromEnv } from "../../src/config/etcd-env.js";
import { normaliseConfig } from "../../src/config/normalise.js";
import { readConfig } from "../../src/config/read-config.js";
import { busSettings } from "../../src/service/common-options.js";

const dir = mkdtempSync(join(tmpdir(), "commissaire-config-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const quiet = () => {
  const lines: string[] = [];
  return { lines, report: (l: string) => lines.push(l) };
};

test("member names are normalised recursively and storage_handlers becomes a list", () => {
  const config = normaliseConfig({
    "bus-uri": "redis://x",
    "storage-handlers": { type: "etcd", "server-url": "http://a", models: ["*"] },
    nested: [{ "a-b": { "c-d": 1 } }],
  });
  assert.deepEqual(config, {
    bus_uri: "redis://x",
    storage_handlers: [{ type: "etcd", server_url: "http://a", models: ["*"] }],
    nested: [{ a_b: { c_d: 1 } }],
  });
  assert.deepEqual(normaliseConfig({ storage_handlers: [{ type: "a" }] }).storage_handlers, [
    { type: "a" },
  ]);
});

test("an explicit file is read and normalised, and the source is said", async () => {
  const path = write("ok.conf", '{"bus-uri": "redis://127.0.0.1:1/0", "debug": true}');
  const q = quiet();
  const r = await readConfig("storage", { configFile: path, env: {}, report: q.report });
  assert.deepEqual(r.config, { bus_uri: "redis://127.0.0.1:1/0", debug: true });
  assert.equal(r.source, `file ${path}`);
  assert.deepEqual(q.lines, [`storage: configuration from file ${path}`]);
});

test("- reads standard input", async () => {
  const r = await readConfig("watcher", {
    configFile: "-",
    env: {},
    stdin: Readable.from(['{"a-b": 1}']),
    report: () => {},
  });
  assert.deepEqual(r.config, { a_b: 1 });
  assert.equal(r.source, "standard input");
  await assert.rejects(
    readConfig("watcher", {
      configFile: "-",
      env: {},
      stdin: Readable.from(["[]"]),
      report: () => {},
    }),
    /standard input: must be a JSON object, got an array/,
  );
});

test("explicit paths that cannot be used are fatal errors naming the path and the problem", async () => {
  const cases: Array<[string, RegExp]> = [
    [join(dir, "missing.conf"), /missing\.conf: cannot be read: no such file/],
    [write("bad.conf", "{nope"), /bad\.conf: not valid JSON/],
    [write("list.conf", "[1]"), /list\.conf: must be a JSON object, got an array/],
    [write("str.conf", '"x"'), /str\.conf: must be a JSON object, got a string/],
    [dir, /cannot be read: is a directory/],
  ];
  if (process.getuid?.() !== 0) {
    const locked = write("locked.conf", "{}");
    chmodSync(locked, 0);
    cases.push([locked, /locked\.conf: cannot be read: permission denied/]);
  }
  for (const [path, message] of cases) {
    await assert.rejects(
      readConfig("storage", { configFile: path, env: {}, report: () => {} }),
      (e: any) => {
        assert.ok(e instanceof ConfigError, String(e));
        assert.match(e.message, message);
        return true;
      },
    );
  }
});

test("a missing default file is not an error: defaults apply and the log says so", async () => {
  const q = quiet();
  const r = await readConfig("no-such-service-here", { env: {}, report: q.report });
  assert.deepEqual(r, { config: {}, source: "defaults" });
  assert.match(
    q.lines[0]!,
    /\/etc\/commissaire\/no-such-service-here\.conf does not exist; using the built-in defaults/,
  );
});

test("precedence: command line > COMMISSAIRE_BUS_URI > configuration > default", () => {
  const noEnv = {};
  assert.deepEqual(busSettings({}, {}, noEnv), {
    busUri: "redis://127.0.0.1:6379/0",
    busExchange: "commissaire",
  });
  const config = { bus_uri: "redis://c:1/0", bus_exchange: "ex" };
  assert.deepEqual(busSettings({}, config, noEnv), { busUri: "redis://c:1/0", busExchange: "ex" });
  const env = { COMMISSAIRE_BUS_URI: "redis://env:2/0" };
  assert.deepEqual(busSettings({}, config, env), { busUri: "redis://env:2/0", busExchange: "ex" });
  assert.deepEqual(busSettings({ busUri: "memory://", busExchange: "cli" }, config, env), {
    busUri: "memory://",
    busExchange: "cli",
  });
  assert.equal(busSettings({}, config, { COMMISSAIRE_BUS_URI: "" }).busUri, "redis://c:1/0");
  assert.throws(
    () => busSettings({}, { bus_uri: 5 }, noEnv),
    /"bus_uri" must be a non-empty string/,
  );
});

test("ETCD_* variables become etcd client settings, checked when the client is made", () => {
  assert.equal(etcdSettingsFromEnv({}), null);
  assert.equal(etcdSettingsFromEnv({ ETCD_MACHINES: " , " }), null);
  const s = etcdSettingsFromEnv({
    ETCD_MACHINES: "http://a:1, http://b:2",
    ETCD_USERNAME: "u",
    ETCD_PASSWORD: "p",
  })!;
  assert.deepEqual(s.hosts, ["http://a:1", "http://b:2"]);
  assert.deepEqual([s.username, s.password], ["u", "p"]);
  assert.throws(
    () => new EtcdClient({ hosts: ["http://x:1"], certPath: "/c" }),
    /ETCD_TLSPEM and ETCD_TLSKEY must be given together/,
  );
  assert.throws(
    () => new EtcdClient({ hosts: ["http://x:1"], username: "u" }),
    /ETCD_PASSWORD is not/,
  );
  assert.throws(
    () => new EtcdClient({ hosts: ["https://x:1"], caPath: join(dir, "none.pem") }),
    /ETCD_CACERT=.*none\.pem: cannot be read/,
  );
});

test("an unreachable etcd is reported (without the password) and the file is used", async () => {
  const path = write("fallback.conf", '{"bus_exchange": "from-file"}');
  const q = quiet();
  const r = await readConfig("storage", {
    configFile: path,
    env: { ETCD_MACHINES: "http://127.0.0.1:9", ETCD_USERNAME: "root", ETCD_PASSWORD: "s3cret-pw" },
    report: q.report,
    etcdTimeoutMs: 1500,
  });
  assert.deepEqual(r.config, { bus_exchange: "from-file" });
  assert.match(q.lines[0]!, /no usable configuration in etcd .*falling back to the file/);
  assert.ok(!q.lines.join("\n").includes("s3cret-pw"));
});
