/**
 * What an operator watches, on real processes over a real Redis: every service process answers
 * health on its own queue and `commissaire services` lists them; Prometheus metrics on each
 * service's port (summed over workers) and on the REST server; the REST server's /health,
 * /ready and access log; JSON log lines with level names on every binary's stderr.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { Bus } from "../../src/bus/bus.js";
import { hashPassword } from "../../src/services/server/auth.js";
import { waitFor } from "../../src/testing/index.js";
import { BIN, Running, run } from "../helpers/cli.js";
import { parseExposition, seriesValue } from "../helpers/exposition.js";
import { basic } from "../helpers/http.js";
import { freePort, RedisServer } from "../helpers/servers.js";

const LEVELS = new Set(["trace", "debug", "info", "warn", "error", "fatal"]);

/** Every stderr line is one JSON object with a level name (no plain-text line in between). */
function assertJsonLog(who: string, stderr: string): void {
  const lines = stderr.split("\n").filter((l) => l.trim() !== "");
  assert.ok(lines.length > 0, `${who} logged something`);
  for (const line of lines) {
    let record: { level?: unknown; msg?: unknown };
    try {
      record = JSON.parse(line);
    } catch {
      assert.fail(`${who}: a line that is not JSON: ${line}`);
    }
    assert.ok(LEVELS.has(String(record.level)), `${who}: level name in ${line}`);
    assert.equal(typeof record.msg, "string", `${who}: message in ${line}`);
  }
}

async function scrape(url: string): Promise<ReturnType<typeof parseExposition>> {
  const res = await fetch(url);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /^text\/plain; version=0\.0\.4/);
  return parseExposition(await res.text());
}

const KIT_METRICS = [
  "commissaire_requests_total",
  "commissaire_request_errors_total",
  "commissaire_request_duration_seconds_bucket",
  "commissaire_requests_in_flight",
  "commissaire_requests_expired_total",
  "commissaire_requests_redelivered_total",
  "commissaire_bus_reconnects_total",
  "commissaire_bus_connections_lost_total",
  "process_resident_memory_bytes",
];

