/**
 * A periodic task of a service (`service.every(ms, fn)`): runs never overlap (the next run is
 * scheduled when the previous one ends, at the interval's pace, never in a burst to catch up),
 * optional jitter spreads processes that started together, and stop() cancels what is scheduled
 * and waits for the run in progress. A failing run is reported and the task goes on.
 */

export interface EveryOptions {
  /** Up to this many ms are added at random to each wait (default 0). */
  jitterMs?: number;
  /** Run once at start instead of waiting one interval first (default false). */
  immediate?: boolean;
  /** Named in logs (default "every <ms> ms"). */
  name?: string;
}

/** What a run receives: aborted when the service stops, so a long run can end early. */
export type PeriodicFn = (signal: AbortSignal) => unknown;

export interface Periodic {
  readonly name: string;
  /** Runs started so far. */
  readonly runs: number;
  /** Runs that threw or rejected. */
  readonly failures: number;
  /** Stops this task for good (the service's other tasks go on). */
  cancel(): Promise<void>;
}

export class PeriodicTask implements Periodic {
  readonly name: string;
  runs = 0;
  failures = 0;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private controller: AbortController | undefined;
  private active = false;
  private cancelled = false;

  constructor(
    private readonly intervalMs: number,
    private readonly fn: PeriodicFn,
    private readonly options: EveryOptions,
    private readonly onFailure: (task: PeriodicTask, err: unknown) => void,
    private readonly onCancel: (task: PeriodicTask) => void,
  ) {
    if (!Number.isFinite(intervalMs) || intervalMs <= 0)
      throw new RangeError(
        `every(): the interval must be a positive number of ms, got ${intervalMs}`,
      );
    const jitter = options.jitterMs ?? 0;
    if (!Number.isFinite(jitter) || jitter < 0)
      throw new RangeError(`every(): jitterMs must be 0 or more, got ${jitter}`);
    this.name = options.name ?? `every ${intervalMs} ms`;
  }

  private jitter(): number {
    return Math.random() * (this.options.jitterMs ?? 0);
  }

  private schedule(delayMs: number): void {
    if (!this.active) return;
    this.timer = setTimeout(() => this.fire(), Math.max(0, delayMs));
  }

  private fire(): void {
    this.timer = undefined;
    if (!this.active) return;
    const startedAt = Date.now();
    this.runs += 1;
    this.controller = new AbortController();
    const signal = this.controller.signal;
    this.running = (async () => {
      try {
        await this.fn(signal);
      } catch (err) {
        this.failures += 1;
        this.onFailure(this, err);
      }
    })().finally(() => {
      this.running = undefined;
      this.schedule(this.intervalMs - (Date.now() - startedAt) + this.jitter());
    });
  }

  /** Begins the schedule (at service start). */
  start(): void {
    if (this.active || this.cancelled) return;
    this.active = true;
    this.schedule((this.options.immediate ? 0 : this.intervalMs) + this.jitter());
  }

  /** Ends the schedule and waits for the run in progress (at service stop). */
  async stop(): Promise<void> {
    this.active = false;
    clearTimeout(this.timer);
    this.timer = undefined;
    this.controller?.abort();
    await this.running;
  }

  async cancel(): Promise<void> {
    this.cancelled = true;
    this.onCancel(this);
    await this.stop();
  }
}
