/**
 * Storage integrity on a real store (etcd, file), through a real Redis bus: conditional and
 * partial writes, extension members kept for a Python writer, leases that outlive a killed
 * holder only by their TTL, and the REST writes built on them under concurrency.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Bus, StoragePreconditionError } from "../../src/index.js";
import { Host, HostCreds } from "../../src/models/index.js";
import { Anonymous } from "../../src/services/server/auth.js";
import { CommissaireServer } from "../../src/services/server/server.js";
import { StorageClient } from "../../src/storage/client.js";
import { waitFor } from "../../src/testing/index.js";
import { call } from "./http.js";
import { KombuPeer } from "./kombu-peer.js";
import { startProcess, stopProcess } from "./servers.js";

const LEASE_HOLDER = fileURLToPath(new URL("../fixtures/lease-holder.js", import.meta.url));
const KEY = Buffer.from("-----BEGIN KEY-----\nk\n-----END KEY-----\n").toString("base64");

export interface IntegrityFixture {
  /** The Redis bus URI the storage service serves. */
  busUri: string;
  stop(): Promise<void>;
}

export function integritySuite(label: string, setup: () => Promise<IntegrityFixture>): void {
  describe(`storage integrity on ${label}`, () => {
    let fx: IntegrityFixture;
    let bus: Bus;
    let storage: StorageClient;
    let server: CommissaireServer;
    let base: string;
    before(async () => {
      fx = await setup();
      bus = Bus.connect(fx.busUri);
      storage = new StorageClient(bus);
      server = new CommissaireServer({ bus, authenticator: new Anonymous(), logger: bus.logger });
      const { port } = await server.listen(0, "127.0.0.1");
      base = `http://127.0.0.1:${port}`;
    });
    after(async () => {
      await server.close(1000);
      await bus.close();
      await fx.stop();
    });
    const rest = (method: string, path: string, body?: unknown) =>
      call(base, method, path, body === undefined ? {} : { body });
    /** Stored as bootstrapped hosts: only those may join a cluster. */
    const joinable = (addresses: string[]) =>
      storage.saveMany(
        Host,
        addresses.map((address) => ({ address, status: "disassociated" as const })),
      );

    test("a save conditioned on an old revision is refused with 409 and changes nothing", async () => {
      const first = await storage.write(Host, { address: "10.0.0.1", os: "a" });
      const second = await storage.write(
        Host,
        { address: "10.0.0.1", os: "b" },
        {
          ifRevision: first.revision,
        },
      );
      assert.notEqual(second.revision, first.revision);
      await assert.rejects(
        storage.save(Host, { address: "10.0.0.1", os: "stale" }, { ifRevision: first.revision }),
        (e: unknown) => {
          assert.ok(e instanceof StoragePreconditionError);
          assert.equal(e.code, 409);
          assert.equal(e.data.revision, second.revision);
          return true;
        },
      );
      assert.deepEqual(await storage.read(Host, { address: "10.0.0.1" }), second);
      await assert.rejects(
        storage.save(Host, { address: "10.0.0.1" }, { createOnly: true }),
        StoragePreconditionError,
      );
      const listed = (await storage.listRevisioned(Host)).find(
        (h) => h.model.address === "10.0.0.1",
      );
      assert.equal(listed?.revision, second.revision);
    });

    test("partial saves racing read-modify-write saves lose neither change", async () => {
      await storage.save(Host, { address: "10.0.0.2", cpus: 0 });
      const rounds = 15;
      await Promise.all([
        // The watcher's kind of write: only last_check, batched with another host.
        ...Array.from({ length: rounds }, (_, i) =>
          storage.saveMany(
            Host,
            [
              { address: "10.0.0.2", last_check: `check-${i}` },
              { address: "10.0.0.1", last_check: `check-${i}` },
            ],
            { members: ["last_check"] },
          ),
        ),
        // A full writer that counts: every increment must survive.
        ...Array.from({ length: rounds }, () =>
          storage.update(Host, { address: "10.0.0.2" }, (h) => ({ ...h, cpus: h.cpus + 1 })),
        ),
      ]);
      const host = await storage.getHost("10.0.0.2");
      assert.equal(host.cpus, rounds, "no read-modify-write was lost");
      assert.match(host.last_check, /^check-\d+$/, "the partial writes were not lost either");
      assert.equal((await storage.getHost("10.0.0.1")).os, "b", "a partial save keeps the rest");
      await assert.rejects(
        storage.save(Host, { address: "10.9.9.9", os: "x" }, { members: ["os"] }),
        /does not exist/,
      );
    });

    test("a Python writer that does not know our members leaves them as they were", async () => {
      await storage.save(Host, {
        address: "10.0.0.3",
        status: "failed",
        status_reason: "ssh: connection refused",
      });
      // What the original services send: the original's members only.
      const peer = await KombuPeer.start(
        "request",
        fx.busUri,
        "commissaire",
        "storage.save",
        JSON.stringify({
          model_type_name: "Host",
          model_json_data: JSON.stringify({
            address: "10.0.0.3",
            status: "active",
            os: "fedora",
            cpus: 2,
            memory: 1,
            space: 1,
            last_check: "",
            source: "",
          }),
        }),
      );
      const [, reply] = await peer.lines(2);
      await peer.exited();
      assert.equal(reply.response.result.status, "active");
      const host = await storage.getHost("10.0.0.3");
      assert.equal(host.status, "active");
      assert.equal(host.os, "fedora");
      assert.equal(host.status_reason, "ssh: connection refused");
      // A writer that knows the member clears it by sending it.
      await storage.save(Host, { ...host, status_reason: "" });
      assert.equal((await storage.getHost("10.0.0.3")).status_reason, "");
    });

    test("a lease held by a killed process expires after its TTL and is taken over", async () => {
      const lease = `lease-${Date.now()}`;
      const holder = startProcess(process.execPath, [LEASE_HOLDER], {
        env: { BUS_URI: fx.busUri, LEASE: lease, HOLDER: "first", TTL: "2" },
      });
      let out = "";
      holder.stdout!.on("data", (d) => (out += d));
      await waitFor(() => out.includes("HELD"), { timeoutMs: 10_000, what: "the lease holder" });
      await assert.rejects(storage.acquireLease(lease, "second", 2), StoragePreconditionError);
      assert.deepEqual(await storage.listLeases(lease), [{ name: lease, holder: "first" }]);
      await stopProcess(holder, "SIGKILL");
      const killed = Date.now();
      await waitFor(() => storage.acquireLease(lease, "second", 2).catch(() => null), {
        timeoutMs: 10_000,
        intervalMs: 100,
        what: "the lease to expire",
      });
      assert.ok(Date.now() - killed >= 500, "the lease outlived its holder until it expired");
      assert.equal((await storage.renewLease(lease, "second", 2)).holder, "second");
      assert.equal(await storage.releaseLease(lease, "first"), false);
      assert.equal(await storage.releaseLease(lease, "second"), true);
      assert.deepEqual(await storage.listLeases(lease), []);
    });

    test("REST: 50 concurrent membership PUTs keep 50 members", async () => {
      assert.equal((await rest("PUT", "/api/v0/cluster/members")).status, 201);
      const addresses = Array.from({ length: 50 }, (_, i) => `10.1.0.${i + 1}`);
      const extra = Array.from({ length: 10 }, (_, i) => `10.2.0.${i + 1}`);
      await joinable([...addresses, ...extra]);
      const replies = await Promise.all(
        addresses.map((a) => rest("PUT", `/api/v0/cluster/members/hosts/${a}`)),
      );
      assert.deepEqual(new Set(replies.map((r) => r.status)), new Set([200]));
      const members = (await rest("GET", "/api/v0/cluster/members/hosts")).body;
      assert.deepEqual([...members].sort(), [...addresses].sort());
      // Removing half while adding others: every change stays.
      await Promise.all([
        ...addresses.slice(0, 25).map((a) => rest("DELETE", `/api/v0/cluster/members/hosts/${a}`)),
        ...extra.map((a) => rest("PUT", `/api/v0/cluster/members/hosts/${a}`)),
      ]);
      const after = (await rest("GET", "/api/v0/cluster/members/hosts")).body;
      assert.deepEqual([...after].sort(), [...addresses.slice(25), ...extra].sort());
    });

    test("REST: 20 concurrent old/new PUTs with one old list: one winner, 409 for the rest", async () => {
      await rest("PUT", "/api/v0/cluster/cas");
      await joinable(["10.3.0.1", ...Array.from({ length: 20 }, (_, i) => `10.3.1.${i}`)]);
      await rest("PUT", "/api/v0/cluster/cas/hosts", { old: [], new: ["10.3.0.1"] });
      const replies = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          rest("PUT", "/api/v0/cluster/cas/hosts", { old: ["10.3.0.1"], new: [`10.3.1.${i}`] }),
        ),
      );
      const winners = replies.filter((r) => r.status === 200);
      assert.equal(winners.length, 1);
      assert.equal(replies.filter((r) => r.status === 409).length, 19);
      // The answer is the cluster, with its members (as the original's).
      assert.deepEqual(
        (await rest("GET", "/api/v0/cluster/cas/hosts")).body,
        winners[0]!.body.hostset,
      );
    });

    test("REST: 10 concurrent host PUTs with different keys: one winner, its key stored", async () => {
      const keys = Array.from({ length: 10 }, (_, i) => Buffer.from(`key-${i}`).toString("base64"));
      const replies = await Promise.all(
        keys.map((k) => rest("PUT", "/api/v0/host/10.4.0.1", { ssh_priv_key: k })),
      );
      const winners = replies.flatMap((r, i) => (r.status === 201 ? [i] : []));
      assert.equal(winners.length, 1, `statuses: ${replies.map((r) => r.status)}`);
      assert.equal(replies.filter((r) => r.status === 409).length, 9);
      // Read from the secret store: the REST API never answers the key.
      const creds = await storage.get(HostCreds, { address: "10.4.0.1" });
      assert.equal(creds.ssh_priv_key, keys[winners[0]!]);
      // The same creation again is a retry: 201 with the stored host; another key is 409.
      const again = await rest("PUT", "/api/v0/host/10.4.0.1", { ssh_priv_key: keys[winners[0]!] });
      assert.equal(again.status, 201);
      assert.equal(again.body.address, "10.4.0.1");
      assert.equal(
        (await rest("PUT", "/api/v0/host/10.4.0.1", { ssh_priv_key: KEY, remote_user: "root" }))
          .status,
        409,
      );
    });

    test("REST: PUT of an existing cluster updates network and manager and keeps members", async () => {
      await rest("PUT", "/api/v0/cluster/keep");
      await joinable(["10.5.0.1"]);
      await rest("PUT", "/api/v0/cluster/keep/hosts/10.5.0.1");
      await rest("PUT", "/api/v0/network/other", { type: "flannel_server" });
      const reply = await rest("PUT", "/api/v0/cluster/keep", {
        network: "other",
        container_manager: "cm",
      });
      assert.equal(reply.status, 201);
      const cluster = await storage.getCluster("keep");
      assert.deepEqual(cluster.hostset, ["10.5.0.1"]);
      assert.equal(cluster.network, "other");
      assert.equal(cluster.container_manager, "cm");
      const networks = await Promise.all(
        Array.from({ length: 5 }, () => rest("PUT", "/api/v0/network/once", {})),
      );
      assert.equal(networks.filter((r) => r.status === 201).length, 1);
      assert.equal(networks.filter((r) => r.status === 409).length, 4);
    });

    test("one name rule on every path: bus -32602 and REST 400 naming the rule", async () => {
      for (const bad of ["a/b", "nul\u0000x", "new\nline", "rtl\u202eoverride", "x".repeat(300)]) {
        await assert.rejects(
          bus.request("storage.save", {
            model_type_name: "Host",
            model_json_data: { address: bad },
          }),
          (e: any) => e.code === -32602 && /address matching/.test(e.message),
        );
        await assert.rejects(
          bus.request("storage.get", {
            model_type_name: "Cluster",
            model_json_data: { name: bad },
          }),
          (e: any) => e.code === -32602 && /name matching/.test(e.message),
        );
        const reply = await rest("PUT", `/api/v0/host/${encodeURIComponent(bad)}`, {
          ssh_priv_key: KEY,
        });
        assert.equal(reply.status, 400);
        assert.match(reply.body.error, /address matching|may not be empty or contain/);
        assert.ok(!JSON.stringify(reply.body).includes("/tmp"), "no path in the body");
      }
      const long = await rest("PUT", `/api/v0/cluster/${"c".repeat(64)}`);
      assert.equal(long.status, 400);
      assert.match(long.body.error, /\^\[A-Za-z0-9_-\]\{1,63\}\$/);
      assert.equal(
        (await rest("PUT", "/api/v0/cluster/fine/hosts/fe80::1")).status,
        404,
        "an IPv6 address passes the rule (the cluster does not exist)",
      );
    });
  });
}
