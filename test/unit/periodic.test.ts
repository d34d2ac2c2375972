/** PeriodicTask on node's mocked clock: pace, no overlap, jitter bounds, failures, stop. */
import assert from "node:assert/strict";
import { mock, test } from "node:test";
import { PeriodicTask } from "../../src/service/periodic.js";

/** Lets the promise callbacks that a run's end schedules go through. */
const settle = async () => {
  for (let i = 0; i < 10; i++) await Promise.resolve();
};

test("runs once per interval, never two at once, and not after stop", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "Date"] });
  let running = 0;
  let most = 0;
  let release: (() => void) | undefined;
  const task = new PeriodicTask(
    100,
    async () => {
      running += 1;
      most = Math.max(most, running);
      await new Promise<void>((resolve) => (release = resolve));
      running -= 1;
    },
    {},
    () => assert.fail("no failure expected"),
    () => undefined,
  );
  task.start();
  t.mock.timers.tick(99);
  assert.equal(task.runs, 0);
  t.mock.timers.tick(1);
  assert.equal(task.runs, 1);
  // The run takes 350 ms: no second run starts meanwhile.
  t.mock.timers.tick(350);
  assert.equal(task.runs, 1);
  release!();
  await settle();
  // It overran its interval: the next one starts at once, then the pace is the interval again.
  t.mock.timers.tick(0);
  assert.equal(task.runs, 2);
  release!();
  await settle();
  t.mock.timers.tick(99);
  assert.equal(task.runs, 2);
  t.mock.timers.tick(1);
  assert.equal(task.runs, 3);
  const stopped = task.stop();
  release!();
  await stopped;
  t.mock.timers.tick(1000);
  assert.equal(task.runs, 3);
  assert.equal(most, 1);
});

test("a failing run is reported and the task goes on; immediate runs at start", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "Date"] });
  const errors: string[] = [];
  const task = new PeriodicTask(
    50,
    () => {
      throw new Error(`boom ${task.runs}`);
    },
    { immediate: true, name: "failing" },
    (_t, err) => errors.push((err as Error).message),
    () => undefined,
  );
  task.start();
  t.mock.timers.tick(0);
  await settle();
  t.mock.timers.tick(50);
  await settle();
  assert.deepEqual(errors, ["boom 1", "boom 2"]);
  assert.equal(task.failures, 2);
  await task.stop();
});

test("jitter adds up to jitterMs to each wait", async (t) => {
  t.mock.timers.enable({ apis: ["setTimeout", "Date"] });
  const random = mock.method(Math, "random", () => 0.5);
  t.after(() => random.mock.restore());
  const task = new PeriodicTask(
    100,
    () => undefined,
    { jitterMs: 40 },
    () => {},
    () => {},
  );
  task.start();
  t.mock.timers.tick(119);
  assert.equal(task.runs, 0);
  t.mock.timers.tick(1);
  assert.equal(task.runs, 1);
  await task.stop();
});

test("bad intervals are refused", () => {
  const make = (ms: number, jitterMs = 0) =>
    new PeriodicTask(
      ms,
      () => undefined,
      { jitterMs },
      () => {},
      () => {},
    );
  assert.throws(() => make(0), /positive number of ms/);
  assert.throws(() => make(Number.NaN), /positive number of ms/);
  assert.throws(() => make(10, -1), /jitterMs/);
});