describe("health, metrics and logs of running services", () => {
  let redis: RedisServer;
  let dir: string;
  let storage: Running;
  let example: Running;
  let server: Running;
  let base: string;
  let storageMetrics: string;
  let exampleMetrics: string;
  let bus: Bus;

  before(async () => {
    redis = await RedisServer.start();
    dir = mkdtempSync(join(tmpdir(), "commissaire-observe-"));
    const conf = (name: string, value: object) => {
      writeFileSync(join(dir, name), JSON.stringify({ bus_uri: redis.url(), ...value }));
      return join(dir, name);
    };
    writeFileSync(join(dir, "users.json"), JSON.stringify({ admin: await hashPassword("pw") }));
    storage = Running.start(BIN.storage, [
      "-c",
      conf("storage.conf", {
        storage_handlers: [
          { type: "memory", name: "models", models: ["*"] },
          { type: "secret_memory", name: "secrets", models: ["HostCreds"] },
        ],
      }),
      "--metrics-port",
      "0",
    ]);
    example = Running.start(BIN.example, [
      "-c",
      conf("example.conf", { metrics_port: 0 }),
      "--workers",
      "2",
    ]);
    server = Running.start(BIN.server, [
      "-c",
      conf("commissaire.conf", {
        listen_port: await freePort(),
        users_file: join(dir, "users.json"),
      }),
    ]);
    storageMetrics = (
      await storage.waitForLog("storage metrics", (r) => r.msg === "metrics listening")
    ).url;
    exampleMetrics = (
      await example.waitForLog("the manager's metrics", (r) => r.msg === "metrics listening")
    ).url;
    base = new URL((await server.waitForLog("the server", (r) => r.msg === "server listening")).url)
      .origin;
    await storage.waitForLog("storage", (r) => r.msg === "service started");
    await waitFor(() => example.logs().filter((r) => r.msg === "service started").length === 2, {
      timeoutMs: 15_000,
      what: "two example workers",
    });
    bus = Bus.connect(redis.url());
  });

  after(async () => {
    await bus?.close();
    await Promise.all([server?.stop(), example?.stop(), storage?.stop()]);
    await redis?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });

  test("commissaire services lists every process with its health; each answers on its own key", async () => {
    const listed = await run(BIN.commissaire, ["services", "--json", "--bus-uri", redis.url()]);
    assert.equal(listed.code, 0, listed.stderr);
    const reports = JSON.parse(listed.stdout) as {
      service: string;
      process: string;
      routing_key: string;
      status: string;
      probes: { name: string; ok: boolean }[];
    }[];
    assert.deepEqual(
      reports.map((r) => r.service),
      ["example", "example", "server", "storage"],
    );
    assert.ok(
      reports.every((r) => r.status === "ok"),
      listed.stdout,
    );
    const store = reports.find((r) => r.service === "storage")!;
    assert.deepEqual(
      store.probes.map((p) => [p.name, p.ok]),
      [
        ["bus", true],
        ["store:models", true],
        ["store:secrets", true],
      ],
    );
    const workers = reports.filter((r) => r.service === "example");
    assert.notEqual(workers[0]!.process, workers[1]!.process);
    for (const w of workers) {
      const one = await bus.request<{ process: string }>(w.routing_key);
      assert.equal(one.process, w.process);
    }
    const table = await run(BIN.commissaire, ["services", "--bus-uri", redis.url()]);
    assert.equal(table.code, 0, table.stderr);
    assert.match(table.stdout, /^SERVICE\s+PROCESS\s+STATUS\s+PROBES/m);
    assert.match(table.stdout, /^storage\s+\S+\s+ok\s+bus, store:models, store:secrets/m);
  });

  test("a service's metrics port serves Prometheus figures summed over its workers", async () => {
    for (let i = 0; i < 6; i++) assert.equal(await bus.request("example.add", [i, 1]), i + 1);
    await assert.rejects(bus.request("example.fail", {}));
    const samples = await scrape(exampleMetrics);
    for (const name of KIT_METRICS)
      assert.ok(
        samples.some((s) => s.name === name),
        `${name} is served`,
      );
    const add = { service: "example", method: "add" };
    assert.equal(seriesValue(samples, "commissaire_requests_total", add), 6, "both workers summed");
    assert.equal(seriesValue(samples, "commissaire_request_duration_seconds_count", add), 6);
    const failed = samples.find(
      (s) => s.name === "commissaire_request_errors_total" && s.labels.method === "fail",
    );
    assert.ok(failed && /^-32\d{3}$/.test(failed.labels.code!), JSON.stringify(failed));
    const own = await scrape(storageMetrics);
    assert.ok(
      own.some(
        (s) => s.name === "commissaire_requests_in_flight" && s.labels.service === "storage",
      ),
    );
  });

  test("the REST server: /health and /ready without credentials, /metrics, an access log", async () => {
    const health = await fetch(`${base}/health`);
    assert.equal(health.status, 200);
    assert.deepEqual(await health.json(), { status: "alive" });
    const ready = await fetch(`${base}/ready`);
    assert.equal(ready.status, 200, await ready.clone().text());
    assert.equal(((await ready.json()) as { status: string }).status, "ready");

    const listed = await fetch(`${base}/api/v0/clusters`, {
      headers: { authorization: basic("admin", "pw") },
    });
    assert.equal(listed.status, 200);
    const refused = await fetch(`${base}/api/v0/clusters`, {
      headers: { authorization: basic("admin", "wrong-secret") },
    });
    assert.equal(refused.status, 401);
    const id = listed.headers.get("x-request-id");
    const line = await server.waitForLog("the access log", (r) => r.request_id === id);
    assert.equal(line.level, "info");
    assert.equal(line.msg, "request");
    assert.equal(line.method, "GET");
    assert.equal(line.path, "/api/v0/clusters");
    assert.equal(line.status, 200);
    assert.equal(line.user, "admin");
    assert.equal(typeof line.ms, "number");
    const refusedId = refused.headers.get("x-request-id");
    const refusedLine = await server.waitForLog("the 401", (r) => r.request_id === refusedId);
    assert.equal(refusedLine.status, 401);
    assert.equal(refusedLine.user, null);
    assert.doesNotMatch(server.stderr, /wrong-secret|Basic |YWRtaW46/, "no credential logged");

    const samples = await scrape(`${base}/metrics`);
    assert.ok(
      (seriesValue(samples, "commissaire_http_requests_total", { method: "GET", status: "200" }) ??
        0) >= 1,
    );
    assert.ok(samples.some((s) => s.name === "commissaire_http_request_duration_seconds_bucket"));
    assert.ok(samples.some((s) => s.name === "process_resident_memory_bytes"));
  });

  test("every binary's stderr is JSON lines with level names", async () => {
    assertJsonLog("storage", storage.stderr);
    assertJsonLog("example manager and workers", example.stderr);
    assertJsonLog("server", server.stderr);
    assert.ok(
      storage.logs().some((r) => /^storage: configuration from file /.test(r.msg)),
      "the configuration source is a log line",
    );
  });

  test("/ready says 503 and names the storage service when it is gone; services says failing", async () => {
    await storage.stop();
    const ready = await fetch(`${base}/ready`);
    assert.equal(ready.status, 503);
    const body = (await ready.json()) as { probes: { name: string; ok: boolean }[] };
    assert.deepEqual(
      body.probes.map((p) => [p.name, p.ok]),
      [
        ["bus", true],
        ["storage", false],
      ],
    );
    const listed = await run(BIN.commissaire, ["services", "--json", "--bus-uri", redis.url()]);
    assert.equal(listed.code, 1, "a failing process makes the exit code 1");
    const reports = JSON.parse(listed.stdout) as { service: string; status: string }[];
    assert.equal(reports.find((r) => r.service === "server")?.status, "failing");
    assert.ok(!reports.some((r) => r.service === "storage"), "a stopped process is not listed");
  });
});

