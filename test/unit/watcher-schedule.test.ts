/** The watcher's wheel spreads checks over the interval; flapping. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { decide, newWatchedHost, record } from "../../src/services/watcher/judge.js";
import { CheckSchedule } from "../../src/services/watcher/schedule.js";

test("each host is due once per interval, spread over it", () => {
  const schedule = new CheckSchedule(1000, 100, 0);
  for (let i = 0; i < 1000; i++) schedule.add(`10.0.${i >> 8}.${i & 255}`);
  const perTick: number[] = [];
  const seen = new Map<string, number>();
  for (let now = 100; now <= 1000; now += 100) {
    const due = schedule.due(now);
    perTick.push(due.length);
    for (const d of due) seen.set(d.address, (seen.get(d.address) ?? 0) + 1);
  }
  assert.equal(seen.size, 1000);
  assert.ok([...seen.values()].every((n) => n === 1));
  assert.ok(Math.max(...perTick) < 160, `uneven spread: ${perTick}`);
});

test("flapping: 4 up/down changes within 20 checks", () => {
  const host = newWatchedHost("192.0.2.1");
  for (const ok of [true, false, true, false]) record(host, ok);
  assert.equal(host.flapping, false);
  assert.equal(record(host, true), true);
  assert.equal(host.flapping, true);
  host.status = "active";
  assert.deepEqual(decide(host, { failAfter: 3, recoverAfter: 2, frozen: false }), {
    kind: "none",
  });
});
