/**
 * CommissaireService: subclass it, write `on_<method>(params, context)` handlers (or
 * `on_<method> = withParams(schema, fn)`), and each becomes a JSON-RPC method on the service's
 * queues (a named queue shared by every process of the service, so each request runs once).
 *
 * Lifecycle: start() runs onStart(), starts consuming, then starts the periodic tasks; stop() stops
 * the tasks and consuming, lets what is in flight finish, closes the subscriptions the service
 * opened, then runs onStop(). The bus belongs to whoever handed it in: stop() never closes it.
 */

import { withDeadline } from "../base/deadline.js";
import type { Logger } from "../base/logger.js";
import type { Bus, Subscriber, SubscriberCallback, Subscription } from "../bus/bus.js";
import type { ServedQueue } from "../bus/served-queue.js";
import { dispatch } from "./dispatch.js";
import { type BoundHandler, findHandler, handlerNames } from "./handler.js";
import type { Figure, HealthProbe, HealthReport } from "./health.js";
import { HealthResponder } from "./health-responder.js";
import { ServiceMetrics } from "./metrics.js";
import { type EveryOptions, type Periodic, type PeriodicFn, PeriodicTask } from "./periodic.js";
import { waitForStopSignal } from "./signals.js";

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
  /** onStart() and onStop() must finish within this (default 30 s). */
  hookTimeoutMs?: number;
  /** Answer `health` on this process's own queue while running (default true). */
  answerHealth?: boolean;
}

export interface StopResult {
  /** True when every message taken was finished and acknowledged. */
  clean: boolean;
  finished: number;
  restored: number;
}

/** Failures that were logged and survived: they never stop the service. */
export interface ServiceFailures {
  /** onStart / onStop that threw, rejected or overran their deadline. */
  hooks: number;
  /** Runs of periodic tasks that threw or rejected. */
  timers: number;
  /** Subscription callbacks that threw or rejected. */
  subscribers: number;
}

export const DEFAULT_IN_FLIGHT_LIMIT = 10;
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
export const DEFAULT_STOP_TIMEOUT_MS = 30_000;
export const DEFAULT_HOOK_TIMEOUT_MS = 30_000;

export abstract class CommissaireService implements Subscriber {
  /** The service's name: its configuration name and, by default, its queue. */
  abstract readonly name: string;
  readonly bus: Bus;
  readonly config: Record<string, unknown>;
  readonly inFlightLimit: number;
  readonly maxBodyBytes: number;
  readonly hookTimeoutMs: number;
  readonly #counts: ServiceFailures = { hooks: 0, timers: 0, subscribers: 0 };
  readonly #baseLogger: Logger;
  readonly #tasks = new Set<PeriodicTask>();
  readonly #subscriptions = new Set<Subscription>();
  #served: ServedQueue[] = [];
  #started = false;
  #metrics: ServiceMetrics | undefined;
  #health: HealthResponder | undefined;
  readonly #answerHealth: boolean;

  constructor(options: ServiceOptions) {
    this.bus = options.bus;
    this.config = options.config ?? {};
    this.#baseLogger = options.logger ?? this.bus.logger;
    this.inFlightLimit = options.inFlightLimit ?? DEFAULT_IN_FLIGHT_LIMIT;
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.hookTimeoutMs = options.hookTimeoutMs ?? DEFAULT_HOOK_TIMEOUT_MS;
    this.#answerHealth = options.answerHealth ?? true;
    if (!Number.isInteger(this.inFlightLimit) || this.inFlightLimit < 1) {
      throw new Error(`inFlightLimit must be a positive integer, got ${this.inFlightLimit}`);
    }
  }

  get logger(): Logger {
    return this.#baseLogger.child({ service: this.name });
  }

