/** The binaries end to end, as separate processes, on a real Redis. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { waitFor } from "../../src/testing/index.js";
import { BIN, Running, run } from "../helpers/cli.js";
import { freePort, RedisServer, startProcess } from "../helpers/servers.js";

describe("service binaries and the commissaire command", () => {
  let redis: RedisServer;
  let dir: string;
  let goodConf: string;
  let deadConf: string;
  let service: Running;
  const bus = () => ["--bus-uri", redis.url(0)];

  before(async () => {
    redis = await RedisServer.start();
    dir = mkdtempSync(join(tmpdir(), "commissaire-cli-"));
    goodConf = join(dir, "good.conf");
    writeFileSync(
      goodConf,
      JSON.stringify({ "bus-uri": redis.url(0), logging: { level: "info" } }),
    );
    deadConf = join(dir, "dead.conf");
    writeFileSync(deadConf, JSON.stringify({ bus_uri: `redis://127.0.0.1:${await freePort()}/0` }));
    service = Running.start(BIN.example, ["-c", goodConf]);
    await service.waitForLog("the service to start", (r) => r.msg === "service started");
  });
  after(async () => {
    await service.stop();
    await redis.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  test("a service started with a config file says where its configuration came from", () => {
    assert.match(service.stderr, new RegExp(`example: configuration from file ${goodConf}`));
    assert.ok(
      service.logs().some((r) => r.msg === "example: connecting" && r.bus === redis.url(0)),
    );
  });

  test("call prints the result as JSON and exits 0", async () => {
    const r = await run(BIN.commissaire, ["call", "example.add", '{"x": 1, "y": 2}', ...bus()]);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(JSON.parse(r.stdout), 3);
    const p = await run(BIN.commissaire, [
      "call",
      "example.echo",
      "--param",
      "words=hello there",
      ...bus(),
    ]);
    assert.equal(JSON.parse(p.stdout), "hello there");
    const a = await run(BIN.commissaire, ["call", "example.add", "[20, 22]", ...bus()]);
    assert.equal(JSON.parse(a.stdout), 42);
    const c = await run(BIN.commissaire, ["call", "example.ping", "-c", goodConf]);
    assert.equal(JSON.parse(c.stdout), "pong", "bus_uri from the --config-file");
  });

  test("call: errors go to stderr with their code and a non-zero exit", async () => {
    const fail = await run(BIN.commissaire, ["call", "example.fail", ...bus()]);
    assert.equal(fail.code, 1);
    assert.match(fail.stderr, /^error -32603: this method always fails/);
    assert.equal(fail.stdout, "");
    const params = await run(BIN.commissaire, [
      "call",
      "example.add",
      "-p",
      "x=1",
      "-p",
      "y=oops",
      ...bus(),
    ]);
    assert.equal(params.code, 1);
    assert.match(params.stderr, /error -32602: invalid params for "add": y: /);
    const nobody = await run(BIN.commissaire, ["call", "nobody.home", ...bus()]);
    assert.equal(nobody.code, 3);
    assert.match(nobody.stderr, /no queue is bound for "nobody\.home"/);
    const badJson = await run(BIN.commissaire, ["call", "example.add", "{x", ...bus()]);
    assert.equal(badJson.code, 2);
    assert.match(badJson.stderr, /params: not valid JSON/);
    const badTimeout = await run(BIN.commissaire, [
      "call",
      "example.ping",
      "--timeout",
      "soon",
      ...bus(),
    ]);
    assert.notEqual(badTimeout.code, 0);
    assert.match(badTimeout.stderr, /--timeout: must be a positive number/);
  });

  test("call against an unreachable bus fails within its timeout", async () => {
    const dead = `redis://127.0.0.1:${await freePort()}/0`;
    const started = Date.now();
    const r = await run(BIN.commissaire, [
      "call",
      "example.ping",
      "--timeout",
      "1",
      "--bus-uri",
      dead,
    ]);
    assert.equal(r.code, 3);
    assert.match(r.stderr, /no reply to "example\.ping" within 1000 ms/);
    assert.ok(Date.now() - started < 10_000);
  });

  test("--bus-uri overrides the configuration file's bus_uri", async () => {
    const other = Running.start(BIN.example, [
      "-c",
      deadConf,
      "--bus-uri",
      redis.url(1),
      "--bus-exchange",
      "other-exchange",
    ]);
    try {
      await other.waitForLog("the overriding service to start", (r) => r.msg === "service started");
      const r = await run(BIN.commissaire, [
        "call",
        "example.ping",
        "--bus-uri",
        redis.url(1),
        "--bus-exchange",
        "other-exchange",
      ]);
      assert.equal(r.code, 0, r.stderr);
      const wrongExchange = await run(BIN.commissaire, [
        "call",
        "example.ping",
        "--bus-uri",
        redis.url(1),
      ]);
      assert.equal(wrongExchange.code, 3, "nothing is bound on the default exchange of db 1");
    } finally {
      assert.equal(await other.stop(), 0);
    }
  });

  test("notify and listen", async () => {
    const listener = Running.start(BIN.commissaire, ["listen", "notify.storage.#", ...bus()]);
    try {
      await waitFor(() => listener.stderr.includes("listening on"), { what: "the listener" });
      const n = await run(BIN.commissaire, [
        "notify",
        "notify.storage.Host.created",
        '{"address": "192.0.2.9"}',
        ...bus(),
      ]);
      assert.equal(n.code, 0, n.stderr);
      const line = await waitFor(() => listener.stdout.split("\n").find(Boolean), {
        what: "the listener's line",
      });
      assert.deepEqual(JSON.parse(line), {
        routing_key: "notify.storage.Host.created",
        body: { jsonrpc: "2.0", method: "created", params: { address: "192.0.2.9" } },
      });
      const nobody = await run(BIN.commissaire, ["notify", "nobody.listens", ...bus()]);
      assert.equal(nobody.code, 0);
      assert.match(nobody.stderr, /no queue is bound for "nobody\.listens"/);
    } finally {
      assert.equal(await listener.stop("SIGINT"), 0);
    }
  });

  test("configuration errors: message naming the file and the problem, exit 2", async () => {
    const missing = await run(BIN.example, ["-c", join(dir, "nope.conf")]);
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /nope\.conf: cannot be read: no such file/);
    const bad = join(dir, "bad.conf");
    writeFileSync(bad, "{ not json");
    const broken = await run(BIN.example, ["--config", bad]);
    assert.equal(broken.code, 2);
    assert.match(broken.stderr, /bad\.conf: not valid JSON/);
    const level = await run(BIN.example, ["-c", goodConf, "--log-level", "loud"]);
    assert.equal(level.code, 2);
    assert.match(level.stderr, /--log-level: unknown log level "loud"/);
    const stdin = await run(BIN.example, ["-c", "-"], { input: "[1, 2]" });
    assert.equal(stdin.code, 2);
    assert.match(stdin.stderr, /standard input: must be a JSON object, got an array/);
    const scheme = await run(BIN.example, ["--bus-uri", "nats://127.0.0.1/", "-c", goodConf]);
    assert.equal(scheme.code, 2);
    assert.match(scheme.stderr, /unsupported scheme "nats"/);
    const workers = await run(BIN.example, ["--workers", "0"]);
    assert.equal(workers.code, 2);
    assert.match(workers.stderr, /--workers.*positive whole number/);
  });

  test("--version and --help", async () => {
    const v = await run(BIN.example, ["--version"]);
    assert.equal(v.code, 0);
    assert.match(v.stdout, /^\d+\.\d+\.\d+/);
    const h = await run(BIN.example, ["--help"]);
    assert.equal(h.code, 0);
    for (const option of [
      "--config-file",
      "--bus-uri",
      "--bus-exchange",
      "--workers",
      "--log-level",
      "--version",
    ]) {
      assert.ok(h.stdout.includes(option), `help mentions ${option}`);
    }
    const ch = await run(BIN.commissaire, ["--help"]);
    for (const sub of ["call", "notify", "listen", "service"]) assert.ok(ch.stdout.includes(sub));
  });

  test("--workers 2: a worker that dies is restarted; SIGTERM stops all cleanly", async () => {
    const manager = Running.start(BIN.commissaire, [
      "service",
      "example",
      "--workers",
      "2",
      "-c",
      goodConf,
      "--bus-uri",
      redis.url(2),
    ]);
    const started = () => manager.logs().filter((r) => r.msg === "worker started");
    await waitFor(() => started().length === 2, { timeoutMs: 15_000, what: "two workers" });
    await waitFor(() => manager.logs().filter((r) => r.msg === "service started").length === 2, {
      timeoutMs: 15_000,
      what: "two services",
    });
    const victim = started()[0].pid as number;
    process.kill(victim, "SIGKILL");
    const restart = await manager.waitForLog(
      "the restart to be logged",
      (r) => r.msg === "worker killed by SIGKILL; restarting",
    );
    assert.equal(restart.pid, victim);
    assert.equal(restart.signal, "SIGKILL");
    assert.equal(restart.code, 137);
    assert.ok(restart.restartInMs > 0);
    await waitFor(() => started().length === 3, {
      timeoutMs: 15_000,
      what: "the replacement worker",
    });
    const r = await run(BIN.commissaire, [
      "call",
      "example.add",
      "[1, 1]",
      "--bus-uri",
      redis.url(2),
    ]);
    assert.equal(JSON.parse(r.stdout), 2);
    await waitFor(() => manager.logs().filter((l) => l.msg === "service started").length === 3, {
      timeoutMs: 15_000,
      what: "the replacement to serve",
    });
    assert.equal(await manager.stop(), 0, manager.stderr);
    assert.ok(manager.logs().some((l) => l.msg === "all workers stopped" && l.clean === true));
  });

  test("--workers with the configuration on standard input: the workers get what the manager read", async () => {
    const child = startProcess(process.execPath, [BIN.example, "--workers", "2", "-c", "-"], {
      stdin: true,
    });
    child.stdin!.end(JSON.stringify({ "bus-uri": redis.url(4), "bus-exchange": "from-stdin" }));
    const manager = new Running(child);
    await waitFor(() => manager.logs().filter((r) => r.msg === "service started").length === 2, {
      timeoutMs: 15_000,
      what: "two workers serving with the stdin configuration",
    });
    const r = await run(BIN.commissaire, [
      "call",
      "example.ping",
      "--bus-uri",
      redis.url(4),
      "--bus-exchange",
      "from-stdin",
    ]);
    assert.equal(JSON.parse(r.stdout), "pong");
    assert.ok(!manager.logs().some((l) => /^worker (exited|killed)/.test(String(l.msg))));
    assert.equal(await manager.stop(), 0, manager.stderr);
  });
});
