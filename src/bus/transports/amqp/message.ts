/**
 * Envelopes (the kombu message shape the Bus works with) to and from AMQP messages, as kombu's
 * py-amqp transport sends them: the body as raw bytes (no base64 on the wire), the content type
 * and encoding, headers, delivery mode, priority, reply_to and correlation_id as AMQP properties.
 */
import type { Message } from "amqplib";
import { type Envelope, type EnvelopeProperties, JSON_CONTENT_TYPE } from "../../envelope.js";
import type { MessageInput } from "../../envelope-bytes.js";
import { REDELIVERIES_HEADER } from "../../transport.js";

/** The properties we publish (publisher.ts sends exactly these). */
export interface PublishOptions {
  headers?: Record<string, unknown>;
  contentType?: string;
  contentEncoding?: string;
  deliveryMode?: number;
  priority?: number;
  replyTo?: string;
  correlationId?: string;
  messageId?: string;
}

export interface AmqpMessage {
  content: Buffer;
  options: PublishOptions;
}

/**
 * Where a message published again straight to its queue was first published (the routing key
 * names the method called): kept in headers, and read back as the delivery's own.
 */
export const ORIGIN_EXCHANGE_HEADER = "x-commissaire-exchange";
export const ORIGIN_ROUTING_KEY_HEADER = "x-commissaire-routing-key";

/** The exchange and routing key a message was first published with. */
export function originOf(message: Pick<Message, "fields" | "properties">): {
  exchange: string;
  routingKey: string;
} {
  const h = message.properties.headers ?? {};
  const exchange = h[ORIGIN_EXCHANGE_HEADER];
  const routingKey = h[ORIGIN_ROUTING_KEY_HEADER];
  if (typeof exchange === "string" && typeof routingKey === "string")
    return { exchange, routingKey };
  return { exchange: message.fields.exchange, routingKey: message.fields.routingKey };
}

export function toAmqp(envelope: Envelope): AmqpMessage {
  const p = envelope.properties;
  const content =
    p.body_encoding === "base64"
      ? Buffer.from(envelope.body, "base64")
      : Buffer.from(envelope.body, "utf8");
  const options: PublishOptions = { headers: envelope.headers };
  if (envelope["content-type"]) options.contentType = envelope["content-type"];
  if (envelope["content-encoding"]) options.contentEncoding = envelope["content-encoding"];
  if (typeof p.delivery_mode === "number") options.deliveryMode = p.delivery_mode;
  if (typeof p.priority === "number") options.priority = p.priority;
  if (typeof p.reply_to === "string") options.replyTo = p.reply_to;
  if (typeof p.correlation_id === "string") options.correlationId = p.correlation_id;
  return { content, options };
}

/**
 * The AMQP message of `toAmqp(makeEnvelopeOf(input))`, made straight from its parts: the payload's
 * bytes are the body, with no base64 text made on the way to be decoded again.
 */
export function messageOf(input: MessageInput): AmqpMessage {
  const { payload } = input;
  const content = typeof payload === "string" ? Buffer.from(payload, "utf8") : payload.toBuffer();
  const options: PublishOptions = {
    headers: input.headers ?? {},
    contentType: input.contentType ?? JSON_CONTENT_TYPE,
    contentEncoding: "utf-8",
    deliveryMode: input.deliveryMode ?? 2,
    priority: input.priority ?? 0,
  };
  if (input.replyTo !== undefined) options.replyTo = input.replyTo;
  if (input.correlationId !== undefined) options.correlationId = input.correlationId;
  return { content, options };
}

/** Content encodings whose bodies are handed over as text (what envelopePayload would decode). */
const TEXT_ENCODINGS = new Set(["utf-8", "utf8"]);

/**
 * The envelope of a delivered message. A UTF-8 body (kombu's JSON, our requests and replies) is
 * given as its text, which is what decoding it from base64 would give: no base64 on the way in
 * and out again for every reader. Any other body is base64, as kombu's virtual transports keep it.
 */
export function fromAmqp(message: Message, tag: string): Envelope {
  const props = message.properties;
  const origin = originOf(message);
  const text =
    typeof props.contentEncoding === "string" &&
    TEXT_ENCODINGS.has(props.contentEncoding.toLowerCase());
  const properties: EnvelopeProperties = {
    delivery_info: {
      exchange: origin.exchange,
      routing_key: origin.routingKey,
      redelivered: message.fields.redelivered,
    },
    delivery_tag: tag,
  };
  if (!text) properties.body_encoding = "base64";
  if (typeof props.deliveryMode === "number") properties.delivery_mode = props.deliveryMode;
  if (typeof props.priority === "number") properties.priority = props.priority;
  if (typeof props.replyTo === "string") properties.reply_to = props.replyTo;
  if (typeof props.correlationId === "string") properties.correlation_id = props.correlationId;
  const envelope: Envelope = {
    body: message.content.toString(text ? "utf8" : "base64"),
    headers: { ...(props.headers ?? {}) },
    properties,
  };
  if (typeof props.contentType === "string") envelope["content-type"] = props.contentType;
  if (typeof props.contentEncoding === "string")
    envelope["content-encoding"] = props.contentEncoding;
  return envelope;
}

/** Deliveries to consumers that died, as counted so far in the header. */
export function redeliveriesOf(message: Pick<Message, "properties">): number {
  const value = Number(message.properties.headers?.[REDELIVERIES_HEADER] ?? 0);
  return Number.isFinite(value) && value > 0 ? value : 0;
}

/** The same message with new headers, to publish again straight to a queue. */
export function republished(
  message: Pick<Message, "content" | "properties" | "fields">,
  headers: Record<string, unknown>,
): AmqpMessage {
  const p = message.properties;
  const origin = originOf(message);
  const options: PublishOptions = {
    headers: {
      ...(p.headers ?? {}),
      ...headers,
      [ORIGIN_EXCHANGE_HEADER]: origin.exchange,
      [ORIGIN_ROUTING_KEY_HEADER]: origin.routingKey,
    },
  };
  if (p.contentType) options.contentType = p.contentType;
  if (p.contentEncoding) options.contentEncoding = p.contentEncoding;
  if (typeof p.deliveryMode === "number") options.deliveryMode = p.deliveryMode;
  if (typeof p.priority === "number") options.priority = p.priority;
  if (p.replyTo) options.replyTo = p.replyTo;
  if (p.correlationId) options.correlationId = p.correlationId;
  if (p.messageId) options.messageId = p.messageId;
  return { content: message.content, options };
}
