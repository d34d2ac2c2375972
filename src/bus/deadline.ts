/**
 * Request deadlines (docs/wire-extensions.md): a request with a reply_to carries
 * `headers["x-commissaire-deadline"]`, the Unix time in ms after which its caller no longer waits.
 * A request past its deadline never reaches a handler. A message without the header (Python
 * callers send none) or without a reply_to (a notification) never expires.
 */
import type { Envelope } from "./envelope.js";

export const DEADLINE_HEADER = "x-commissaire-deadline";

/** The deadline of a message, or undefined when it has none that applies. */
export function deadlineOf(envelope: Envelope): number | undefined {
  const replyTo = envelope.properties?.reply_to;
  if (typeof replyTo !== "string" || replyTo === "") return undefined;
  const value = envelope.headers?.[DEADLINE_HEADER];
  const ms = typeof value === "string" ? Number(value) : value;
  return typeof ms === "number" && Number.isFinite(ms) ? ms : undefined;
}

/** True when the message has a deadline and it has passed. */
export function isExpired(envelope: Envelope, now = Date.now()): boolean {
  const deadline = deadlineOf(envelope);
  return deadline !== undefined && now > deadline;
}
