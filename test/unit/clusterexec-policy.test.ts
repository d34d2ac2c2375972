/** The rolling policy: batch plans, percentages, failure limits, and bad values refused. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { RemoteProcedureCallError } from "../../src/bus/errors.js";
import { failureLimit, planBatches, readPolicy } from "../../src/services/clusterexec/policy.js";

const hosts = (n: number) => Array.from({ length: n }, (_, i) => `h${i}`);

test("batches follow the sizes, the last repeating; percentages are of all hosts", () => {
  const p = readPolicy({ batches: [1, 5, "20%"] }, {});
  assert.deepEqual(
    planBatches(hosts(20), p).map((b) => b.length),
    [1, 5, 4, 4, 4, 2],
  );
  assert.deepEqual(
    planBatches(hosts(5), readPolicy({}, { batches: [1, 2, 2] })).map((b) => b.length),
    [1, 2, 2],
  );
  assert.deepEqual(planBatches(hosts(3), readPolicy({}, { batches: "10%" })), [
    ["h0"],
    ["h1"],
    ["h2"],
  ]);
});

test("call overrides win over configuration; failure limits by count or percentage", () => {
  const p = readPolicy({ batches: [3], max_failures: 2, mode: "sliding" }, { max_failures: "10%" });
  assert.deepEqual(p, { batches: [3], max_failures: "10%", mode: "sliding" });
  assert.equal(failureLimit(p, 50), 5);
  assert.equal(failureLimit(readPolicy({}, {}), 50), 0);
});

test("bad values are invalid params naming the member", () => {
  for (const [overrides, member] of [
    [{ batches: [0] }, /batch size/],
    [{ batches: [] }, /batches/],
    [{ max_failures: -1 }, /max_failures/],
    [{ max_failures: "150%" }, /max_failures/],
    [{ mode: "random" }, /mode/],
  ] as const) {
    assert.throws(
      () => readPolicy({}, overrides),
      (err: unknown) =>
        err instanceof RemoteProcedureCallError && err.code === -32602 && member.test(err.message),
    );
  }
});
