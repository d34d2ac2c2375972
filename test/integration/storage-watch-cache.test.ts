/**
 * The etcd handler's watch cache on a real etcd: what is written behind its back (directly to
 * etcd) is served once the watch delivers it, deletes included; a lost watch, a compacted history
 * and an etcd restart never leave it serving stale records; min_revision and consistent_reads.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { EtcdClient } from "../../src/config/etcd-client.js";
import { Host } from "../../src/models/index.js";
import { StoreUnavailableError } from "../../src/storage/handler.js";
import { EtcdStoreHandler } from "../../src/storage/handlers/etcd.js";
import { b64 } from "../../src/storage/handlers/etcd-kv.js";
import { waitFor } from "../../src/testing/index.js";
import { EtcdServer } from "../helpers/servers.js";

let etcd: EtcdServer;
let direct: EtcdClient;
const handlers: EtcdStoreHandler[] = [];

before(async () => {
  etcd = await EtcdServer.start();
  direct = new EtcdClient({ hosts: [etcd.url] });
});
after(async () => {
  for (const h of handlers) await h.close();
  direct.close();
  await etcd.destroy();
});

async function cached(options: Record<string, unknown> = {}): Promise<EtcdStoreHandler> {
  const handler = new EtcdStoreHandler({
    name: "e",
    options: { server_url: etcd.url, ...options },
    env: {},
  });
  handlers.push(handler);
  await handler.probe();
  return handler;
}

const hostKey = (address: string) => `/commissaire/hosts/${address}`;
const hostJson = (address: string, cpus: number) => JSON.stringify({ address, cpus });

/** A direct put (behind the handler's back); its revision. */
async function put(address: string, cpus: number): Promise<string> {
  const reply = await direct.rpc("/v3/kv/put", {
    key: b64(hostKey(address)),
    value: b64(hostJson(address, cpus)),
  });
  return String((reply.header as { revision: string }).revision);
}

async function remove(address: string): Promise<string> {
  const reply = await direct.rpc("/v3/kv/deleterange", { key: b64(hostKey(address)) });
  return String((reply.header as { revision: string }).revision);
}

async function cpusOf(handler: EtcdStoreHandler, address: string, minRevision?: string) {
  const served = await handler.reads!.get(Host, address, { minRevision });
  return served ? (JSON.parse(served.json!) as { cpus: number }).cpus : null;
}

const listed = async (handler: EtcdStoreHandler) =>
  (await handler.reads!.list(Host, {})).map((s) => s.key).filter((k) => k.startsWith("10.9."));

