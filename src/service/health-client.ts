/**
 * Asking for health: every process at once (`services.health`, one answer each, gathered for a
 * while), or one process by its routing key. What `commissaire services` and `commissaire doctor`
 * call.
 */
import { randomUUID } from "node:crypto";
import type { Bus } from "../bus/bus.js";
import { DEADLINE_HEADER } from "../bus/deadline.js";
import { envelopePayload, makeEnvelope } from "../bus/envelope.js";
import { encodeRequest } from "../bus/jsonrpc.js";
import { HEALTH_FANOUT_KEY, type HealthReport } from "./health.js";

export interface GatherOptions {
  /**
   * How long to collect answers (default 3 s, longer than a probe may take): processes that
   * answer later are not listed.
   */
  timeoutMs?: number;
  /** Return as soon as this many processes have answered. */
  expect?: number;
}

function isReport(value: unknown): value is HealthReport {
  if (typeof value !== "object" || value === null) return false;
  const r = value as Record<string, unknown>;
  return typeof r.service === "string" && typeof r.process === "string";
}

/** The health of every service process bound on the bus, by service then process. */
export async function gatherHealth(bus: Bus, options: GatherOptions = {}): Promise<HealthReport[]> {
  const timeoutMs = options.timeoutMs ?? 3000;
  const queue = { name: `health-replies-${randomUUID()}`, bindings: [], exclusive: true };
  const reports = new Map<string, HealthReport>();
  let enough: () => void = () => undefined;
  const gathered = new Promise<void>((resolve) => {
    enough = resolve;
  });
  await bus.transport.declareQueue(queue);
  const consumer = bus.transport.consume(
    [queue.name],
    (delivery) => {
      try {
        const reply = JSON.parse(envelopePayload(delivery.envelope)) as { result?: unknown };
        if (!isReport(reply.result)) return;
        reports.set(reply.result.routing_key, reply.result);
        if (options.expect !== undefined && reports.size >= options.expect) enough();
      } catch {
        // Not an answer of ours: nothing to list.
      }
    },
    { prefetch: 100, noAck: true },
  );
  const timer = setTimeout(enough, timeoutMs);
  try {
    const id = randomUUID();
    await bus.transport.publish(
      bus.exchange,
      HEALTH_FANOUT_KEY,
      makeEnvelope({
        payload: encodeRequest(id, "health", {}),
        exchange: bus.exchange,
        routingKey: HEALTH_FANOUT_KEY,
        replyTo: queue.name,
        correlationId: id,
        // A process that takes it later (its queue was left behind) drops it instead of answering.
        headers: { [DEADLINE_HEADER]: Date.now() + timeoutMs },
      }),
    );
    await gathered;
  } finally {
    clearTimeout(timer);
    await consumer.stop();
    await bus.transport.deleteQueue(queue);
  }
  return [...reports.values()].sort(
    (a, b) => a.service.localeCompare(b.service) || a.process.localeCompare(b.process),
  );
}

/** One process's health, by the routing key it answers on (`services.<service>.<process>.health`). */
export function processHealth(
  bus: Bus,
  routingKey: string,
  timeoutMs = 5000,
): Promise<HealthReport> {
  return bus.request<HealthReport>(routingKey, {}, { timeoutMs });
}
