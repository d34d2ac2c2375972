/**
 * What the REST server tells operators about itself, without authentication: `/health` (the
 * process answers), `/ready` (the bus and the storage service answer), and, unless
 * `metrics_require_auth` is true, `/metrics` (Prometheus); plus its HTTP figures.
 */
import { Counter, Histogram, type Registry } from "prom-client";
import type { Bus } from "../../bus/bus.js";
import {
  type HealthProbe,
  PROBE_TIMEOUT_MS,
  type ProbeResult,
  runProbes,
} from "../../service/health.js";
import { LATENCY_BUCKETS } from "../../service/metrics.js";

export const HEALTH_PATH = "/health";
export const READY_PATH = "/ready";
export const METRICS_PATH = "/metrics";

/** What the server needs to answer: the bus and the storage service answer within 1.5 s. */
export function readinessProbes(bus: Bus): Record<string, HealthProbe> {
  return {
    bus: async () => {
      await bus.transport.ping();
      return bus.transport.kind;
    },
    storage: async () => {
      const handlers = await bus.request<unknown[]>(
        "storage.list_store_handlers",
        {},
        { timeoutMs: PROBE_TIMEOUT_MS },
      );
      return `${Array.isArray(handlers) ? handlers.length : 0} store handlers`;
    },
  };
}

export async function readiness(
  bus: Bus,
): Promise<{ status: 200 | 503; body: { status: string; probes: ProbeResult[] } }> {
  const probes = await runProbes(readinessProbes(bus));
  const ready = probes.every((p) => p.ok);
  return { status: ready ? 200 : 503, body: { status: ready ? "ready" : "not ready", probes } };
}

/** HTTP requests by method and status code, and their durations. */
export class HttpMetrics {
  private readonly requests: Counter<"method" | "status">;
  private readonly duration: Histogram<"method" | "status">;

  constructor(registry: Registry) {
    this.requests = new Counter({
      name: "commissaire_http_requests_total",
      help: "REST requests answered, by HTTP method and status code",
      labelNames: ["method", "status"],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: "commissaire_http_request_duration_seconds",
      help: "REST request durations, by HTTP method and status code",
      labelNames: ["method", "status"],
      buckets: LATENCY_BUCKETS,
      registers: [registry],
    });
  }

  observe(method: string, status: number, seconds: number): void {
    const labels = { method, status: String(status) };
    this.requests.inc(labels);
    this.duration.observe(labels, seconds);
  }
}
