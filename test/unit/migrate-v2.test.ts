/**
 * The v2 migration without servers: what each key of the original's tree becomes, and how records
 * already in our store are treated (unchanged, kept, overwritten, our extension members kept).
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { StoragePreconditionError } from "../../src/bus/errors.js";
import { sourceSettings } from "../../src/cli/commands/migrate-v2.js";
import { Cluster, Host, HostCreds, type ModelType } from "../../src/models/index.js";
import type { StoreHandler } from "../../src/storage/handler.js";
import { MemoryStoreHandler } from "../../src/storage/handlers/memory.js";
import { SecretMemoryStoreHandler } from "../../src/storage/handlers/secret-memory.js";
import { canonical, migrate, plan } from "../../src/storage/migrate-v2/migrate.js";
import { readV2Tree } from "../../src/storage/migrate-v2/v2-reader.js";
import { classify, normaliseDate } from "../../src/storage/migrate-v2/v2-records.js";

const host = (address: string, extra: Record<string, unknown> = {}) => ({
  key: `/commissaire/hosts/${address}`,
  value: JSON.stringify({
    address,
    status: "active",
    os: "fedora",
    cpus: 1,
    memory: 2,
    space: 3,
    last_check: "",
    source: "",
    ...extra,
  }),
});

describe("v2 records", () => {
  test("dates as Python wrote them are written in our format; others are left to validation", () => {
    assert.equal(normaliseDate("2016-06-01T10:00:00"), "2016-06-01T10:00:00.000000");
    assert.equal(normaliseDate("2016-06-01 10:00:00.5"), "2016-06-01T10:00:00.500000");
    assert.equal(normaliseDate("2016-06-01T10:00:00.123456+00:00"), "2016-06-01T10:00:00.123456");
    assert.equal(normaliseDate("2016-06-01T10:00:00Z"), "2016-06-01T10:00:00.000000");
    assert.equal(normaliseDate("yesterday"), null);
  });

  test("credentials kept in an early Host record become HostCreds, and leave the Host", () => {
    const c = classify(host("10.0.0.1", { ssh_priv_key: "a2V5", remote_user: "core" }));
    assert.equal(c.kind, "records");
    if (c.kind !== "records") return;
    assert.deepEqual(
      c.records.map((r) => [r.type.name, r.key]),
      [
        ["Host", "10.0.0.1"],
        ["HostCreds", "10.0.0.1"],
      ],
    );
    assert.equal(c.records[0]!.data.ssh_priv_key, undefined);
    assert.deepEqual(c.records[1]!.data, {
      address: "10.0.0.1",
      ssh_priv_key: "a2V5",
      remote_user: "core",
    });
  });

  test("a missing key member is taken from the key; a different one is refused", () => {
    const missing = classify({
      key: "/commissaire/networks/n1",
      value: '{"type": "flannel_etcd"}',
    });
    assert.equal(missing.kind === "records" && missing.records[0]!.data.name, "n1");
    const other = classify({ key: "/commissaire/networks/n1", value: '{"name": "n2"}' });
    assert.equal(other.kind, "rejected");
    assert.match(other.kind === "rejected" ? other.rejected.reason : "", /key names "n1".*"n2"/);
  });

  test("keys outside the layout are not records; the computed cluster hosts are dropped", () => {
    assert.equal(classify({ key: "/commissaire/status", value: "{}" }).kind, "other");
    assert.equal(classify({ key: "/commissaire/hosts/a/b", value: "{}" }).kind, "other");
    const c = classify({
      key: "/commissaire/clusters/c1",
      value: '{"name": "c1", "hosts": {"total": 1}, "hostset": ["10.0.0.1"]}',
    });
    assert.equal(c.kind === "records" && c.records[0]!.data.hosts, undefined);
  });

  test("canonical JSON ignores member order", () => {
    assert.equal(
      canonical({ b: [1, { d: 1, c: 2 }], a: "x" }),
      canonical({ a: "x", b: [1, { c: 2, d: 1 }] }),
    );
  });
});

describe("v2 migration into a store", () => {
  const stores = () => {
    const plain = new MemoryStoreHandler({ name: "memory", options: {}, env: {} });
    const secret = new SecretMemoryStoreHandler({ name: "secrets", options: {}, env: {} });
    return {
      plain,
      secret,
      target: { handlerFor: (t: ModelType): StoreHandler => (t.secret ? secret : plain) },
    };
  };

  test("dry run writes nothing; a run writes; a second run finds everything unchanged", async () => {
    const { plain, secret, target } = stores();
    const planned = plan([host("10.0.0.1", { ssh_priv_key: "a2V5" })]);
    const dry = await migrate(planned, target, { dryRun: true });
    assert.deepEqual(
      dry.map((r) => r.outcome),
      ["migrated", "migrated"],
    );
    assert.deepEqual(await plain.list(Host), []);
    await migrate(planned, target);
    assert.equal((await secret.get(HostCreds, "10.0.0.1"))!.record.remote_user, "root");
    const again = await migrate(planned, target);
    assert.deepEqual(
      again.map((r) => r.outcome),
      ["unchanged", "unchanged"],
    );
  });

  test("our extension members a v2 record cannot carry keep their stored values", async () => {
    const { plain, target } = stores();
    const planned = plan([host("10.0.0.1")]);
    await migrate(planned, target);
    const stored = (await plain.get(Host, "10.0.0.1"))!;
    await plain.save(Host, "10.0.0.1", { ...stored.record, reboots: 3 });
    assert.deepEqual(
      (await migrate(planned, target)).map((r) => r.outcome),
      ["unchanged"],
    );
    assert.equal((await plain.get(Host, "10.0.0.1"))!.record.reboots, 3);
  });

  test("a stored record that differs is kept unless overwriting", async () => {
    const { plain, target } = stores();
    const planned = plan([
      { key: "/commissaire/clusters/c1", value: '{"name": "c1", "hostset": []}' },
    ]);
    await plain.save(
      Cluster,
      "c1",
      Cluster.toJson(Cluster.create({ name: "c1", hostset: ["10.0.0.9"] })),
    );
    const [kept] = await migrate(planned, target);
    assert.equal(kept!.outcome, "kept");
    assert.deepEqual((await plain.get(Cluster, "c1"))!.record.hostset, ["10.0.0.9"]);
    const [replaced] = await migrate(planned, target, { overwrite: true });
    assert.equal(replaced!.outcome, "migrated");
    assert.deepEqual((await plain.get(Cluster, "c1"))!.record.hostset, []);
  });

  test("a record written meanwhile is kept; a store that refuses the write is reported", async () => {
    const { plain } = stores();
    const failing = (error: Error) => ({
      handlerFor: () =>
        Object.assign(Object.create(plain) as StoreHandler, {
          get: () => plain.get(Host, "x"),
          save: () => Promise.reject(error),
        }),
    });
    const planned = plan([host("10.0.0.3")]);
    const [raced] = await migrate(planned, failing(new StoragePreconditionError("stale")));
    assert.equal(raced!.outcome, "kept");
    assert.match(raced!.reason!, /written by someone else/);
    const [refused] = await migrate(planned, failing(new Error("disk full")));
    assert.equal(refused!.outcome, "failed");
    assert.equal(refused!.reason, "disk full");
  });

  test("work under way is said: an operation in process, a host being investigated", () => {
    const op = plan([
      {
        key: "/commissaire/cluster/c1/restart",
        value:
          '{"name": "c1", "status": "in_process", "restarted": [], "in_process": ["10.0.0.1"]}',
      },
      host("10.0.0.4", { status: "bootstrapping" }),
    ]);
    assert.match(
      op.candidates[0]!.notes.join(),
      /bootstrapping: our investigator will take this host up again/,
    );
    assert.match(
      op.candidates[1]!.notes.join(),
      /in_process: our clusterexec service will take this operation over/,
    );
  });

  test("a record no store can hold is invalid, with the store's reason", async () => {
    const { target } = stores();
    const refusing = {
      handlerFor: (t: ModelType, r: Record<string, unknown>) => {
        if (r.source === "kube") throw new Error('Host source "kube" names no store handler');
        return target.handlerFor(t);
      },
    };
    const [result] = await migrate(plan([host("10.0.0.2", { source: "kube" })]), refusing);
    assert.equal(result!.outcome, "invalid");
    assert.match(result!.reason!, /names no store handler/);
  });
});

describe("the source's settings", () => {
  test("a password in the --from URL is refused before anything is sent", async () => {
    await assert.rejects(readV2Tree({ url: "http://root:pw@127.0.0.1:1" }), (err: Error) => {
      assert.match(err.message, /--from-user .*COMMISSAIRE_FROM_PASSWORD, not in the URL/);
      assert.doesNotMatch(err.message, /pw@/);
      return true;
    });
  });

  test("the original's ETCD_* variables apply; --from-user takes its password from the environment", () => {
    const env = { ETCD_CACERT: "/ca.pem", ETCD_USERNAME: "root", ETCD_PASSWORD: "pw" };
    assert.deepEqual(sourceSettings({ from: "https://e:2379" }, env), {
      url: "https://e:2379",
      caPath: "/ca.pem",
      username: "root",
      password: "pw",
    });
    assert.throws(
      () => sourceSettings({ from: "http://e", fromUser: "ops" }, {}),
      /COMMISSAIRE_FROM_PASSWORD/,
    );
    const user = sourceSettings(
      { from: "http://e", fromUser: "ops" },
      { COMMISSAIRE_FROM_PASSWORD: "x" },
    );
    assert.equal(user.username, "ops");
  });
});
