/**
 * The amqp transport's batching, on stand-ins for an amqplib channel and socket: acknowledgements
 * settled together go as one multiple ack that never covers an unsettled delivery,
 * and what one muxer pass writes leaves in one socket write.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ChannelModel, Message } from "amqplib";
import { AckBatch } from "../../src/bus/transports/amqp/acks.js";
import { batchWrites } from "../../src/bus/transports/amqp/write-batch.js";

const message = (tag: number) => ({ fields: { deliveryTag: tag } }) as unknown as Message;
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

function recordingChannel() {
  const sent: string[] = [];
  return {
    sent,
    channel: {
      ack: (m: Message, allUpTo?: boolean) =>
        sent.push(`${allUpTo ? "ack-up-to" : "ack"} ${m.fields.deliveryTag}`),
      nack: (m: Message, _allUpTo?: boolean, requeue?: boolean) =>
        sent.push(`nack ${m.fields.deliveryTag}${requeue ? " requeue" : ""}`),
    },
  };
}

test("acks settled together go as one multiple ack, before amqplib's next write", async () => {
  const { sent, channel } = recordingChannel();
  const acks = new AckBatch(channel, assert.fail);
  const messages = [1, 2, 3, 4].map(message);
  for (const m of messages) acks.delivered(m);
  // amqplib writes what its channels queued on a setImmediate scheduled at the handlers' first
  // publish (their replies): the ack must be queued by then, to leave in the same write.
  let atWrite: string[] = [];
  setImmediate(() => {
    atWrite = [...sent];
  });
  for (const m of messages) acks.ack(m);
  assert.deepEqual(sent, [], "nothing is sent at once");
  await nextTurn();
  assert.deepEqual(atWrite, ["ack-up-to 4"]);
  assert.deepEqual(sent, ["ack-up-to 4"]);
});

test("a multiple ack stops before an unsettled delivery; those behind it are acked alone", async () => {
  const { sent, channel } = recordingChannel();
  const acks = new AckBatch(channel, assert.fail);
  const messages = [1, 2, 3, 4, 5].map(message);
  for (const m of messages) acks.delivered(m);
  // 3 is still being handled (a long handler): it must not be acknowledged, and must not hold
  // back 4 and 5.
  for (const tag of [1, 2, 4, 5]) acks.ack(messages[tag - 1]!);
  await nextTurn();
  assert.deepEqual(sent, ["ack-up-to 2", "ack 4", "ack 5"]);
  acks.ack(messages[2]!);
  await nextTurn();
  // 4 and 5 are already acknowledged: acknowledging them again would close the channel.
  assert.deepEqual(sent.slice(3), ["ack-up-to 3"]);
});

test("a rejection goes at once and is never covered by a later multiple ack", async () => {
  const { sent, channel } = recordingChannel();
  const acks = new AckBatch(channel, assert.fail);
  const messages = [1, 2, 3].map(message);
  for (const m of messages) acks.delivered(m);
  acks.ack(messages[0]!);
  acks.nack(messages[2]!, false);
  assert.deepEqual(sent, ["nack 3"]);
  acks.ack(messages[1]!);
  await nextTurn();
  assert.deepEqual(sent, ["nack 3", "ack-up-to 2"]);
});

test("flush sends what is settled at once; after close nothing is sent", async () => {
  const { sent, channel } = recordingChannel();
  const acks = new AckBatch(channel, assert.fail);
  const [one, two] = [message(1), message(2)];
  acks.delivered(one);
  acks.delivered(two);
  acks.ack(one);
  acks.flush();
  assert.deepEqual(sent, ["ack-up-to 1"]);
  acks.close();
  acks.ack(two);
  acks.flush();
  await nextTurn();
  assert.deepEqual(sent, ["ack-up-to 1"]);
});

test("a channel closed under the batch is reported, not thrown", async () => {
  const errors: Error[] = [];
  const acks = new AckBatch(
    {
      ack: () => {
        throw new Error("Channel closed");
      },
      nack: () => undefined,
    },
    (err) => errors.push(err),
  );
  const m = message(1);
  acks.delivered(m);
  acks.ack(m);
  await nextTurn();
  assert.deepEqual(
    errors.map((e) => e.message),
    ["Channel closed"],
  );
});

test("what one muxer pass writes leaves in one socket write", () => {
  const writes: string[][] = [];
  let corked = 0;
  let buffered: string[] = [];
  const socket = {
    cork: () => {
      corked += 1;
    },
    uncork: () => {
      corked -= 1;
      if (corked === 0 && buffered.length) writes.push(buffered);
      buffered = [];
    },
    write: (chunk: string) => {
      if (corked) buffered.push(chunk);
      else writes.push([chunk]);
      return true;
    },
  };
  const muxer = {
    _readIncoming() {
      for (const frame of ["publish 1", "publish 2", "ack-up-to 2"]) socket.write(frame);
    },
  };
  const model = { connection: { muxer, stream: socket } } as unknown as ChannelModel;
  assert.equal(batchWrites(model), true);
  muxer._readIncoming();
  assert.deepEqual(writes, [["publish 1", "publish 2", "ack-up-to 2"]]);
});

test("an amqplib of another shape is left as it is", () => {
  const model = { connection: { stream: {} } } as unknown as ChannelModel;
  assert.equal(batchWrites(model), false);
});
