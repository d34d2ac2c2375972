/**
 * Shard leases between watcher processes, on in-process leases with a clock of the test's: fair
 * shares as processes come and go, never one shard held by two, a dead process's shards taken
 * once its leases expire, everything given back on stop.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { silentLogger } from "../../src/base/logger.js";
import { ShardLeases, shardOf } from "../../src/services/watcher/shards.js";
import { InProcessLeases } from "../../src/storage/leases.js";

const SHARDS = 64;
const TTL_MS = 15_000;

function world() {
  const clock = { now: 0 };
  const leases = new InProcessLeases(() => clock.now);
  const calls = {
    acquireLease: async (name: string, holder: string, ttl: number) => {
      const g = await leases.acquire(name, holder, ttl * 1000);
      return { name: g.name, holder: g.holder, ttl };
    },
    renewLease: async (name: string, holder: string, ttl: number) => {
      const g = await leases.renew(name, holder, ttl * 1000);
      return { name: g.name, holder: g.holder, ttl };
    },
    releaseLease: (name: string, holder: string) => leases.release(name, holder),
    listLeases: (prefix: string) => leases.list(prefix),
  };
  const logger = silentLogger();
  const proc = (id: string) => new ShardLeases(calls, id, SHARDS, TTL_MS, logger);
  return { clock, leases, proc };
}

/** Each shard held by at most one process (by their own view). */
function assertDisjoint(procs: ShardLeases[]): void {
  for (let s = 0; s < SHARDS; s++) {
    const holders = procs.filter((p) => p.holds(s)).map((p) => p.self);
    assert.ok(holders.length <= 1, `shard ${s} held by ${holders.join(", ")}`);
  }
}

test("processes share the shards fairly and never hold one twice", async () => {
  const { proc } = world();
  const a = proc("a");
  const b = proc("b");
  const c = proc("c");
  await a.round();
  assert.equal(a.count, SHARDS);
  await b.round(); // sees a, but nothing is free yet
  assertDisjoint([a, b]);
  await a.round(); // sees b: gives half back
  assert.equal(a.count, SHARDS / 2);
  await b.round();
  assert.equal(b.count, SHARDS / 2);
  assertDisjoint([a, b]);
  for (let i = 0; i < 3; i++) for (const p of [c, a, b]) await p.round();
  assert.deepEqual(
    [a.count, b.count, c.count].sort((x, y) => x - y),
    [20, 22, 22],
  );
  assert.equal(a.processes, 3);
  assertDisjoint([a, b, c]);
});

test("a dead process's shards are free once their leases expire; stop gives them back at once", async () => {
  const { clock, proc, leases } = world();
  const a = proc("a");
  const b = proc("b");
  for (let i = 0; i < 2; i++) for (const p of [a, b]) await p.round();
  assert.equal(a.count + b.count, SHARDS);
  // b stops renewing (killed). Before its TTL the shards stay b's.
  clock.now = 10_000;
  await a.round();
  assert.equal(a.count, SHARDS / 2);
  clock.now = TTL_MS + 1;
  await a.round();
  assert.equal(a.count, SHARDS);
  assert.equal(a.processes, 1);
  await a.releaseAll();
  assert.equal(a.count, 0);
  assert.deepEqual(await leases.list("watcher-"), [
    // b's leases expired, a's were released: nothing left.
  ]);
});

test("similar addresses fall into different shards", () => {
  const shards = new Set(Array.from({ length: 16 }, (_, i) => shardOf(`127.1.1.${i + 1}`, 4)));
  assert.equal(shards.size, 4);
});
