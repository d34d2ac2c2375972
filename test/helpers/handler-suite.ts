/** One behaviour suite for every store handler: memory, file, secret_file, etcd, custodia. */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { StoragePreconditionError } from "../../src/bus/errors.js";
import {
  Cluster,
  ClusterUpgrade,
  Host,
  type ModelType,
  NO_RECORD,
} from "../../src/models/index.js";
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
        const first = await fx.handler.save(type, key, fx.record(type, key));
        assert.equal(first.created, true);
        const changed = fx.record(type, key, CHANGES[type.name] ?? {});
        const second = await fx.handler.save(type, key, changed);
        assert.equal(second.created, false);
        assert.notEqual(second.revision, first.revision, "every write changes the revision");
        assert.deepEqual(await fx.handler.get(type, key), {
          record: changed,
          revision: second.revision,
        });
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
        const listed = (await fx.handler.list(type)).map(
          (r) => r.record[type.primaryKey!] as string,
        );
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
        // The service refuses such keys (the name rule); a handler keeps them apart regardless.
        await fx.handler.save(type, key, {
          ...fx.record(type, "192.0.2.1"),
          [type.primaryKey!]: key,
        });
        assert.equal((await fx.handler.get(type, key))?.record[type.primaryKey!], key);
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

    test("create-only: of concurrent creations one wins, the others get 409", async () => {
      const type = fx.types[0]!;
      const key = "create-only-1";
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, (_, i) =>
          fx.handler
            .save(type, key, fx.record(type, key, CHANGES[type.name]), {
              ifRevision: NO_RECORD,
            })
            .then(() => i),
        ),
      );
      const won = results.filter((r) => r.status === "fulfilled");
      assert.equal(won.length, 1);
      for (const r of results.filter((r) => r.status === "rejected"))
        assert.ok((r as PromiseRejectedResult).reason instanceof StoragePreconditionError);
      await fx.handler.delete(type, key);
    });

    test("a save conditioned on a stale revision is refused and changes nothing", async () => {
      const type = fx.types[0]!;
      const key = "stale-1";
      const { revision: old } = await fx.handler.save(type, key, fx.record(type, key));
      const current = fx.record(type, key, CHANGES[type.name]);
      const { revision } = await fx.handler.save(type, key, current, { ifRevision: old });
      await assert.rejects(
        fx.handler.save(type, key, fx.record(type, key), { ifRevision: old }),
        (e: unknown) => {
          assert.ok(e instanceof StoragePreconditionError);
          assert.equal(e.code, 409);
          assert.equal(e.data.revision, revision);
          return true;
        },
      );
      assert.deepEqual((await fx.handler.get(type, key))?.record, current);
      await assert.rejects(
        fx.handler.save(type, "never-there", fx.record(type, "never-there"), { ifRevision: old }),
        StoragePreconditionError,
      );
      await fx.handler.delete(type, key);
    });

    test("of writers racing on one revision exactly one wins", async () => {
      const type = fx.types[0]!;
      const key = "race-rev";
      const { revision } = await fx.handler.save(type, key, fx.record(type, key));
      const results = await Promise.allSettled(
        Array.from({ length: 6 }, () =>
          fx.handler.save(type, key, fx.record(type, key, CHANGES[type.name]), {
            ifRevision: revision,
          }),
        ),
      );
      assert.equal(results.filter((r) => r.status === "fulfilled").length, 1);
      await fx.handler.delete(type, key);
    });

    test("a lease has one holder until it is released", async () => {
      const { leases } = fx.handler;
      const name = `lease-${Math.random().toString(36).slice(2)}`;
      await leases.acquire(name, "a", 10_000);
      await assert.rejects(leases.acquire(name, "b", 10_000), StoragePreconditionError);
      await assert.rejects(leases.renew(name, "b", 10_000), StoragePreconditionError);
      assert.deepEqual(await leases.renew(name, "a", 10_000), { name, holder: "a", ttlMs: 10_000 });
      await leases.acquire(name, "a", 10_000); // the holder taking it again renews it
      assert.equal(await leases.release(name, "b"), false);
      assert.equal(await leases.release(name, "a"), true);
      await leases.acquire(name, "b", 10_000);
      await assert.rejects(leases.renew(name, "a", 10_000), StoragePreconditionError);
      assert.equal(await leases.release(name, "b"), true);
    });
  });
}
