/**
 * The AMQP baselines' client: requests with reply_to and correlation_id, one reply queue.
 * Transient: plain publishes to the default exchange. Durable: the broker work of a bus request
 * (bench/amqp-raw-server.ts), i.e. persistent, mandatory publishes on a topic exchange under
 * publisher confirms, the call counted as done when its reply arrives (as the bus does).
 */
import amqp from "amqplib";

export const RAW_DURABLE_EXCHANGE = "bench-raw";

export async function rawAmqpOp(
  url: string,
  queue: string,
  payload: string,
  durable = false,
): Promise<{ op: (i: number) => Promise<unknown>; close: () => Promise<void> }> {
  const connection = await amqp.connect(url, { noDelay: true });
  const channel = durable
    ? await connection.createConfirmChannel()
    : await connection.createChannel();
  const { queue: replies } = await channel.assertQueue("", { exclusive: true });
  const waiting = new Map<string, () => void>();
  await channel.consume(
    replies,
    (m) => {
      const id = String(m?.properties.correlationId);
      waiting.get(id)?.();
      waiting.delete(id);
    },
    { noAck: true },
  );
  const body = Buffer.from(payload);
  const failed = (err: unknown) => {
    if (err) process.stderr.write(`raw publish not confirmed: ${String(err)}\n`);
  };
  const send = durable
    ? (id: string) =>
        channel.publish(
          RAW_DURABLE_EXCHANGE,
          queue,
          body,
          { replyTo: replies, correlationId: id, persistent: true, mandatory: true },
          failed,
        )
    : (id: string) => channel.sendToQueue(queue, body, { replyTo: replies, correlationId: id });
  return {
    op: (i) =>
      new Promise<void>((resolve) => {
        const id = String(i);
        waiting.set(id, resolve);
        send(id);
      }),
    close: () => connection.close(),
  };
}
