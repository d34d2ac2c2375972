/**
 * Health of one service process: what it depends on (probes: the bus, its stores, etcd, container
 * managers...), the work it has in flight and its own figures, as the `health` method answers it.
 *
 * Every process answers on a queue of its own (auto-deleted with the process), bound to two keys:
 *   `services.<service>.<process>.health`  one process, by its id (`commissaire services` lists
 *                                          it), e.g. services.storage.web1-4242.health;
 *   `services.health`                      every process of every service at once (a fan-out:
 *                                          each queue bound to it gets a copy, and every answer
 *                                          goes to the caller's reply queue).
 * Both end in the method name, as every routing key does (`storage.get`), so `bus.request` and
 * `commissaire call` reach one process like any other method. They start with `services.`, not
 * the service's name: kombu's `*` matches across dots, so `storage.*` would take
 * `storage.<process>.health` too.
 */
import { hostname } from "node:os";

/** The routing key every health queue is bound to: one request, one answer per process. */
export const HEALTH_FANOUT_KEY = "services.health";
/** How long a probe may take before it counts as failing. */
export const PROBE_TIMEOUT_MS = 1500;

/** Resolves (optionally to a few words of detail) when the dependency answers; throws when not. */
export type HealthProbe = () => Promise<string | undefined> | string | undefined;

export interface ProbeResult {
  name: string;
  ok: boolean;
  /** What failed, or a detail of the success ("3 stores"). */
  detail?: string;
  ms: number;
}

/** A figure a service reports in its health answer and as a Prometheus gauge (or counter). */
export interface Figure {
  help: string;
  /** One number, or numbers by a label value (hosts by status). */
  value: number | Record<string, number>;
  /** The label name when value is by label (default "status"). */
  label?: string;
  /** "gauge" (default) or "counter" (only ever grows; its name ends in _total). */
  type?: "gauge" | "counter";
}

export type HealthStatus = "ok" | "failing";

export interface HealthReport {
  service: string;
  /** This process's id: `<host>-<pid>-<tag>` (the third word of its health routing key). */
  process: string;
  routing_key: string;
  host: string;
  pid: number;
  version: string;
  started_at: string;
  uptime_s: number;
  /** "ok" when every probe answered. */
  status: HealthStatus;
  probes: ProbeResult[];
  in_flight: number;
  in_flight_limit?: number;
  figures: Record<string, number | Record<string, number>>;
}

/** A routing-key word for this process: the host name and pid, dots and other symbols dashed. */
export function processId(pid: number = process.pid, host: string = hostname()): string {
  return `${host.replace(/[^A-Za-z0-9_-]+/g, "-")}-${pid}`;
}

export function healthRoutingKey(service: string, process: string): string {
  return `services.${service}.${process}.health`;
}

/** Runs every probe at once, each within PROBE_TIMEOUT_MS. */
export async function runProbes(
  probes: Record<string, HealthProbe>,
  timeoutMs = PROBE_TIMEOUT_MS,
): Promise<ProbeResult[]> {
  return Promise.all(
    Object.entries(probes).map(async ([name, probe]): Promise<ProbeResult> => {
      const started = performance.now();
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      });
      try {
        const detail = await Promise.race([Promise.resolve().then(probe), late]);
        return { name, ok: true, ...(detail ? { detail } : {}), ms: elapsed(started) };
      } catch (err) {
        const detail = err instanceof Error ? err.message : String(err);
        return { name, ok: false, detail, ms: elapsed(started) };
      } finally {
        clearTimeout(timer);
      }
    }),
  );
}

const elapsed = (started: number): number => Math.round((performance.now() - started) * 10) / 10;

/** The figures' values as the health answer carries them. */
export function figureValues(
  figures: Record<string, Figure>,
): Record<string, number | Record<string, number>> {
  return Object.fromEntries(Object.entries(figures).map(([k, f]) => [k, f.value]));
}
