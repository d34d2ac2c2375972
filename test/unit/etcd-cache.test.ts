/** The etcd watch cache's bookkeeping, without etcd: order of changes, tombstones, waits. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Host } from "../../src/models/index.js";
import { EtcdCache } from "../../src/storage/handlers/etcd-cache.js";

const key = (address: string) => `/commissaire/hosts/${address}`;
const value = (address: string, cpus: number) => JSON.stringify({ address, cpus });
const cpusOf = (cache: EtcdCache, address: string) => {
  const served = cache.table(Host).get(address);
  return served ? (JSON.parse(served.json!) as { cpus: number }).cpus : null;
};

test("a change older than what a record holds is ignored", () => {
  const cache = new EtcdCache();
  cache.replace([], 10);
  cache.apply(key("10.0.0.1"), value("10.0.0.1", 2), 12);
  cache.apply(key("10.0.0.1"), value("10.0.0.1", 1), 11);
  assert.equal(cpusOf(cache, "10.0.0.1"), 2);
  assert.equal(cache.table(Host).get("10.0.0.1")?.revision, "12");
});

test("a delete leaves a tombstone: a late put of an older revision does not revive it", () => {
  const cache = new EtcdCache();
  cache.replace([{ key: key("10.0.0.2"), value: value("10.0.0.2", 1), revision: "5" }], 10);
  cache.apply(key("10.0.0.2"), null, 14);
  cache.apply(key("10.0.0.2"), value("10.0.0.2", 3), 13);
  assert.equal(cpusOf(cache, "10.0.0.2"), null);
  // Once the watch has passed the delete, a newer put is a new record.
  cache.advance(14);
  cache.apply(key("10.0.0.2"), value("10.0.0.2", 4), 15);
  assert.equal(cpusOf(cache, "10.0.0.2"), 4);
});

test("records are served with defaults and _revision; an invalid one keeps its problem", () => {
  const cache = new EtcdCache();
  cache.replace(
    [
      { key: key("10.0.0.3"), value: value("10.0.0.3", 1), revision: "7" },
      { key: key("10.0.0.4"), value: '{"address": "10.0.0.4", "cpus": "many"}', revision: "8" },
      { key: "/commissaire/leases/x", value: "holder", revision: "9" },
    ],
    9,
  );
  const served = JSON.parse(cache.table(Host).get("10.0.0.3")!.json!);
  assert.equal(served.status, "");
  assert.equal(served._revision, "7");
  assert.match(cache.table(Host).get("10.0.0.4")!.invalid!, /10\.0\.0\.4/);
  assert.equal(cache.table(Host).size, 2, "keys that are not records are not kept");
});

test("a list is in key order, new records included", () => {
  const cache = new EtcdCache();
  cache.replace([{ key: key("10.0.0.5"), value: value("10.0.0.5", 1), revision: "2" }], 2);
  cache.apply(key("10.0.0.1"), value("10.0.0.1", 1), 3);
  cache.apply(key("10.0.0.9"), value("10.0.0.9", 1), 4);
  cache.apply(key("10.0.0.5"), value("10.0.0.5", 2), 5);
  assert.deepEqual(
    cache.records(Host).map((r) => r.key),
    ["10.0.0.1", "10.0.0.5", "10.0.0.9"],
  );
});

test("reach: answers once live and at the revision, or false after its bound", async () => {
  const cache = new EtcdCache();
  cache.replace([], 3);
  assert.equal(await cache.reach(3, 20), false, "not live: never vouches");
  cache.setLive(true);
  assert.equal(await cache.reach(3, 1000), true);
  const waiting = cache.reach(6, 5000);
  cache.advance(6);
  assert.equal(await waiting, true);
  assert.equal(await cache.reach(100, 20), false);
  // Our own writes do not move the revision: only the watch vouches for everything before it.
  cache.apply(key("10.0.0.7"), value("10.0.0.7", 1), 50);
  assert.equal(cache.revision, 6);
});

test("holds: a change the cache has (or has passed) is known without its value", () => {
  const cache = new EtcdCache();
  cache.replace([], 10);
  cache.apply(key("10.0.0.1"), { served: '{"address":"10.0.0.1","_revision":"12"}' }, 12);
  assert.equal(cache.holds(key("10.0.0.1"), 12), true, "its own write, whose event follows");
  assert.equal(cache.holds(key("10.0.0.1"), 13), false);
  assert.equal(cache.table(Host).get("10.0.0.1")?.json, '{"address":"10.0.0.1","_revision":"12"}');
  cache.apply(key("10.0.0.1"), null, 14);
  assert.equal(cache.holds(key("10.0.0.1"), 13), true, "behind its delete");
  assert.equal(cache.holds("/commissaire/leases/x", 20), true, "not a record: nothing to apply");
});
