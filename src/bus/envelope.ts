/**
 * The kombu message envelope (WIRE.md section 2, "Envelope"): what is stored as a list element on
 * Redis and what the memory transport passes around, so both transports carry the same thing.
 */
import { randomUUID } from "node:crypto";

export interface DeliveryInfo {
  exchange: string;
  routing_key: string;
  redelivered?: boolean;
}

export interface EnvelopeProperties {
  reply_to?: string;
  correlation_id?: string;
  delivery_mode?: number;
  delivery_info: DeliveryInfo;
  priority?: number;
  body_encoding?: string;
  delivery_tag: string;
  [other: string]: unknown;
}

export interface Envelope {
  body: string;
  "content-encoding"?: string;
  "content-type"?: string;
  headers: Record<string, unknown>;
  properties: EnvelopeProperties;
}

export const JSON_CONTENT_TYPE = "application/json";
export const TEXT_CONTENT_TYPE = "text/plain";

/** 2 = persistent (requests, replies), 1 = transient (storage notifications), as kombu names it. */
export type DeliveryMode = 1 | 2;

export interface EnvelopeInput {
  payload: string;
  exchange: string;
  routingKey: string;
  contentType?: string;
  replyTo?: string;
  /** The JSON-RPC id of the request this answers (or asks), so an answer can be matched unread. */
  correlationId?: string;
  deliveryMode?: DeliveryMode;
  priority?: number;
  headers?: Record<string, unknown>;
}

export function makeEnvelope(input: EnvelopeInput): Envelope {
  const properties: EnvelopeProperties = {
    delivery_mode: input.deliveryMode ?? 2,
    delivery_info: { exchange: input.exchange, routing_key: input.routingKey },
    priority: input.priority ?? 0,
    body_encoding: "base64",
    delivery_tag: randomUUID(),
  };
  if (input.replyTo !== undefined) properties.reply_to = input.replyTo;
  if (input.correlationId !== undefined) properties.correlation_id = input.correlationId;
  return {
    body: Buffer.from(input.payload, "utf8").toString("base64"),
    "content-encoding": "utf-8",
    "content-type": input.contentType ?? JSON_CONTENT_TYPE,
    headers: input.headers ?? {},
    properties,
  };
}

/** The payload text of an envelope (kombu decodes base64 bodies; others are taken as they are). */
export function envelopePayload(envelope: Envelope): string {
  if (envelope.properties?.body_encoding === "base64") {
    return Buffer.from(envelope.body, "base64").toString("utf8");
  }
  return typeof envelope.body === "string" ? envelope.body : JSON.stringify(envelope.body);
}

/** The content type without parameters, lower-cased ("application/json; charset=x" -> "application/json"). */
export function contentTypeOf(envelope: Envelope): string {
  const raw = envelope["content-type"] ?? JSON_CONTENT_TYPE;
  return raw.split(";")[0]!.trim().toLowerCase();
}

/** Parses a stored list element; null when it is not an envelope at all. */
export function parseEnvelope(raw: string): Envelope | null {
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return null;
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) return null;
  const env = value as Partial<Envelope>;
  if (typeof env.properties !== "object" || env.properties === null) return null;
  env.headers ??= {};
  env.properties.delivery_info ??= { exchange: "", routing_key: "" };
  if (typeof env.body !== "string")
    env.body = env.body === undefined ? "" : JSON.stringify(env.body);
  return env as Envelope;
}

/** Marks an envelope as delivered before, the way kombu's restore does. */
export function markRedelivered(envelope: Envelope): Envelope {
  envelope.headers = { ...envelope.headers, redelivered: true };
  envelope.properties.delivery_info = { ...envelope.properties.delivery_info, redelivered: true };
  return envelope;
}

export function isRedelivered(envelope: Envelope): boolean {
  return (
    envelope.headers?.redelivered === true ||
    envelope.properties.delivery_info?.redelivered === true
  );
}

/**
 * Marks an envelope taken back from a consumer that died and counts it (header
 * x-commissaire-redeliveries); returns how many deliveries it has had so far.
 */
export function countRedelivery(envelope: Envelope): number {
  const before = Number(envelope.headers?.["x-commissaire-redeliveries"] ?? 0);
  const after = (Number.isFinite(before) ? before : 0) + 1;
  markRedelivered(envelope);
  envelope.headers["x-commissaire-redeliveries"] = after;
  // Each restore follows one delivery: the count is also the number of deliveries so far.
  return after;
}