describe("bus connection lost and restored", () => {
  test("a service logs the loss and the return with how long the bus was gone", async () => {
    const redis = await RedisServer.start();
    const service = Running.start(BIN.example, ["--no-config-file", "--bus-uri", redis.url()]);
    try {
      await service.waitForLog("the service", (r) => r.msg === "service started");
      await redis.restart();
      const lost = await service.waitForLog("the loss", (r) => r.msg === "bus connection lost");
      assert.equal(lost.level, "warn");
      assert.equal(lost.bus, redis.url());
      const back = await service.waitForLog(
        "the return",
        (r) => r.msg === "bus connection restored",
      );
      assert.equal(back.level, "info");
      assert.ok(typeof back.downMs === "number" && back.downMs >= 0, JSON.stringify(back));
      assertJsonLog("example", service.stderr);
    } finally {
      await service.stop();
      await redis.destroy();
    }
  });
});

describe("logging and metrics settings of every binary", () => {
  const bins = Object.entries(BIN).filter(([name]) => name !== "commissaire");
  test("logging.format pretty gives readable lines on every binary", async () => {
    const dir = mkdtempSync(join(tmpdir(), "commissaire-pretty-"));
    try {
      const conf = join(dir, "pretty.conf");
      const dead = `redis://127.0.0.1:${await freePort()}/0`;
      writeFileSync(conf, JSON.stringify({ logging: { format: "pretty" }, bus_uri: dead }));
      await Promise.all(
        bins.map(async ([name, bin]) => {
          const r = await run(bin, ["-c", conf, "--connect-timeout", "0.3"]);
          assert.equal(r.code, 1, `${name}: ${r.stderr}`);
          assert.match(r.stderr, /\] INFO \(commissaire[^)]*\): \S+: connecting/, name);
          assert.ok(!r.stderr.split("\n").some((l) => l.startsWith("{")), `${name}: no JSON line`);
        }),
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test("a metrics_port that is not a port is refused at start with exit 2", async () => {
    const dir = mkdtempSync(join(tmpdir(), "commissaire-metrics-conf-"));
    try {
      const conf = join(dir, "bad.conf");
      writeFileSync(conf, JSON.stringify({ metrics_port: "eighty" }));
      const r = await run(BIN.example, ["-c", conf]);
      assert.equal(r.code, 2);
      assert.match(r.stderr, /"metrics_port" must be a port number/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
