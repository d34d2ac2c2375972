/** The scaffold every binary shares: the bus waited for in words, the environment, exit codes. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { BIN, Running, run } from "../helpers/cli.js";
import { freePort, RedisServer } from "../helpers/servers.js";

describe("the binaries' scaffold", () => {
  let redis: RedisServer;
  let dir: string;

  before(async () => {
    redis = await RedisServer.start();
    dir = mkdtempSync(join(tmpdir(), "commissaire-scaffold-"));
  });
  after(async () => {
    await redis.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  test("an unreachable bus: 'cannot connect to <uri>' within the connect timeout, exit 1", async () => {
    const port = await freePort();
    const started = Date.now();
    const r = await run(BIN.example, [
      "--bus-uri",
      `redis://:hunter2@127.0.0.1:${port}/0`,
      "--connect-timeout",
      "1",
    ]);
    const tookMs = Date.now() - started;
    assert.equal(r.code, 1, r.stderr);
    assert.match(
      r.stderr,
      new RegExp(`cannot connect to redis://:\\*\\*\\*@127\\.0\\.0\\.1:${port}/0: .*ECONNREFUSED`),
    );
    assert.ok(!r.stderr.includes("hunter2"), "the password is never shown");
    const problems = r.stderr.split("\n").filter((l) => l.includes("bus connection problem"));
    assert.ok(problems.length <= 1, `one line for one problem, got ${problems.length}`);
    assert.ok(tookMs < 10_000, `gave up after ${tookMs} ms`);
  });

  test("COMMISSAIRE_BUS_URI is used when --bus-uri is not given", async () => {
    const empty = join(dir, "empty.conf");
    writeFileSync(empty, "{}");
    const service = Running.start(BIN.example, ["-c", empty], {
      COMMISSAIRE_BUS_URI: redis.url(4),
    });
    try {
      await service.waitForLog("the service to start", (l) => l.msg === "service started");
      const r = await run(BIN.commissaire, ["call", "example.ping"], {
        env: { COMMISSAIRE_BUS_URI: redis.url(4) },
      });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(JSON.parse(r.stdout), "pong");
    } finally {
      assert.equal(await service.stop(), 0);
    }
  });

  test("a configuration the service cannot use exits 2 naming the problem", async () => {
    const conf = join(dir, "storage.conf");
    writeFileSync(conf, JSON.stringify({ storage_handlers: [{ type: "no-such-store" }] }));
    const storage = await run(BIN.storage, ["-c", conf, "--bus-uri", redis.url(4)]);
    assert.equal(storage.code, 2, storage.stderr);
    assert.match(storage.stderr, /unknown type "no-such-store"/);

    const open = join(dir, "server.conf");
    writeFileSync(open, JSON.stringify({ listen_port: 0 }));
    const server = await run(BIN.server, ["-c", open, "--bus-uri", redis.url(4)]);
    assert.equal(server.code, 2, server.stderr);
    assert.match(server.stderr, /no authentication configured/);
    const workers = await run(BIN.server, ["-c", open, "--workers", "2"]);
    assert.equal(workers.code, 2, "the REST server listens on one port: no --workers");
    assert.match(workers.stderr, /unknown option '--workers'/);
  });
});
