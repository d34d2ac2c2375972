/**
 * Answers `health` for one process on its own auto-deleted queue (see health.ts for the routing
 * keys). Used by every CommissaireService and by the REST server, which is not one.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import type { Logger } from "../base/logger.js";
import { packageVersion } from "../base/version.js";
import type { Bus } from "../bus/bus.js";
import type { ServedQueue } from "../bus/served-queue.js";
import type { QueueSpec } from "../bus/transport.js";
import { dispatch } from "./dispatch.js";
import {
  type Figure,
  figureValues,
  HEALTH_FANOUT_KEY,
  type HealthProbe,
  type HealthReport,
  healthRoutingKey,
  processId,
  runProbes,
} from "./health.js";

export interface HealthSource {
  service: string;
  /** Probes beyond the bus's own. */
  probes(): Record<string, HealthProbe>;
  inFlight(): number;
  inFlightLimit?: number;
  figures(): Record<string, Figure>;
}

export class HealthResponder {
  /**
   * `<host>-<pid>-<4 hex>`: the random tail keeps two instances of one service in one process
   * (tests, embedding) apart, each with its own queue.
   */
  readonly process = `${processId()}-${randomBytes(2).toString("hex")}`;
  readonly routingKey: string;
  private readonly startedAt = new Date();
  private served: ServedQueue | undefined;
  private readonly spec: QueueSpec;

  constructor(
    private readonly bus: Bus,
    private readonly source: HealthSource,
    private readonly logger: Logger,
  ) {
    this.routingKey = healthRoutingKey(source.service, this.process);
    this.spec = {
      name: this.routingKey,
      bindings: [this.routingKey, HEALTH_FANOUT_KEY].map((routingKey) => ({
        exchange: bus.exchange,
        routingKey,
      })),
      // This process's alone, gone with it.
      exclusive: true,
    };
  }

  /** Every probe (the bus first), the work in flight and the figures. */
  async report(): Promise<HealthReport> {
    const probes = await runProbes({
      bus: async () => {
        await this.bus.transport.ping();
        return this.bus.transport.kind;
      },
      ...this.source.probes(),
    });
    let figures: HealthReport["figures"] = {};
    try {
      figures = figureValues(this.source.figures());
    } catch (err) {
      probes.push({ name: "figures", ok: false, detail: (err as Error).message, ms: 0 });
    }
    return {
      service: this.source.service,
      process: this.process,
      routing_key: this.routingKey,
      host: hostname(),
      pid: process.pid,
      version: packageVersion(),
      started_at: this.startedAt.toISOString(),
      uptime_s: Math.round((Date.now() - this.startedAt.getTime()) / 1000),
      status: probes.every((p) => p.ok) ? "ok" : "failing",
      probes,
      in_flight: this.source.inFlight(),
      ...(this.source.inFlightLimit !== undefined
        ? { in_flight_limit: this.source.inFlightLimit }
        : {}),
      figures,
    };
  }

  async start(): Promise<void> {
    if (this.served) return;
    const target = {
      bus: this.bus,
      logger: this.logger,
      maxBodyBytes: 64 * 1024,
      handlerFor: (method: string) =>
        method === "health" ? { call: () => this.report(), schema: undefined } : undefined,
    };
    this.served = await this.bus.serve(this.spec, (d) => dispatch(target, d), { prefetch: 4 });
  }

  async stop(): Promise<void> {
    const served = this.served;
    this.served = undefined;
    if (!served) return;
    await served.stop(1000);
    // Removed now, not when the bus closes: a stopped service must not collect fan-out requests.
    await this.bus.transport
      .deleteQueue(this.spec)
      .catch((err) => this.logger.warn({ err }, "health queue not removed"));
  }
}
