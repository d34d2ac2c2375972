/**
 * The AMQP baselines' server: consume a request, publish it back to the queue its reply_to names
 * with its correlation id, ack. Plain amqplib, no framework, no JSON-RPC: the physical limit of an
 * AMQP request/reply on the same broker. argv: amqp URL, request queue, and `durable` for the
 * broker work of the bus's requests (a durable queue bound to a topic exchange, persistent
 * messages, replies under publisher confirms) instead of a transient queue without confirms.
 */
import amqp from "amqplib";
import { RAW_DURABLE_EXCHANGE } from "./amqp-raw-client.js";

const [url, queue, mode] = process.argv.slice(2) as [string, string, string | undefined];
const durable = mode === "durable";
const connection = await amqp.connect(url, { noDelay: true });
const channel = durable
  ? await connection.createConfirmChannel()
  : await connection.createChannel();
await channel.assertQueue(queue, { durable, autoDelete: false });
if (durable) {
  await channel.assertExchange(RAW_DURABLE_EXCHANGE, "topic", { durable: true });
  await channel.bindQueue(queue, RAW_DURABLE_EXCHANGE, queue);
}
await channel.prefetch(64);
await channel.consume(queue, (m) => {
  if (!m) return;
  channel.sendToQueue(String(m.properties.replyTo), m.content, {
    correlationId: m.properties.correlationId,
    persistent: durable,
  });
  channel.ack(m);
});
process.stdout.write("READY\n");
process.once("SIGTERM", () => {
  void connection.close().finally(() => process.exit(0));
});
