/**
 * ServiceManager: N worker processes of one service. A worker that dies is started again (with
 * backoff, logged); SIGTERM/SIGINT stops them all gracefully; the exit code says whether every
 * worker stopped cleanly.
 */
import { type ChildProcess, fork } from "node:child_process";
import { constants } from "node:os";
import type { Logger } from "../base/logger.js";
import { MetricsServer, type MetricsSettings } from "./metrics-server.js";
import { waitForStopSignal } from "./signals.js";
import { aggregateWorkers } from "./worker-metrics.js";

/** Set in a worker's environment: the same program then runs one service instead of a manager. */
export const WORKER_ENV = "COMMISSAIRE_WORKER";

export interface ServiceManagerOptions {
  /** The program each worker runs (usually the service's own bin). */
  script: string;
  args?: string[];
  count: number;
  logger: Logger;
  /** Restart delay: doubles from initial to max; reset once a worker has lived for max. */
  backoffInitialMs?: number;
  backoffMaxMs?: number;
  /** After this, workers still running at stop are killed (SIGKILL). */
  stopTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  /** Serve the workers' metrics, summed, on this port (the workers open none). */
  metrics?: MetricsSettings;
}

/** How a worker ended: its exit code, or the signal that killed it (then code is 128 + its number). */
export interface WorkerExit {
  code: number;
  signal: NodeJS.Signals | null;
}

interface Worker {
  slot: number;
  child: ChildProcess;
  startedAt: number;
  exited: Promise<WorkerExit>;
}

/** The exit as log fields: `{code}` or `{signal, code}`, so "killed by SIGKILL" is never a bare 137. */
export function exitFields(exit: WorkerExit): Record<string, unknown> {
  return exit.signal ? { signal: exit.signal, code: exit.code } : { code: exit.code };
}

export class ServiceManager {
  private readonly workers = new Map<number, Worker>();
  private readonly failures = new Map<number, number>();
  private readonly restartTimers = new Set<NodeJS.Timeout>();
  private stopping = false;
  private readonly options: Required<Omit<ServiceManagerOptions, "env" | "metrics">> & {
    env?: NodeJS.ProcessEnv;
    metrics?: MetricsSettings;
  };

  constructor(options: ServiceManagerOptions) {
    if (!Number.isInteger(options.count) || options.count < 1) {
      throw new Error(`the number of workers must be a positive integer, got ${options.count}`);
    }
    this.options = {
      args: [],
      backoffInitialMs: 500,
      backoffMaxMs: 30_000,
      stopTimeoutMs: 35_000,
      ...options,
    };
  }

  /** PIDs of the workers running now. */
  pids(): number[] {
    return [...this.workers.values()].map((w) => w.child.pid!).filter(Boolean);
  }

  start(): void {
    for (let slot = 0; slot < this.options.count; slot++) this.spawn(slot);
  }

  private spawn(slot: number): void {
    const child = fork(this.options.script, this.options.args, {
      env: { ...process.env, ...this.options.env, [WORKER_ENV]: String(slot) },
      stdio: "inherit",
    });
    const exited = new Promise<WorkerExit>((resolve) => {
      child.once("exit", (code, signal) =>
        resolve({
          code: code ?? (signal ? 128 + (constants.signals[signal] ?? 0) : 1),
          signal: code === null ? signal : null,
        }),
      );
    });
    const worker: Worker = { slot, child, startedAt: Date.now(), exited };
    this.workers.set(slot, worker);
    this.options.logger.info({ slot, pid: child.pid }, "worker started");
    void exited.then((code) => this.onExit(worker, code));
  }

  private onExit(worker: Worker, exit: WorkerExit): void {
    if (this.workers.get(worker.slot) === worker) this.workers.delete(worker.slot);
    if (this.stopping) {
      this.options.logger.info(
        { slot: worker.slot, pid: worker.child.pid, ...exitFields(exit) },
        exit.signal ? `worker stopped by ${exit.signal}` : "worker stopped",
      );
      return;
    }
    const lived = Date.now() - worker.startedAt;
    const failures =
      lived >= this.options.backoffMaxMs ? 1 : (this.failures.get(worker.slot) ?? 0) + 1;
    this.failures.set(worker.slot, failures);
    const delay = Math.min(
      this.options.backoffMaxMs,
      this.options.backoffInitialMs * 2 ** (failures - 1),
    );
    this.options.logger.warn(
      { slot: worker.slot, pid: worker.child.pid, ...exitFields(exit), restartInMs: delay },
      exit.signal
        ? `worker killed by ${exit.signal}; restarting`
        : "worker exited unexpectedly; restarting",
    );
    const timer = setTimeout(() => {
      this.restartTimers.delete(timer);
      if (!this.stopping) this.spawn(worker.slot);
    }, delay);
    this.restartTimers.add(timer);
  }

  /** Stops every worker gracefully (SIGTERM), killing those still running after the timeout. */
  async stop(): Promise<number> {
    this.stopping = true;
    for (const t of this.restartTimers) clearTimeout(t);
    this.restartTimers.clear();
    const workers = [...this.workers.values()];
    for (const w of workers) w.child.kill("SIGTERM");
    const killTimer = setTimeout(() => {
      for (const w of workers) {
        if (w.child.exitCode === null && w.child.signalCode === null) {
          this.options.logger.error(
            { slot: w.slot, pid: w.child.pid },
            "worker did not stop in time; killed",
          );
          w.child.kill("SIGKILL");
        }
      }
    }, this.options.stopTimeoutMs);
    const exits = await Promise.all(workers.map((w) => w.exited));
    clearTimeout(killTimer);
    const clean = exits.every((e) => e.code === 0);
    this.options.logger.info({ clean }, "all workers stopped");
    return clean ? 0 : 1;
  }

  /** Every live worker's metrics, summed (see worker-metrics.ts). */
  async metrics(): Promise<{ contentType: string; text: string; answered: number }> {
    return aggregateWorkers([...this.workers.values()].map((w) => w.child));
  }

  /**
   * Starts the workers (and the metrics port, when asked for) and runs until SIGTERM/SIGINT;
   * resolves to the exit code.
   */
  async run(): Promise<number> {
    const stopSignal = waitForStopSignal(this.options.logger);
    let metricsServer: MetricsServer | undefined;
    if (this.options.metrics) {
      metricsServer = new MetricsServer(() => this.metrics(), this.options.logger);
      await metricsServer.listen(this.options.metrics);
    }
    this.start();
    const signal = await stopSignal;
    this.options.logger.info({ signal }, "stopping all workers");
    const code = await this.stop();
    await metricsServer?.close();
    return code;
  }
}
