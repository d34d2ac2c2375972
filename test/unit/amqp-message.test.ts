/**
 * The amqp transport publishes the Bus's messages straight from their parts (messageOf): what goes
 * on the wire must be exactly what publishing their envelope would send (kombu reads it).
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { type MessageInput, makeEnvelopeOf } from "../../src/bus/envelope-bytes.js";
import { JsonPieces } from "../../src/bus/json-pieces.js";
import { messageOf, toAmqp } from "../../src/bus/transports/amqp/message.js";

const inputs: MessageInput[] = [
  // A request: JSON, persistent, reply queue, correlation id and deadline header.
  {
    payload: '{"jsonrpc": "2.0", "id": "7", "method": "echo", "params": {"text": "héllo"}}',
    exchange: "commissaire",
    routingKey: "bench.echo",
    replyTo: "response-1",
    correlationId: "7",
    headers: { "x-commissaire-deadline": 1_700_000_000_000 },
  },
  // A reply: text/plain to the default exchange.
  {
    payload: '{"jsonrpc": "2.0", "id": "7", "result": "ok"}',
    exchange: "",
    routingKey: "response-1",
    contentType: "text/plain",
    correlationId: "7",
  },
  // A storage notification: transient, with a priority.
  {
    payload: '{"event": "created"}',
    exchange: "commissaire",
    routingKey: "notify.storage.Host.created",
    deliveryMode: 1,
    priority: 3,
  },
  // A large reply in pieces.
  {
    payload: new JsonPieces(['{"jsonrpc": "2.0", "id": 1, "result": "', "x".repeat(70_000), '"}']),
    exchange: "",
    routingKey: "response-2",
    contentType: "text/plain",
  },
];

test("a message made from its parts is the one its envelope would have made", () => {
  for (const input of inputs) {
    const direct = messageOf(input);
    const viaEnvelope = toAmqp(makeEnvelopeOf(input));
    assert.deepEqual(direct.options, viaEnvelope.options, input.routingKey);
    assert.ok(direct.content.equals(viaEnvelope.content), `${input.routingKey}: same body bytes`);
  }
});
