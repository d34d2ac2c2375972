/**
 * The AMQP baseline's server: consume a request, publish it back to the queue its reply_to names
 * with its correlation id, ack. Plain amqplib, no framework, no JSON-RPC, no confirms: the
 * physical limit of an AMQP request/reply on the same broker. argv: amqp URL, request queue.
 */
import amqp from "amqplib";

const [url, queue] = process.argv.slice(2) as [string, string];
const connection = await amqp.connect(url, { noDelay: true });
const channel = await connection.createChannel();
await channel.assertQueue(queue, { durable: false, autoDelete: false });
await channel.prefetch(64);
await channel.consume(queue, (m) => {
  if (!m) return;
  channel.sendToQueue(String(m.properties.replyTo), m.content, {
    correlationId: m.properties.correlationId,
  });
  channel.ack(m);
});
process.stdout.write("READY\n");
process.once("SIGTERM", () => {
  void connection.close().finally(() => process.exit(0));
});
