/** The AMQP baseline's client: requests with reply_to and correlation_id, one reply queue. */
import amqp from "amqplib";

export async function rawAmqpOp(
  url: string,
  queue: string,
  payload: string,
): Promise<{ op: (i: number) => Promise<unknown>; close: () => Promise<void> }> {
  const connection = await amqp.connect(url, { noDelay: true });
  const channel = await connection.createChannel();
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
  return {
    op: (i) =>
      new Promise<void>((resolve) => {
        const id = String(i);
        waiting.set(id, resolve);
        channel.sendToQueue(queue, body, { replyTo: replies, correlationId: id });
      }),
    close: () => connection.close(),
  };
}
