/**
 * The rolling policy of an operation: batch sizes, how many host failures are tolerated, and
 * whether a batch waits for the previous one to finish (lockstep) or a slot frees as each host
 * ends (sliding). From the service's configuration, each member overridable per call.
 */
import { RemoteProcedureCallError } from "../../bus/errors.js";

export type BatchSize = number | `${number}%`;

export interface RollingPolicy {
  /** Sizes of the successive batches; the last one repeats until every host had its turn. */
  batches: BatchSize[];
  /** Failures tolerated before the operation stops: a count, or a percentage of the hosts. */
  max_failures: number | `${number}%`;
  mode: "lockstep" | "sliding";
}

export const DEFAULT_POLICY: RollingPolicy = { batches: [1], max_failures: 0, mode: "lockstep" };

const INVALID_PARAMS = -32602;

function bad(what: string, value: unknown, expected: string): RemoteProcedureCallError {
  return new RemoteProcedureCallError(
    INVALID_PARAMS,
    `${what} must be ${expected}; got ${JSON.stringify(value)}`,
  );
}

function countOrPercent(what: string, value: unknown, min: number): number | `${number}%` {
  if (typeof value === "number" && Number.isInteger(value) && value >= min) return value;
  if (typeof value === "string") {
    const m = /^(\d+(?:\.\d+)?)%$/.exec(value.trim());
    if (m && Number(m[1]) > 0 && Number(m[1]) <= 100) return `${Number(m[1])}%`;
    if (/^\d+$/.test(value.trim()) && Number(value) >= min) return Number(value);
  }
  return (() => {
    throw bad(what, value, `an integer >= ${min} or a percentage such as "20%"`);
  })();
}

/** The policy: configuration member `rolling` under the call's overrides; bad values are -32602. */
export function readPolicy(
  config: unknown,
  overrides: { batches?: unknown; max_failures?: unknown; mode?: unknown },
): RollingPolicy {
  const base = typeof config === "object" && config !== null ? config : {};
  const merged = { ...DEFAULT_POLICY, ...base, ...definedOnly(overrides) } as Record<
    string,
    unknown
  >;
  let batches = merged.batches;
  if (typeof batches === "string") batches = batches.split(",").filter((b) => b.trim() !== "");
  if (typeof batches === "number") batches = [batches];
  if (!Array.isArray(batches) || batches.length === 0)
    throw bad("batches", merged.batches, 'a non-empty list of sizes such as [1, 5, "20%"]');
  const sizes = batches.map((b) => countOrPercent("a batch size", b, 1) as BatchSize);
  const max = countOrPercent("max_failures", merged.max_failures, 0);
  if (merged.mode !== "lockstep" && merged.mode !== "sliding")
    throw bad("mode", merged.mode, '"lockstep" or "sliding"');
  return { batches: sizes, max_failures: max, mode: merged.mode };
}

function definedOnly(o: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined && v !== null));
}

function resolve(size: number | `${number}%`, total: number, min: number): number {
  if (typeof size === "number") return size;
  return Math.max(min, Math.floor((Number.parseFloat(size) / 100) * total));
}

/** The hosts split into batches by the policy's sizes (the last size repeating). */
export function planBatches(hosts: string[], policy: RollingPolicy): string[][] {
  const out: string[][] = [];
  let i = 0;
  while (i < hosts.length) {
    const size = policy.batches[Math.min(out.length, policy.batches.length - 1)]!;
    const n = resolve(size, hosts.length, 1);
    out.push(hosts.slice(i, i + n));
    i += n;
  }
  return out;
}

/** Failures tolerated for this many hosts (0: the first failure stops the operation). */
export function failureLimit(policy: RollingPolicy, total: number): number {
  return resolve(policy.max_failures, total, 0);
}