describe("the etcd watch cache", () => {
  test("serves what is written and deleted behind its back once the watch delivers it", async () => {
    const handler = await cached();
    await put("10.9.1.1", 1);
    await waitFor(async () => (await cpusOf(handler, "10.9.1.1")) === 1, { what: "the put" });
    await put("10.9.1.1", 2);
    await waitFor(async () => (await cpusOf(handler, "10.9.1.1")) === 2, { what: "the update" });
    await remove("10.9.1.1");
    await waitFor(async () => (await cpusOf(handler, "10.9.1.1")) === null, {
      what: "the delete",
    });
    assert.deepEqual(await listed(handler), []);
    // Its own writes are served at once, with the revision etcd gave them.
    const saved = await handler.save(
      Host,
      "10.9.1.2",
      Host.toJson(Host.parse({ address: "10.9.1.2" })),
    );
    const served = await handler.reads!.get(Host, "10.9.1.2", {});
    assert.equal(served?.revision, saved.revision);
    assert.equal(JSON.parse(served!.json!)._revision, saved.revision);
    await handler.delete(Host, "10.9.1.2");
    assert.equal(await handler.reads!.get(Host, "10.9.1.2", {}), null);
  });

  test("a save's cached text is what every handler serves of it: no schema stamp, _revision last", async () => {
    const writer = await cached();
    const reader = await cached();
    const record = Host.toJson(Host.parse({ address: "10.9.5.1", cpus: 3 }));
    const saved = await writer.save(Host, "10.9.5.1", { ...record, _schema: 1 });
    const [batch] = (await writer.saveMany!(Host, [
      { key: "10.9.5.2", record: { ...record, address: "10.9.5.2", _schema: 1 } },
      { key: "10.9.5.3", record: { ...record, address: "10.9.5.3", _schema: 1 } },
    ]))!;
    const own = (address: string) => writer.reads!.get(Host, address, {});
    assert.deepEqual(JSON.parse((await own("10.9.5.1"))!.json!), {
      ...record,
      _revision: saved.revision,
    });
    assert.deepEqual(JSON.parse((await own("10.9.5.2"))!.json!), {
      ...record,
      address: "10.9.5.2",
      _revision: batch!.revision,
    });
    // Another handler, from its watch, serves the very same text.
    for (const address of ["10.9.5.1", "10.9.5.2"]) {
      const mine = await own(address);
      const other = await reader.reads!.get(Host, address, { minRevision: mine!.revision });
      assert.equal(mine!.json, other!.json, address);
    }
  });

  test("min_revision: a read waits until the cache has that revision", async () => {
    const handler = await cached();
    const revision = await put("10.9.2.1", 7);
    assert.equal(await cpusOf(handler, "10.9.2.1", revision), 7);
    // A revision etcd has not reached: the wait is bounded, then etcd answers.
    const started = Date.now();
    assert.equal(await cpusOf(handler, "10.9.2.1", String(Number(revision) + 1000)), 7);
    assert.ok(Date.now() - started < 10_000);
  });

  test("consistent_reads: every read sees everything etcd acknowledged before it began", async () => {
    const handler = await cached({ consistent_reads: true });
    for (let i = 0; i < 20; i++) {
      await put("10.9.3.1", i);
      assert.equal(await cpusOf(handler, "10.9.3.1"), i);
    }
  });

  test("a lost watch: reads go to etcd meanwhile, then the cache reloads", async () => {
    const handler = await cached();
    await put("10.9.4.1", 1);
    await put("10.9.4.2", 1);
    await waitFor(async () => (await cpusOf(handler, "10.9.4.2")) === 1, { what: "the puts" });
    const release = handler.watch!.interrupt();
    await put("10.9.4.1", 2);
    await remove("10.9.4.2");
    // Not live: served from etcd, never the cache's stale copy.
    assert.equal(await cpusOf(handler, "10.9.4.1"), 2);
    assert.equal(await cpusOf(handler, "10.9.4.2"), null);
    release();
    await handler.probe();
    assert.equal(await cpusOf(handler, "10.9.4.1"), 2);
    assert.equal(await cpusOf(handler, "10.9.4.2"), null);
    const later = await put("10.9.4.1", 3);
    assert.equal(await cpusOf(handler, "10.9.4.1", later), 3);
  });

  test("a compacted history: the cache reloads and serves what etcd holds now", async () => {
    const handler = await cached();
    await put("10.9.5.1", 1);
    await put("10.9.5.2", 1);
    await waitFor(async () => (await cpusOf(handler, "10.9.5.2")) === 1, { what: "the puts" });
    const release = handler.watch!.interrupt();
    await put("10.9.5.1", 2);
    const last = await remove("10.9.5.2");
    await direct.rpc("/v3/kv/compaction", { revision: last, physical: true });
    release();
    await handler.probe();
    assert.equal(await cpusOf(handler, "10.9.5.1"), 2);
    assert.equal(await cpusOf(handler, "10.9.5.2"), null);
    assert.ok(!(await listed(handler)).includes("10.9.5.2"));
  });

  test("an etcd restart: reads fail while it is down, then the cache follows the new etcd", async () => {
    const handler = await cached();
    await put("10.9.6.1", 1);
    await waitFor(async () => (await cpusOf(handler, "10.9.6.1")) === 1, { what: "the put" });
    await etcd.stop();
    // The cached copy is not served as if etcd had vouched for it.
    await waitFor(
      () =>
        cpusOf(handler, "10.9.6.1").then(
          () => false,
          (err) => err instanceof StoreUnavailableError,
        ),
      { timeoutMs: 15_000, what: "reads to fail while etcd is down" },
    );
    await etcd.restart();
    await put("10.9.6.1", 2);
    await waitFor(async () => (await cpusOf(handler, "10.9.6.1").catch(() => null)) === 2, {
      timeoutMs: 15_000,
      what: "the write after the restart",
    });
    await waitFor(() => handler.watch !== null && handlerLive(handler), {
      timeoutMs: 15_000,
      what: "the watch to be back",
    });
    const revision = await put("10.9.6.1", 3);
    assert.equal(await cpusOf(handler, "10.9.6.1", revision), 3);
  });
});

/** Whether the handler serves from its cache again (a probe answers once it does). */
async function handlerLive(handler: EtcdStoreHandler): Promise<boolean> {
  return handler.probe().then(
    () => true,
    () => false,
  );
}
