/**
 * The bus the services use, reached as they reach it, and the storage service answering on it
 * (every other service needs it), and every service process that answers `health` on it (as
 * `commissaire services` lists them): one line for each process whose probes fail.
 */
import { Bus } from "../../bus/bus.js";
import { redactUri } from "../../bus/transports/index.js";
import { gatherHealth } from "../../service/health-client.js";
import { type Finding, ok, problem, reason } from "./finding.js";

export interface BusTarget {
  uri: string;
  exchange: string;
}

/** Checks run on an open bus; each returns findings of its own. */
export type BusCheck = (bus: Bus, timeoutMs: number) => Promise<Finding[]>;

async function storageAnswers(bus: Bus, timeoutMs: number): Promise<Finding[]> {
  const subject = "storage service";
  try {
    const handlers = await bus.request<{ name: string }[]>(
      "storage.list_store_handlers",
      {},
      { timeoutMs },
    );
    return [
      ok(subject, `answers on the bus (store handlers: ${handlers.map((h) => h.name).join(", ")})`),
    ];
  } catch (err) {
    return [problem(subject, `no answer on the bus: ${reason(err)}`)];
  }
}

/** Each failing process named with its failing probes; one line for all the healthy ones. */
async function processesHealthy(bus: Bus, timeoutMs: number): Promise<Finding[]> {
  const reports = await gatherHealth(bus, { timeoutMs: Math.min(timeoutMs, 3000) });
  const failing = reports.filter((r) => r.status !== "ok");
  const findings = failing.map((r) =>
    problem(
      `${r.service} process ${r.process}`,
      `unhealthy: ${r.probes
        .filter((p) => !p.ok)
        .map((p) => `${p.name}: ${p.detail ?? "failed"}`)
        .join("; ")}`,
    ),
  );
  const healthy = reports.length - failing.length;
  // Python services answer no health request, so none answering is not a problem in itself.
  findings.push(ok("service processes", `${healthy} healthy of ${reports.length} that answered`));
  return findings;
}

export function serviceChecks(storageConfigured: boolean): BusCheck[] {
  return storageConfigured ? [storageAnswers, processesHealthy] : [processesHealthy];
}

export async function checkBus(
  target: BusTarget,
  checks: BusCheck[],
  timeoutMs: number,
): Promise<Finding[]> {
  const subject = `bus ${redactUri(target.uri)}`;
  let bus: Bus;
  try {
    bus = await Bus.open(target.uri, { exchange: target.exchange, connectTimeoutMs: timeoutMs });
  } catch (err) {
    return [problem(subject, reason(err))];
  }
  try {
    const findings = [ok(subject, "reachable")];
    for (const check of checks) findings.push(...(await check(bus, timeoutMs)));
    return findings;
  } finally {
    await bus.close(250);
  }
}
