/**
 * The Prometheus figures of one service process (prom-client, a registry of its own: no global
 * state). The kit's: requests, errors by JSON-RPC code and latency by method, requests in flight,
 * and the bus's counters; then the service's own figures (CommissaireService.figures()), each a
 * gauge `commissaire_<service>_<name>` (or a counter when it only grows).
 */
import { Counter, Gauge, Histogram, Registry } from "prom-client";
import type { BusCounters } from "../bus/served-queue.js";
import type { Figure } from "./health.js";

/** Buckets in seconds: a fast bus call (1 ms) up to an SSH bootstrap (a minute). */
export const LATENCY_BUCKETS = [
  0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60,
];

export interface MetricsSource {
  service: string;
  counters(): BusCounters;
  inFlight(): number;
  figures(): Record<string, Figure>;
}

/** A Prometheus name from a figure's: lower case letters, digits and underscores. */
const metricName = (service: string, name: string): string =>
  `commissaire_${service}_${name}`.replace(/[^a-zA-Z0-9_]/g, "_");

export class ServiceMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<"service" | "method">;
  private readonly errors: Counter<"service" | "method" | "code">;
  private readonly latency: Histogram<"service" | "method">;
  private readonly figureMetrics = new Map<string, Gauge<string> | Counter<string>>();

  constructor(private readonly source: MetricsSource) {
    const registers = [this.registry];
    const service = source.service;
    this.requests = new Counter({
      name: "commissaire_requests_total",
      help: "JSON-RPC requests handled, by method",
      labelNames: ["service", "method"],
      registers,
    });
    this.errors = new Counter({
      name: "commissaire_request_errors_total",
      help: "JSON-RPC requests answered with an error, by method and JSON-RPC error code",
      labelNames: ["service", "method", "code"],
      registers,
    });
    this.latency = new Histogram({
      name: "commissaire_request_duration_seconds",
      help: "Time from a request's delivery to its handler's end, by method",
      labelNames: ["service", "method"],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    new Gauge({
      name: "commissaire_requests_in_flight",
      help: "Requests being handled now",
      labelNames: ["service"],
      registers,
      collect() {
        this.set({ service }, source.inFlight());
      },
    });
    const busCounter = (name: string, help: string, read: (c: BusCounters) => number) =>
      new Counter({
        name,
        help,
        labelNames: ["service"],
        registers,
        collect() {
          this.reset();
          this.inc({ service }, read(source.counters()));
        },
      });
    busCounter(
      "commissaire_requests_expired_total",
      "Requests dropped because their caller's deadline had passed",
      (c) => c.expired,
    );
    busCounter(
      "commissaire_requests_redelivered_total",
      "Requests handled again after the consumer holding them died",
      (c) => c.redelivered,
    );
    busCounter(
      "commissaire_messages_dead_lettered_total",
      "Messages taken out of circulation (poison, oversized)",
      (c) => c.deadLettered,
    );
    busCounter(
      "commissaire_bus_connections_lost_total",
      "Times the broker connection was lost",
      (c) => c.connectionsLost,
    );
    busCounter(
      "commissaire_bus_reconnects_total",
      "Times the broker connection was re-established",
      (c) => c.reconnects,
    );
    this.defineFigures();
  }

  /** One request handled: its method, its JSON-RPC error code (null on success), its duration. */
  observe(method: string, code: number | null, seconds: number): void {
    const labels = { service: this.source.service, method };
    this.requests.inc(labels);
    this.latency.observe(labels, seconds);
    if (code !== null) this.errors.inc({ ...labels, code: String(code) });
  }

  /** Gauges (and counters) for the figures the service reports, read at every scrape. */
  private defineFigures(): void {
    const service = this.source.service;
    const read = (name: string): Figure | undefined => this.source.figures()[name];
    for (const [name, figure] of Object.entries(this.source.figures())) {
      const full = metricName(service, name);
      const byLabel = typeof figure.value === "object";
      const labelNames = byLabel ? [figure.label ?? "status"] : [];
      const fill = (metric: Gauge<string> | Counter<string>) => {
        const current = read(name)?.value;
        metric.reset();
        if (typeof current === "number") setValue(metric, {}, current);
        else if (current)
          for (const [k, v] of Object.entries(current))
            setValue(metric, { [labelNames[0]!]: k }, v);
      };
      const common = { name: full, help: figure.help, labelNames, registers: [this.registry] };
      const metric =
        figure.type === "counter"
          ? new Counter({
              ...common,
              collect() {
                fill(this);
              },
            })
          : new Gauge({
              ...common,
              collect() {
                fill(this);
              },
            });
      this.figureMetrics.set(name, metric);
    }
  }

  /** The exposition text and its content type. */
  async exposition(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}

function setValue(
  metric: Gauge<string> | Counter<string>,
  labels: Record<string, string>,
  value: number,
): void {
  if (metric instanceof Gauge) metric.set(labels, value);
  else metric.inc(labels, Math.max(0, value));
}
