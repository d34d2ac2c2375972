/** Sends hand-made messages to a service, as a broken or foreign client would. */
import { randomUUID } from "node:crypto";
import { type Envelope, envelopePayload, makeEnvelope } from "../../src/bus/envelope.js";
import type { Bus } from "../../src/index.js";
import { waitFor } from "../../src/testing/index.js";

export interface RawReply {
  envelope: Envelope;
  body: any;
}

/** Publishes `payload` as is on `routingKey` with a reply queue of its own; resolves to the reply. */
export async function rawRequest(
  bus: Bus,
  routingKey: string,
  payload: string,
  options: { contentType?: string; timeoutMs?: number } = {},
): Promise<RawReply> {
  const name = `raw-reply-${randomUUID()}`;
  const spec = { name, bindings: [] };
  await bus.transport.declareQueue(spec);
  const replies: Envelope[] = [];
  const consumer = bus.transport.consume([name], (d) => replies.push(d.envelope), {
    prefetch: 1,
    noAck: true,
  });
  try {
    const envelope = makeEnvelope({
      payload,
      exchange: bus.exchange,
      routingKey,
      replyTo: name,
      ...(options.contentType ? { contentType: options.contentType } : {}),
    });
    await bus.transport.publish(bus.exchange, routingKey, envelope);
    const envelopeBack = await waitFor(() => replies[0], {
      timeoutMs: options.timeoutMs ?? 5000,
      what: `a reply on ${name}`,
    });
    return { envelope: envelopeBack, body: JSON.parse(envelopePayload(envelopeBack)) };
  } finally {
    await consumer.stop();
    await bus.transport.deleteQueue(spec);
  }
}
