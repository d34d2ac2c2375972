/** A written record's served text, made from the text stored without decoding it again. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Host } from "../../src/models/index.js";
import { serve, servedOfWritten } from "../../src/storage/served-record.js";

test("the schema stamp closing a stored text gives way to _revision, as serve would make it", () => {
  const record = Host.toJson(Host.parse({ address: "10.1.0.1", cpus: 2, os: 'a "quoted" os' }));
  const stored = JSON.stringify({ ...record, _schema: 1 });
  const served = servedOfWritten(stored, "42");
  assert.equal(served, serve(Host, "10.1.0.1", stored, "42").json);
  assert.deepEqual(JSON.parse(served), { ...record, _revision: "42" });
});

test("a text without a stamp, or of no member but the stamp, gets _revision all the same", () => {
  assert.equal(servedOfWritten('{"a":1}', "7"), '{"a":1,"_revision":"7"}');
  assert.equal(servedOfWritten('{"_schema":12}', "7"), '{"_revision":"7"}');
  assert.equal(servedOfWritten("{}", "7"), '{"_revision":"7"}');
  // A stamp-like text inside a value is a value: kept.
  const tricky = JSON.stringify({ a: ',"_schema":1}' });
  assert.deepEqual(JSON.parse(servedOfWritten(tricky, "7")), {
    a: ',"_schema":1}',
    _revision: "7",
  });
});
