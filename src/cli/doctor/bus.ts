/**
 * The bus the services use, reached as they reach it, and the storage service answering on it
 * (every other service needs it). Per-service health (each process's own `health` method,
 * `commissaire services`) plugs in at `serviceChecks` once services answer one.
 */
import { Bus } from "../../bus/bus.js";
import { redactUri } from "../../bus/transports/index.js";
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

export function serviceChecks(storageConfigured: boolean): BusCheck[] {
  return storageConfigured ? [storageAnswers] : [];
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
