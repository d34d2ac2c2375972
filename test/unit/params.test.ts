import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { InvalidParamsError } from "../../src/bus/errors.js";
import { bindParams } from "../../src/service/params.js";

const schema = z.object({ address: z.string(), port: z.number().default(22) }).strict();

test("positional params take the schema's key order; defaults apply", () => {
  assert.deepEqual(bindParams("m", ["h"], schema), { address: "h", port: 22 });
  assert.deepEqual(bindParams("m", { address: "h", port: 2 }, schema), { address: "h", port: 2 });
});

test("without a schema named params pass through; positional ones are refused", () => {
  assert.deepEqual(bindParams("m", { a: 1 }, undefined), { a: 1 });
  assert.deepEqual(bindParams("m", [], undefined), {});
  assert.throws(
    () => bindParams("m", [1, 2], undefined),
    (e: unknown) => e instanceof InvalidParamsError && /named parameters only/.test(e.message),
  );
});

test("every problem is reported with -32602", () => {
  assert.throws(
    () => bindParams("m", { port: "x", extra: 1 }, schema),
    (e: any) => {
      assert.ok(e instanceof InvalidParamsError);
      assert.match(e.message, /address/);
      assert.match(e.message, /port/);
      assert.match(e.message, /extra/);
      assert.equal((e.data.issues as unknown[]).length, 3);
      return true;
    },
  );
  assert.throws(
    () => bindParams("m", ["a", 1, 2], schema),
    /at most 2 positional parameter\(s\) \(address, port\), got 3/,
  );
  assert.throws(() => bindParams("m", [1], z.string()), /named parameters only/);
});
