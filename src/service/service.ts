/**
 * CommissaireService: subclass it, write `on_<method>(params, context)` handlers, and each becomes
 * a JSON-RPC method on the service's queues (a named queue shared by every process of the service,
 * so each request runs once).
 */

import type { Logger } from "../base/logger.js";
import type { Bus } from "../bus/bus.js";
import type { ServedQueue } from "../bus/served-queue.js";
import { dispatch, findHandler, type Handler } from "./dispatch.js";
import type { ParamSchemas } from "./params.js";

export interface QueueDeclaration {
  name: string;
  /** Binding key(s) on the bus exchange, e.g. "storage.*". */
  routingKeys: string[];
}

export interface ServiceOptions {
  bus: Bus;
  logger?: Logger;
  /** The service's configuration (already read and normalised). */
  config?: Record<string, unknown>;
  /** Handlers in flight at most in this process (default 10). */
  inFlightLimit?: number;
  /** Larger request messages are refused with -32600 (default 1 MiB). */
  maxBodyBytes?: number;
}

export interface StopResult {
  /** True when every message taken was finished and acknowledged. */
  clean: boolean;
  finished: number;
  restored: number;
}

export const DEFAULT_IN_FLIGHT_LIMIT = 10;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_STOP_TIMEOUT_MS = 30_000;

export abstract class CommissaireService {
  /** The service's name: its configuration name and, by default, its queue. */
  abstract readonly name: string;
  /** Parameter schemas by method name (zod objects also give positional parameters their order). */
  readonly params: ParamSchemas = {};
  readonly bus: Bus;
  readonly config: Record<string, unknown>;
  readonly inFlightLimit: number;
  readonly maxBodyBytes: number;
  private readonly baseLogger: Logger;
  private served: ServedQueue[] = [];
  private started = false;

  constructor(options: ServiceOptions) {
    this.bus = options.bus;
    this.config = options.config ?? {};
    this.baseLogger = options.logger ?? this.bus.logger;
    this.inFlightLimit = options.inFlightLimit ?? DEFAULT_IN_FLIGHT_LIMIT;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    if (!Number.isInteger(this.inFlightLimit) || this.inFlightLimit < 1) {
      throw new Error(`inFlightLimit must be a positive integer, got ${this.inFlightLimit}`);
    }
  }

  get logger(): Logger {
    return this.baseLogger.child({ service: this.name });
  }

  /** The queues this service consumes; by default one named after it, bound to `<name>.*`. */
  queues(): QueueDeclaration[] {
    return [{ name: this.name, routingKeys: [`${this.name}.*`] }];
  }

  /** Methods this service answers (its `on_<method>` handlers). */
  methods(): string[] {
    const names = new Set<string>();
    for (
      let proto = Object.getPrototypeOf(this);
      proto && proto !== Object.prototype;
      proto = Object.getPrototypeOf(proto)
    ) {
      for (const key of Object.getOwnPropertyNames(proto)) {
        if (key.startsWith("on_") && typeof (this as Record<string, unknown>)[key] === "function")
          names.add(key.slice(3));
      }
    }
    return [...names].sort();
  }

  handlerFor(method: string): Handler | undefined {
    return findHandler(this, method);
  }

  /** Declares the queues and starts consuming them. */
  async start(): Promise<void> {
    if (this.started) return;
    this.started = true;
    const logger = this.logger;
    const target = {
      bus: this.bus,
      logger,
      maxBodyBytes: this.maxBodyBytes,
      params: this.params,
      handlerFor: (m: string) => this.handlerFor(m),
    };
    for (const q of this.queues()) {
      const spec = {
        name: q.name,
        bindings: q.routingKeys.map((routingKey) => ({ exchange: this.bus.exchange, routingKey })),
      };
      this.served.push(
        await this.bus.serve(spec, (d) => dispatch(target, d), {
          prefetch: this.inFlightLimit,
          maxMessageBytes: this.maxBodyBytes,
        }),
      );
    }
    logger.info(
      { queues: this.queues().map((q) => q.name), methods: this.methods() },
      "service started",
    );
  }

  /** Handlers running now. */
  get inFlight(): number {
    return this.served.reduce((n, s) => n + s.inFlight, 0);
  }

  /**
   * Graceful stop: stop consuming, let what is in flight finish (up to timeoutMs) and acknowledge
   * it, put back on the queue whatever could not finish, then close the bus.
   */
  async stop(timeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<StopResult> {
    const results = await Promise.all(this.served.map((s) => s.stop(timeoutMs)));
    this.served = [];
    this.started = false;
    await this.bus.close();
    const finished = results.reduce((n, r) => n + r.finished, 0);
    const restored = results.reduce((n, r) => n + r.restored, 0);
    this.logger.info({ finished, restored }, "service stopped");
    return { clean: restored === 0, finished, restored };
  }

  /**
   * Runs until SIGTERM or SIGINT, then stops gracefully. Resolves to the process exit code: 0 when
   * the stop was clean, 1 when some work had to be put back.
   */
  async run(stopTimeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<number> {
    await this.start();
    const signal = await new Promise<NodeJS.Signals>((resolve) => {
      process.once("SIGTERM", () => resolve("SIGTERM"));
      process.once("SIGINT", () => resolve("SIGINT"));
    });
    this.logger.info({ signal }, "stopping");
    const result = await this.stop(stopTimeoutMs);
    return result.clean ? 0 : 1;
  }
}
