/**
 * The service kit's health and metrics on the memory transport: probes (failing, late), the
 * health answer and its fan-out, request counts by method and error code, service figures as
 * Prometheus families; the connection log; a worker's exit signal.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { Bus } from "../../src/bus/bus.js";
import { CONNECTION_LOST_MESSAGE, ConnectionLog } from "../../src/bus/connection-log.js";
import type { Figure, HealthProbe } from "../../src/service/health.js";
import { runProbes } from "../../src/service/health.js";
import { gatherHealth } from "../../src/service/health-client.js";
import { exitFields } from "../../src/service/manager.js";
import { ServiceMetrics } from "../../src/service/metrics.js";
import { CommissaireService } from "../../src/service/service.js";
import { reportFigures } from "../../src/services/watcher/stats.js";
import { captureLogger } from "../helpers/capture-logger.js";
import { parseExposition, seriesValue } from "../helpers/exposition.js";

class Counted extends CommissaireService {
  readonly name = "counted";
  storeAnswers = true;
  done = 0;
  on_add(params: { x: number; y: number }) {
    this.done += 1;
    return params.x + params.y;
  }
  on_fail() {
    throw new Error("boom");
  }
  protected override healthProbes(): Record<string, HealthProbe> {
    return {
      store: () => {
        if (!this.storeAnswers) throw new Error("store down");
        return "1 store";
      },
    };
  }
  override figures(): Record<string, Figure> {
    return {
      hosts: { help: "Hosts by status", value: { active: 2, failed: this.done } },
      done_total: { help: "Additions", value: this.done, type: "counter" },
    };
  }
}

test("probes: a failing one says why, a late one is cut at the deadline", async () => {
  const results = await runProbes(
    {
      fine: () => "ok detail",
      broken: async () => {
        throw new Error("refused");
      },
      late: () => new Promise<undefined>(() => undefined),
    },
    50,
  );
  assert.deepEqual(
    results.map((r) => [r.name, r.ok, r.detail]),
    [
      ["fine", true, "ok detail"],
      ["broken", false, "refused"],
      ["late", false, "no answer within 50 ms"],
    ],
  );
});

test("health: each process answers on its own key and on the fan-out; a stopped one does not", async () => {
  const bus = Bus.connect("memory://");
  const a = new Counted({ bus });
  const b = new Counted({ bus });
  await a.start();
  await b.start();
  try {
    const all = await gatherHealth(bus, { timeoutMs: 2000, expect: 2 });
    assert.equal(all.length, 2);
    for (const r of all) {
      assert.equal(r.service, "counted");
      assert.match(r.routing_key, /^services\.counted\.[A-Za-z0-9_-]+-\d+-[0-9a-f]{4}\.health$/);
      assert.equal(r.status, "ok");
      assert.deepEqual(
        r.probes.map((p) => [p.name, p.ok]),
        [
          ["bus", true],
          ["store", true],
        ],
      );
      assert.deepEqual(r.figures.hosts, { active: 2, failed: 0 });
    }
    b.storeAnswers = false;
    const direct = await b.health();
    assert.equal(direct.status, "failing");
    assert.equal(direct.probes[1]?.detail, "store down");
    await b.stop(100);
    const left = await gatherHealth(bus, { timeoutMs: 300 });
    assert.equal(left.length, 1, "the stopped service's queue is gone");
  } finally {
    await a.stop(100);
    await bus.close();
  }
});

test("metrics: requests and errors by method and code, latency, figures as families", async () => {
  const bus = Bus.connect("memory://");
  const service = new Counted({ bus });
  await service.start();
  try {
    for (let i = 0; i < 3; i++) await bus.request("counted.add", { x: i, y: 1 });
    await assert.rejects(bus.request("counted.fail"));
    await assert.rejects(bus.request("counted.missing"));
    const { contentType, text } = await service.metrics.exposition();
    assert.match(contentType, /^text\/plain; version=0\.0\.4/);
    const samples = parseExposition(text);
    const add = { service: "counted", method: "add" };
    assert.equal(seriesValue(samples, "commissaire_requests_total", add), 3);
    assert.equal(seriesValue(samples, "commissaire_request_duration_seconds_count", add), 3);
    assert.equal(
      seriesValue(samples, "commissaire_request_errors_total", { method: "fail", code: "-32603" }),
      1,
    );
    assert.equal(
      seriesValue(samples, "commissaire_request_errors_total", {
        method: "(unknown)",
        code: "-32601",
      }),
      1,
    );
    assert.equal(seriesValue(samples, "commissaire_counted_hosts", { status: "failed" }), 3);
    assert.equal(seriesValue(samples, "commissaire_counted_done_total"), 3);
    assert.equal(seriesValue(samples, "commissaire_requests_in_flight"), 0);
  } finally {
    await service.stop(100);
    await bus.close();
  }
});

test("the exposition check refuses what promtool refuses", () => {
  assert.throws(() => parseExposition("x 1\n"), /undeclared family/);
  assert.throws(() => parseExposition("# TYPE x counter\nx 1\n"), /should end in _total/);
  assert.throws(() => parseExposition("# TYPE x gauge\nx{a=b} 1\n"), /bad label/);
  assert.throws(() => parseExposition("# TYPE x gauge\nx 1\nx 2\n"), /series twice/);
  assert.throws(() => parseExposition("# TYPE x gauge\nx one\n"), /bad value/);
});

test("the connection log: one line per outage, the return with how long it lasted", () => {
  const { logger, text } = captureLogger();
  const log = new ConnectionLog(logger, { bus: "redis://x" });
  assert.equal(log.lost(1000), true);
  assert.equal(log.lost(1500), false, "a second loss in one outage says nothing");
  assert.equal(log.restored(4000), 3000);
  const lines = text()
    .trim()
    .split("\n")
    .map((l) => JSON.parse(l));
  assert.deepEqual(
    lines.map((l) => [l.msg, l.downMs]),
    [
      [CONNECTION_LOST_MESSAGE, undefined],
      ["bus connection restored", 3000],
    ],
  );
});

test("a worker's exit names its signal", () => {
  assert.deepEqual(exitFields({ code: 137, signal: "SIGKILL" }), { signal: "SIGKILL", code: 137 });
  assert.deepEqual(exitFields({ code: 3, signal: null }), { code: 3 });
});

test("the watcher's report as figures: hosts by status, checks, lateness in seconds", async () => {
  const report = {
    process: "p",
    hosts_watched: 3,
    checks_per_second: 1.5,
    lateness_p50_ms: 20,
    lateness_p99_ms: 900,
    hosts_by_state: { active: 2, failed: 1 },
    frozen: false,
    lateness_samples_ms: [],
    at: 0,
  };
  const metrics = new ServiceMetrics({
    service: "watcher",
    counters: () => ({
      expired: 0,
      deadLettered: 0,
      connectionsLost: 1,
      reconnects: 1,
      redelivered: 0,
    }),
    inFlight: () => 0,
    figures: () => reportFigures(report, 42),
  });
  const samples = parseExposition((await metrics.exposition()).text);
  assert.equal(seriesValue(samples, "commissaire_watcher_hosts", { status: "active" }), 2);
  assert.equal(seriesValue(samples, "commissaire_watcher_hosts", { status: "failed" }), 1);
  assert.equal(seriesValue(samples, "commissaire_watcher_checks_total"), 42);
  assert.equal(seriesValue(samples, "commissaire_watcher_checks_per_second"), 1.5);
  assert.equal(seriesValue(samples, "commissaire_watcher_lateness_p99_seconds"), 0.9);
  assert.equal(seriesValue(samples, "commissaire_watcher_frozen"), 0);
  assert.equal(seriesValue(samples, "commissaire_bus_reconnects_total"), 1);
});