  /** Failures survived so far (each was logged with its error). */
  get failures(): Readonly<ServiceFailures> {
    return { ...this.#counts };
  }

  /** The queues this service consumes; by default one named after it, bound to `<name>.*`. */
  queues(): QueueDeclaration[] {
    return [{ name: this.name, routingKeys: [`${this.name}.*`] }];
  }

  /** Methods this service answers (its `on_<method>` handlers). */
  methods(): string[] {
    return handlerNames(this);
  }

  handlerFor(method: string): BoundHandler | undefined {
    return findHandler(this, method);
  }

  /**
   * A body on the service's queues that is a JSON object without `jsonrpc` (a bare record, not a
   * request): true when the service took it (it is then never answered). Not taken by default.
   */
  protected acceptRecord(
    _body: Record<string, unknown>,
    _routingKey: string,
  ): boolean | Promise<boolean> {
    return false;
  }

  /**
   * What this service depends on beyond the bus (its stores, etcd, container managers...): each
   * probe resolves (to an optional detail) when the dependency answers and throws when it does
   * not. Its health answer is "failing" when any probe fails. None by default.
   */
  protected healthProbes(): Record<string, HealthProbe> {
    return {};
  }

  /**
   * The service's own figures (hosts by status, operations running...): in its health answer and
   * as Prometheus metrics `commissaire_<name>_<figure>`. The names must be the same at every
   * call (read at every scrape); none by default.
   */
  figures(): Record<string, Figure> {
    return {};
  }

  /** This process's Prometheus registry and the kit's request figures (made on first use). */
  get metrics(): ServiceMetrics {
    this.#metrics ??= new ServiceMetrics({
      service: this.name,
      counters: () => this.bus.counters,
      inFlight: () => this.inFlight,
      figures: () => this.figures(),
    });
    return this.#metrics;
  }

  #healthResponder(): HealthResponder {
    this.#health ??= new HealthResponder(
      this.bus,
      {
        service: this.name,
        probes: () => this.healthProbes(),
        inFlight: () => this.inFlight,
        inFlightLimit: this.inFlightLimit,
        figures: () => this.figures(),
      },
      this.logger,
    );
    return this.#health;
  }

  /** What `health` answers: the probes (the bus first), the work in flight, the figures. */
  health(): Promise<HealthReport> {
    return this.#healthResponder().report();
  }

  /** Opens what the service needs (a connection, a cache) before it takes any request. */
  protected async onStart(): Promise<void> {}

  /**
   * Resolves when the service can do its work (the storage service: when its stores answer).
   * Requests are taken before, so callers get a clear error meanwhile; "service started" is
   * logged only once this resolves. Null (the default): ready as soon as it consumes.
   */
  protected ready(): Promise<void> | null {
    return null;
  }

  /** Closes what onStart opened; runs after the last request has finished or been put back. */
  protected async onStop(): Promise<void> {}

  /**
   * Runs fn every intervalMs while the service runs (see PeriodicTask: runs never overlap; a
   * failure is logged, counted and the task goes on). May be called before start, e.g. in the
   * constructor or onStart.
   */
  every(intervalMs: number, fn: PeriodicFn, options: EveryOptions = {}): Periodic {
    const task = new PeriodicTask(
      intervalMs,
      fn,
      options,
      (t, err) => {
        this.#counts.timers += 1;
        this.logger.error({ err, task: t.name }, "periodic task failed");
      },
      (t) => this.#tasks.delete(t),
    );
    this.#tasks.add(task);
    if (this.#started) task.start();
    return task;
  }

  /**
   * Listens on a binding key with a queue of its own, closed when the service stops. A callback
   * that throws or rejects is logged and counted; the subscription goes on.
   */
  async subscribe(bindingKey: string, callback: SubscriberCallback): Promise<Subscription> {
    const subscription = await this.bus.subscribe(bindingKey, async (body, delivery) => {
      try {
        await callback(body, delivery);
      } catch (err) {
        this.#counts.subscribers += 1;
        this.logger.error({ err, routingKey: delivery.routingKey }, "subscriber failed");
      }
    });
    const tracked: Subscription = {
      queue: subscription.queue,
      close: async () => {
        this.#subscriptions.delete(tracked);
        await subscription.close();
      },
    };
    this.#subscriptions.add(tracked);
    return tracked;
  }

  async #runHook(which: "onStart" | "onStop"): Promise<void> {
    const hook = which === "onStart" ? this.onStart() : this.onStop();
    await withDeadline(hook, this.hookTimeoutMs, `${this.name}: ${which}`);
  }

  /**
   * Runs onStart, declares the queues and starts consuming, then the periodic tasks. When onStart
   * fails the service does not take requests it could not serve: start() rejects with that error
   * (logged and counted) after closing what was opened, and the binary exits 1.
   */
  async start(): Promise<void> {
    if (this.#started) return;
    const logger = this.logger;
    try {
      await this.#runHook("onStart");
    } catch (err) {
      this.#counts.hooks += 1;
      logger.error({ err }, "onStart failed; the service does not start");
      await this.#closeSubscriptions();
      throw err;
    }
    this.#started = true;
    const metrics = this.metrics;
    const target = {
      bus: this.bus,
      logger,
      maxBodyBytes: this.maxBodyBytes,
      handlerFor: (m: string) => this.handlerFor(m),
      observe: (method: string, code: number | null, seconds: number) =>
        metrics.observe(method, code, seconds),
      ...(this.acceptRecord !== CommissaireService.prototype.acceptRecord
        ? { acceptRecord: (b: Record<string, unknown>, k: string) => this.acceptRecord(b, k) }
        : {}),
    };
    for (const q of this.queues()) {
      const spec = {
        name: q.name,
        bindings: q.routingKeys.map((routingKey) => ({ exchange: this.bus.exchange, routingKey })),
      };
      this.#served.push(
        await this.bus.serve(spec, (d) => dispatch(target, d), {
          prefetch: this.inFlightLimit,
          maxMessageBytes: this.maxBodyBytes,
        }),
      );
    }
    if (this.#answerHealth) await this.#healthResponder().start();
    for (const task of this.#tasks) task.start();
    const details = { queues: this.queues().map((q) => q.name), methods: this.methods() };
    const ready = this.ready();
    if (ready === null) logger.info(details, "service started");
    else
      void ready.then(
        () => this.#started && logger.info(details, "service started"),
        (err) => logger.error({ err }, "the service never became ready"),
      );
  }

  /** Handlers running now. */
  get inFlight(): number {
    return this.#served.reduce((n, s) => n + s.inFlight, 0);
  }

  async #closeSubscriptions(): Promise<void> {
    await Promise.all(
      [...this.#subscriptions].map((s) =>
        s.close().catch((err) => this.logger.warn({ err }, "subscription not closed")),
      ),
    );
  }

  /**
   * Graceful stop: stop the periodic tasks and consuming, let what is in flight finish (up to
   * timeoutMs) and acknowledge it, put back on the queue whatever could not finish, close the
   * service's subscriptions, then run onStop. The bus stays open (it belongs to the caller).
   */
  async stop(timeoutMs = DEFAULT_STOP_TIMEOUT_MS): Promise<StopResult> {
    const wasStarted = this.#started;
    this.#started = false;
    // Alongside the served queues, not before: draining starts at once (what is in flight may
    // finish in this very turn and must count as finished during the stop).
    const healthStopped = this.#health
      ?.stop()
      .catch((err) => this.logger.warn({ err }, "health queue not stopped"));
    const tasks = Promise.all([...this.#tasks].map((t) => t.stop()));
    const results = await Promise.all(this.#served.map((s) => s.stop(timeoutMs)));
    await healthStopped;
    this.#served = [];
    await withDeadline(tasks, timeoutMs, "periodic tasks").catch((err) =>
      this.logger.warn({ err: (err as Error).message }, "a periodic task is still running"),
    );
    await this.#closeSubscriptions();
    if (wasStarted) {
      await this.#runHook("onStop").catch((err) => {
        this.#counts.hooks += 1;
        this.logger.error({ err }, "onStop failed");
      });
    }
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
    const stopSignal = waitForStopSignal(this.logger);
    await this.start();
    const signal = await stopSignal;
    this.logger.info({ signal }, "stopping");
    const result = await this.stop(stopTimeoutMs);
    return result.clean ? 0 : 1;
  }
}
