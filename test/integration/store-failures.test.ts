/**
 * Store failures: a full disk under the file store (a 64 KiB tmpfs) leaves nothing behind and
 * names the handler; a storage service whose etcd does not answer yet says it is waiting, answers
 * -32603 "store <name> unavailable" (REST: 503 with a request id, no internal URL) and logs
 * "service started" only once etcd answers.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { after, before, describe, test } from "node:test";
import { pino } from "pino";
import { Bus, MemoryBroker, StorageLookupError } from "../../src/index.js";
import { Anonymous } from "../../src/services/server/auth.js";
import { CommissaireServer } from "../../src/services/server/server.js";
import { createStorageService } from "../../src/services/storage/definition.js";
import { memoryBus, waitFor } from "../../src/testing/index.js";
import { call } from "../helpers/http.js";
import { EtcdServer, RedisServer } from "../helpers/servers.js";

/** A logger that keeps every record, to see what a service said. */
function recordingLogger() {
  const records: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split("\n").filter(Boolean)) records.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: "debug" }, stream), records };
}

describe("a full disk under the file store", () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), "commissaire-full-"));
    execFileSync("mount", ["-t", "tmpfs", "-o", "size=64k", "tmpfs", dir]);
  });
  after(() => {
    execFileSync("umount", [dir]);
    rmSync(dir, { recursive: true, force: true });
  });

  test("writes are all or nothing, the error names the handler, no ghost is left", async () => {
    const broker = new MemoryBroker();
    const bus = memoryBus(broker);
    const { service } = await createStorageService({
      bus,
      config: {
        storage_handlers: [
          { type: "file", name: "disk", directory: dir },
          { type: "secret_memory", name: "secrets" },
        ],
      },
      env: {},
    });
    await service.start();
    const client = memoryBus(broker);
    const events: Array<{ event: string; address: string }> = [];
    await client.subscribe("notify.storage.Host.*", (body: any) =>
      events.push({ event: body.event, address: body.model.address }),
    );
    const save = (address: string) =>
      client.request("storage.save", {
        model_type_name: "Host",
        model_json_data: { address, os: "x".repeat(6000) },
      });
    try {
      let failed: string | null = null;
      let saved = 0;
      for (let i = 1; i <= 100 && failed === null; i++) {
        await save(`10.0.0.${i}`).then(
          () => (saved += 1),
          (err: any) => {
            assert.equal(err.code, -32603);
            assert.match(err.message, /store disk unavailable/);
            assert.match(err.message, /store handler "disk" could not save Host 10\.0\.0\.\d+/);
            assert.match(err.message, /ENOSPC/);
            assert.ok(!err.message.includes(dir), "no path in the error");
            failed = `10.0.0.${i}`;
          },
        );
      }
      assert.ok(failed, "the disk filled up");
      const files = readdirSync(join(dir, "Host"));
      assert.deepEqual(
        files.filter((f) => f.endsWith(".tmp")),
        [],
        "no temporary file is left",
      );
      for (const f of files) assert.ok(statSync(join(dir, "Host", f)).size > 0, `${f} is complete`);
      assert.equal(files.length, saved);
      await assert.rejects(
        client.request("storage.get", {
          model_type_name: "Host",
          model_json_data: { address: failed },
        }),
        StorageLookupError,
      );
      const listed = await client.request<unknown[]>("storage.list", { model_type_name: "Hosts" });
      assert.equal(listed.length, saved);
      // Room again: the record that failed is created, not "updated" over a ghost.
      await client.request("storage.delete", {
        model_type_name: "Host",
        model_json_data: [{ address: "10.0.0.1" }, { address: "10.0.0.2" }],
      });
      await save(failed!);
      await waitFor(() => events.find((e) => e.address === failed), { what: "its notification" });
      assert.deepEqual(
        events.filter((e) => e.address === failed).map((e) => e.event),
        ["created"],
      );
    } finally {
      await service.stop(1000);
      await Promise.all([bus.close(), client.close()]);
    }
  });
});

describe("a storage service whose etcd does not answer yet", () => {
  let redis: RedisServer;
  let etcd: EtcdServer;
  before(async () => {
    [redis, etcd] = await Promise.all([RedisServer.start(), EtcdServer.start()]);
    await etcd.stop();
  });
  after(async () => {
    await Promise.all([redis.destroy(), etcd.destroy()]);
  });

  test("waits, answers 'store unavailable' (REST 503 with a request id), starts when etcd answers", async () => {
    const storageLog = recordingLogger();
    const serverLog = recordingLogger();
    const bus = Bus.connect(redis.url(0));
    const { service } = await createStorageService({
      bus,
      config: {
        storage_handlers: [
          { type: "etcd", name: "models", server_url: etcd.url },
          { type: "secret_memory", name: "secrets" },
        ],
      },
      logger: storageLog.logger,
      env: {},
    });
    await service.start();
    const client = Bus.connect(redis.url(0));
    const server = new CommissaireServer({
      bus: client,
      authenticator: new Anonymous(),
      logger: serverLog.logger,
    });
    const { port } = await server.listen(0, "127.0.0.1");
    const said = (msg: string) => storageLog.records.some((r) => r.msg === msg);
    try {
      await waitFor(() => said("waiting for store models to answer"), { what: "the waiting line" });
      assert.ok(!said("service started"), "not started while its store does not answer");
      await assert.rejects(
        client.request("storage.get", {
          model_type_name: "Cluster",
          model_json_data: { name: "c" },
        }),
        (e: any) => {
          assert.equal(e.code, -32603);
          assert.equal(e.message, "store models unavailable");
          assert.equal(e.data.unavailable, true);
          return true;
        },
      );
      // A store that answers serves its models meanwhile.
      await client.request("storage.save", {
        model_type_name: "HostCreds",
        model_json_data: { address: "10.0.0.1" },
      });
      const reply = await call(`http://127.0.0.1:${port}`, "GET", "/api/v0/clusters");
      assert.equal(reply.status, 503);
      assert.equal(reply.headers["x-request-id"], reply.body.request_id);
      const text = JSON.stringify(reply.body);
      assert.ok(!text.includes("127.0.0.1") && !text.includes("http"), `no internal URL: ${text}`);
      assert.ok(
        serverLog.records.some(
          (r) =>
            r.request_id === reply.body.request_id &&
            /store models unavailable/.test(String(r.err)),
        ),
        "the log has the cause under the request id",
      );
      await etcd.restart();
      await waitFor(() => said("service started"), { timeoutMs: 30_000, what: "service started" });
      assert.equal((await call(`http://127.0.0.1:${port}`, "GET", "/api/v0/clusters")).status, 200);
    } finally {
      await server.close(1000);
      await service.stop(1000);
      await Promise.all([bus.close(), client.close()]);
    }
  });
});
