import assert from "node:assert/strict";
import { test } from "node:test";
import {
  errorFromWire,
  errorToWire,
  RemoteProcedureCallError,
  StorageLookupError,
} from "../../src/bus/errors.js";
import { JsonPieces } from "../../src/bus/json-pieces.js";
import {
  EncodedJson,
  encodeError,
  encodeResult,
  jsonDepth,
  parseRequest,
  parseResponse,
} from "../../src/bus/jsonrpc.js";

test("parseRequest accepts object and array params and defaults absent params to {}", () => {
  const a = parseRequest(
    '{"jsonrpc":"2.0","id":"1","method":"get","params":{"a":1}}',
    "storage.get",
  );
  assert.deepEqual(a, {
    ok: true,
    request: { jsonrpc: "2.0", id: "1", method: "get", params: { a: 1 } },
  });
  const b = parseRequest('{"jsonrpc":"2.0","id":2,"method":"get","params":[1]}', "x.storage.get");
  assert.equal(b.ok && b.request.id, 2);
  const c = parseRequest('{"jsonrpc":"2.0","method":"get"}', "storage.get");
  assert.deepEqual(c.ok && c.request, { jsonrpc: "2.0", method: "get", params: {} });
});

test("parseRequest refuses with the precise code and keeps the id when there is one", () => {
  const cases: Array<[string, string, number, unknown]> = [
    ["{", "s.get", -32700, -1],
    ["[1]", "s.get", -32600, -1],
    ["null", "s.get", -32600, -1],
    ['{"jsonrpc":"1.0","id":"a","method":"get"}', "s.get", -32600, "a"],
    ['{"jsonrpc":"2.0","id":"a","method":5}', "s.get", -32600, "a"],
    ['{"jsonrpc":"2.0","id":"a","method":"put"}', "s.get", -32600, "a"],
    ['{"jsonrpc":"2.0","id":{"x":1},"method":"get"}', "s.get", -32600, -1],
    ['{"jsonrpc":"2.0","id":"a","method":"get","params":"x"}', "s.get", -32602, "a"],
  ];
  for (const [text, key, code, id] of cases) {
    const r = parseRequest(text, key);
    assert.equal(r.ok, false, text);
    if (!r.ok) {
      assert.equal(r.error.code, code, text);
      assert.equal(r.id, id, text);
    }
  }
});

test("responses: results, errors, and the early Python form", () => {
  assert.equal(encodeResult("1", undefined), '{"jsonrpc":"2.0","id":"1","result":null}');
  const err = JSON.parse(
    encodeError("1", new StorageLookupError("gone", { model_type_name: "Host" })),
  );
  assert.deepEqual(err.error, { code: -20000, message: "gone", data: { model_type_name: "Host" } });
  assert.deepEqual(parseResponse('{"jsonrpc":"2.0","id":"1","result":3}'), {
    jsonrpc: "2.0",
    id: "1",
    result: 3,
  });
  const legacy = parseResponse(
    JSON.stringify({ result: JSON.stringify({ jsonrpc: "2.0", id: "9", result: "ok" }) }),
  );
  assert.deepEqual(legacy, { jsonrpc: "2.0", id: "9", result: "ok" });
  assert.equal(parseResponse("nope"), null);
  assert.equal(parseResponse('{"jsonrpc":"2.0","id":"1"}'), null);
});

test("errors map to classes both ways", () => {
  assert.ok(errorFromWire({ code: -20000, message: "m" }) instanceof StorageLookupError);
  const generic = errorFromWire({ code: 409, message: "conflict", data: "x" });
  assert.ok(generic instanceof RemoteProcedureCallError);
  assert.deepEqual(generic.data, { value: "x" });
  const internal = errorToWire(new RangeError("boom"));
  assert.deepEqual(internal.toJSON(), {
    code: -32603,
    message: "boom",
    data: { exception: "RangeError" },
  });
  assert.equal(errorToWire("text").message, "text");
});

test("a request whose params cannot be encoded fails at once and leaves nothing pending", async () => {
  const { memoryBus } = await import("../../src/testing/index.js");
  const bus = memoryBus();
  const circular: Record<string, unknown> = {};
  circular.self = circular;
  await assert.rejects(bus.request("x.y", circular, { timeoutMs: 50 }), /circular/i);
  assert.equal((bus as any).replies.pending.size, 0);
  await bus.close();
});

test("a body nested deeper than the limit is refused with -32600 before it is parsed", () => {
  const deep = `{"jsonrpc":"2.0","id":1,"method":"get","params":{"a":${"[".repeat(10_000)}${"]".repeat(10_000)}}}`;
  const parsed = parseRequest(deep, "storage.get");
  assert.equal(parsed.ok, false);
  assert.equal(!parsed.ok && parsed.error.code, -32600);
  assert.match(!parsed.ok ? parsed.error.message : "", /nested deeper than 128 levels/);
  // Brackets inside strings do not count; the limit itself is accepted.
  assert.equal(jsonDepth(`{"a":"[[[[[[{{{{\\"[["}`), 1);
  const atLimit = `{"jsonrpc":"2.0","id":1,"method":"get","params":${"[".repeat(127)}${"]".repeat(127)}}`;
  assert.equal(parseRequest(atLimit, "storage.get").ok, true);
});

test("an id JSON cannot send back (1e400) is refused by name, not answered with null", () => {
  const parsed = parseRequest('{"jsonrpc":"2.0","id":1e400,"method":"get"}', "storage.get");
  assert.equal(parsed.ok, false);
  assert.equal(!parsed.ok && parsed.error.code, -32600);
  assert.equal(!parsed.ok && parsed.id, -1);
  assert.match(!parsed.ok ? parsed.error.message : "", /finite number/);
});

test("a result that is JSON text already is spliced into the response as pieces, not joined", () => {
  const response = encodeResult("1", EncodedJson.array(['{"a":1}', "2", '"x"']));
  assert.ok(response instanceof JsonPieces);
  assert.equal(String(response), '{"jsonrpc":"2.0","id":"1","result":[{"a":1},2,"x"]}');
  assert.equal(
    String(encodeResult(7, EncodedJson.array([]))),
    '{"jsonrpc":"2.0","id":7,"result":[]}',
  );
  assert.equal(
    String(encodeResult("2", new EncodedJson('{"b":2}'))),
    '{"jsonrpc":"2.0","id":"2","result":{"b":2}}',
  );
  assert.deepEqual(JSON.parse(JSON.stringify({ r: EncodedJson.array(["1", "2"]) })), { r: [1, 2] });
});
