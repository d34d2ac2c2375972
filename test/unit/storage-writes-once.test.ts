/**
 * A full save validates what was sent once: a record that keeps no stored extension member is
 * written as parsed; one that keeps some (left out by a writer that does not know them) is the
 * merge, validated as a whole.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Host, type ModelType } from "../../src/models/index.js";
import { type WriteContext, writeBatch, writeRecord } from "../../src/services/storage/writes.js";
import type { SaveOutcome, StoredRecord, StoreHandler } from "../../src/storage/handler.js";

/** Host, counting its parses. */
function counted(): { type: ModelType; parses: () => number } {
  let parses = 0;
  const type: ModelType = {
    ...Host,
    parse(data: unknown) {
      parses += 1;
      return Host.parse(data);
    },
  } as ModelType;
  return { type, parses: () => parses };
}

/** A store holding `stored` (in memory it can peek), recording what it is sent. */
function store(stored: StoredRecord | null) {
  const written: StoredRecord[] = [];
  const outcome = (): SaveOutcome => ({ created: stored === null, revision: "9" });
  const handler = {
    save: async (_t: ModelType, _k: string, record: StoredRecord) => {
      written.push(record);
      return outcome();
    },
    saveMany: async (_t: ModelType, items: { record: StoredRecord }[]) => {
      for (const i of items) written.push(i.record);
      return items.map(outcome);
    },
    reads: { peek: () => (stored ? { record: stored, revision: "8" } : null) },
  } as unknown as StoreHandler;
  const context: WriteContext = {
    handlerFor: () => handler,
    find: async () => null,
    missing: () => new Error("missing"),
    revive: (_t, record) => record,
  };
  return { context, written };
}

const sent = (address: string) => ({ address, os: "fedora" });

test("a save keeping only defaults from the store is written as parsed, not parsed again", async () => {
  const { type, parses } = counted();
  // As our own writes store it: every extension member there, at its default.
  const { context, written } = store(Host.toJson(Host.parse(sent("10.2.0.1"))));
  const parsed = type.parse(sent("10.2.0.1"));
  await writeRecord(context, { type, key: "10.2.0.1", sent: sent("10.2.0.1"), parsed });
  assert.equal(parses(), 1);
  assert.equal(written[0]!.os, "fedora");
  const batch = ["10.2.0.2", "10.2.0.3"].map((a) => ({
    type,
    key: a,
    sent: sent(a),
    parsed: type.parse(sent(a)),
  }));
  await writeBatch(context, batch);
  assert.equal(parses(), 3, "one parse per item, made before the batch");
});

test("a save keeping a stored extension member validates the merge, which holds it", async () => {
  const { type, parses } = counted();
  const kept = { ...Host.toJson(Host.parse(sent("10.2.0.4"))), status_reason: "no route to host" };
  const { context, written } = store(kept);
  const parsed = type.parse(sent("10.2.0.4"));
  await writeRecord(context, { type, key: "10.2.0.4", sent: sent("10.2.0.4"), parsed });
  assert.equal(parses(), 2);
  assert.equal(written[0]!.status_reason, "no route to host");
  await writeBatch(context, [
    { type, key: "10.2.0.4", sent: sent("10.2.0.4"), parsed },
    { type, key: "10.2.0.5", sent: sent("10.2.0.5"), parsed: type.parse(sent("10.2.0.5")) },
  ]);
  assert.equal(written[1]!.status_reason, "no route to host");
  assert.equal(
    written[2]!.status_reason,
    "no route to host",
    "the fake store holds the key for all",
  );
});
