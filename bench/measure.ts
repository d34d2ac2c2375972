/** A closed-loop load: `concurrency` callers each repeating an operation; latencies and throughput. */

export interface Measurement {
  operations: number;
  seconds: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  /** CPU time of this (client) process per operation, in microseconds. */
  clientCpuUsPerOp: number;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Runs `op` for warmupMs (discarded), then for durationMs, with `concurrency` loops in flight. */
export async function measure(
  op: (i: number) => Promise<unknown>,
  {
    concurrency,
    durationMs,
    warmupMs,
  }: { concurrency: number; durationMs: number; warmupMs: number },
): Promise<Measurement> {
  let counter = 0;
  const run = async (until: number, record: number[] | null) => {
    const loop = async () => {
      while (performance.now() < until) {
        const started = performance.now();
        await op(counter++);
        record?.push(performance.now() - started);
      }
    };
    await Promise.all(Array.from({ length: concurrency }, loop));
  };
  await run(performance.now() + warmupMs, null);
  const latencies: number[] = [];
  const cpu = process.cpuUsage();
  const started = performance.now();
  await run(started + durationMs, latencies);
  const seconds = (performance.now() - started) / 1000;
  const used = process.cpuUsage(cpu);
  const sorted = Float64Array.from(latencies).sort();
  return {
    operations: latencies.length,
    seconds,
    perSecond: latencies.length / seconds,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    clientCpuUsPerOp: (used.user + used.system) / Math.max(1, latencies.length),
  };
}
