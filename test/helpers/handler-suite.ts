/** One behaviour suite for every store handler: memory, file, secret_file, etcd, custodia. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Cluster, ClusterUpgrade, Host, type ModelType } from "../../src/models/index.js";
import type { StoreHandler } from "../../src/storage/handler.js";

/** A change of one member per model type, to tell an update from the original. */
const CHANGES: Record<string, Record<string, unknown>> = {
  Host: { cpus: 4 },
  HostCreds: { remote_user: "admin" },
  Cluster: { status: "ok" },
  ClusterUpgrade: { status: "in_process" },
};

export interface HandlerFixture {
  handler: StoreHandler;
  /** The model types this store may hold (a secret store holds HostCreds only). */
  types: ModelType[];
  /** A record of the type for this key. */
  record(type: ModelType, key: string, extra?: Record<string, unknown>): Record<string, unknown>;
}

export function plainFixture(handler: StoreHandler): HandlerFixture {
  return {
    handler,
    types: [Host, Cluster, ClusterUpgrade],
    record: (type, key, extra = {}) =>
      type.toJson(type.parse({ [type.primaryKey!]: key, ...extra })),
  };
}

export function handlerSuite(
  label: string,
  setup: () => Promise<HandlerFixture>,
  teardown: () => Promise<void>,
): void {
  describe(`store handler behaviour: ${label}`, () => {
    let fx: HandlerFixture;
    before(async () => {
      fx = await setup();
    });
    after(teardown);

    test("save reports created, then updated; get returns what was saved", async () => {
      for (const type of fx.types) {
        const key = `k-${type.name}-1`;
        assert.deepEqual(await fx.handler.save(type, key, fx.record(type, key)), { created: true });
        const changed = fx.record(type, key, CHANGES[type.name] ?? {});
        assert.deepEqual(await fx.handler.save(type, key, changed), { created: false });
        assert.deepEqual(await fx.handler.get(type, key), changed);
      }
    });

    test("get of a missing record is null", async () => {
      for (const type of fx.types) assert.equal(await fx.handler.get(type, "never-saved"), null);
    });

    test("delete returns the deleted record, then null", async () => {
      for (const type of fx.types) {
        const key = `k-${type.name}-del`;
        const record = fx.record(type, key);
        await fx.handler.save(type, key, record);
        assert.deepEqual(await fx.handler.delete(type, key), record);
        assert.equal(await fx.handler.get(type, key), null);
        assert.equal(await fx.handler.delete(type, key), null);
      }
    });

    test("list returns every record of the type and no other", async () => {
      for (const type of fx.types) {
        const keys = ["l-a", "l-b", "l-c"].map((k) => `${k}-${type.name}`);
        for (const k of keys) await fx.handler.save(type, k, fx.record(type, k));
        const listed = (await fx.handler.list(type)).map((r) => r[type.primaryKey!] as string);
        for (const k of keys) assert.ok(listed.includes(k), `${type.name} ${k} listed`);
        for (const other of fx.types.filter((t) => t !== type)) {
          for (const k of listed)
            assert.ok(!k.endsWith(`-${other.name}`), `${k} is not a ${type.name}`);
        }
      }
    });

    test("keys that look like paths stay keys", async () => {
      const type = fx.types[0]!;
      for (const key of ["..", "a b", "x%2Fy", "192.0.2.1"]) {
        await fx.handler.save(type, key, fx.record(type, key));
        assert.equal((await fx.handler.get(type, key))?.[type.primaryKey!], key);
        assert.ok(await fx.handler.delete(type, key));
      }
    });

    test("concurrent saves of a new record: exactly one reports created", async () => {
      const type = fx.types[0]!;
      const key = "race-1";
      const outcomes = await Promise.all(
        Array.from({ length: 8 }, () => fx.handler.save(type, key, fx.record(type, key))),
      );
      assert.equal(outcomes.filter((o) => o.created).length, 1);
      await fx.handler.delete(type, key);
    });
  });
}
