/** Configuration read from a real etcd (v3 API): plain, with client TLS, with auth, with fail-over. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { readConfig } from "../../src/config/read-config.js";
import { EtcdServer, freePort, makeTlsFiles } from "../helpers/servers.js";

const dir = mkdtempSync(join(tmpdir(), "commissaire-etcdconf-"));
const fileConf = join(dir, "storage.conf");
writeFileSync(fileConf, '{"bus_exchange": "from-file"}');

after(() => rmSync(dir, { recursive: true, force: true }));

async function read(env: NodeJS.ProcessEnv, name = "storage") {
  const lines: string[] = [];
  const result = await readConfig(name, {
    configFile: fileConf,
    env,
    report: (l) => lines.push(l),
    etcdTimeoutMs: 5000,
  });
  return { ...result, said: lines.join("\n") };
}

describe("configuration from etcd", () => {
  let etcd: EtcdServer;
  before(async () => {
    etcd = await EtcdServer.start();
    await etcd.ctl(
      "put",
      "/commissaire/config/storage",
      '{"bus-uri": "redis://127.0.0.1:7/0", "storage-handlers": {"type": "etcd"}}',
    );
    await etcd.ctl("put", "/commissaire/config/watcher", '["not", "an object"]');
    await etcd.ctl("put", "/commissaire/config/investigator", "{broken");
  });
  after(async () => {
    await etcd.destroy();
  });

  test("the key's JSON object is used, normalised, and the source said", async () => {
    const r = await read({ ETCD_MACHINES: etcd.url });
    assert.deepEqual(r.config, {
      bus_uri: "redis://127.0.0.1:7/0",
      storage_handlers: [{ type: "etcd" }],
    });
    assert.match(r.source, /^etcd key \/commissaire\/config\/storage/);
    assert.match(r.said, /storage: configuration from etcd key \/commissaire\/config\/storage/);
  });

  test("a missing key, a non-object or broken JSON falls back to the file, saying why", async () => {
    const missing = await read({ ETCD_MACHINES: etcd.url }, "clusterexec");
    assert.deepEqual(missing.config, { bus_exchange: "from-file" });
    assert.match(
      missing.said,
      /\/commissaire\/config\/clusterexec does not exist\); falling back to the file/,
    );
    const array = await read({ ETCD_MACHINES: etcd.url }, "watcher");
    assert.match(array.said, /must be a JSON object, got an array\); falling back/);
    assert.equal(array.source, `file ${fileConf}`);
    const broken = await read({ ETCD_MACHINES: etcd.url }, "investigator");
    assert.match(broken.said, /not valid JSON.*falling back/);
  });

  test("two URLs with the first one dead: the second answers", async () => {
    const dead = `http://127.0.0.1:${await freePort()}`;
    for (const machines of [`${dead},${etcd.url}`, `${etcd.url}, ${dead}`]) {
      const r = await read({ ETCD_MACHINES: machines });
      assert.equal(
        r.config.bus_uri,
        "redis://127.0.0.1:7/0",
        `ETCD_MACHINES=${machines}: ${r.said}`,
      );
    }
  });
});

describe("configuration from etcd with client TLS certificates", () => {
  let etcd: EtcdServer;
  let tls: ReturnType<typeof makeTlsFiles>;
  before(async () => {
    tls = makeTlsFiles();
    etcd = await EtcdServer.start({ tls });
    await etcd.ctl("put", "/commissaire/config/storage", '{"bus_exchange": "from-tls-etcd"}');
  });
  after(async () => {
    await etcd.destroy();
    rmSync(tls.dir, { recursive: true, force: true });
  });

  test("ETCD_CACERT + ETCD_TLSPEM + ETCD_TLSKEY reach it", async () => {
    const r = await read({
      ETCD_MACHINES: etcd.url,
      ETCD_CACERT: tls.caFile,
      ETCD_TLSPEM: tls.clientCertFile,
      ETCD_TLSKEY: tls.clientKeyFile,
    });
    assert.deepEqual(r.config, { bus_exchange: "from-tls-etcd" }, r.said);
  });

  test("without the client certificate the server refuses, and the file is used", async () => {
    const r = await read({ ETCD_MACHINES: etcd.url, ETCD_CACERT: tls.caFile });
    assert.deepEqual(r.config, { bus_exchange: "from-file" });
    assert.match(r.said, /no usable configuration in etcd/);
  });
});

describe("configuration from etcd with a user and password", () => {
  let etcd: EtcdServer;
  const password = "pa55-w0rd-xyz";
  before(async () => {
    etcd = await EtcdServer.start();
    await etcd.ctl("put", "/commissaire/config/storage", '{"bus_exchange": "from-auth-etcd"}');
    await etcd.ctl("user", "add", `root:${password}`);
    await etcd.ctl("auth", "enable");
  });
  after(async () => {
    await etcd.destroy();
  });

  test("ETCD_USERNAME + ETCD_PASSWORD authenticate", async () => {
    const r = await read({
      ETCD_MACHINES: etcd.url,
      ETCD_USERNAME: "root",
      ETCD_PASSWORD: password,
    });
    assert.deepEqual(r.config, { bus_exchange: "from-auth-etcd" }, r.said);
    assert.ok(!r.said.includes(password));
  });

  test("a wrong password or none is refused; the password never appears", async () => {
    const wrong = await read({
      ETCD_MACHINES: etcd.url,
      ETCD_USERNAME: "root",
      ETCD_PASSWORD: "wrong-one-123",
    });
    assert.deepEqual(wrong.config, { bus_exchange: "from-file" });
    assert.match(wrong.said, /no usable configuration in etcd/);
    assert.ok(!wrong.said.includes("wrong-one-123"));
    const none = await read({ ETCD_MACHINES: etcd.url });
    assert.deepEqual(none.config, { bus_exchange: "from-file" });
  });
});
