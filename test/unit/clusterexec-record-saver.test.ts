/** The operation record's saves: coalesced while one is on its way, each change in a later save. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RecordSaver } from "../../src/services/clusterexec/record-saver.js";

test("changes made while a save is on its way go out together in the next one", async () => {
  const state = { n: 0 };
  const written: number[] = [];
  let release: () => void = () => {};
  const saver = new RecordSaver(async () => {
    const snapshot = state.n; // taken as the write starts
    await new Promise<void>((resolve) => {
      release = resolve;
    });
    written.push(snapshot);
  });
  state.n = 1;
  const first = saver.save();
  const waiting: Promise<void>[] = [];
  for (let i = 2; i <= 10; i++) {
    state.n = i;
    waiting.push(saver.save());
  }
  release();
  await first;
  await new Promise((resolve) => setImmediate(resolve));
  release();
  await Promise.all(waiting);
  assert.deepEqual(written, [1, 10], "ten changes, two writes, the last one carrying them all");
});

test("a failed write rejects its waiters; the next save writes again", async () => {
  let fail = true;
  let writes = 0;
  const saver = new RecordSaver(async () => {
    writes++;
    if (fail) throw new Error("storage down");
  });
  await assert.rejects(saver.save(), /storage down/);
  fail = false;
  await saver.save();
  assert.equal(writes, 2);
});
