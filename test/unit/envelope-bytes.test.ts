import assert from "node:assert/strict";
import { test } from "node:test";
import { ByteChunks, CHUNK_BYTES, ChunkPool } from "../../src/bus/byte-chunks.js";
import { envelopePayload, makeEnvelope } from "../../src/bus/envelope.js";
import { encodeEnvelope, envelopeBytes, makeEnvelopeOf } from "../../src/bus/envelope-bytes.js";
import { JsonPieces } from "../../src/bus/json-pieces.js";
import { EncodedJson, encodeResult } from "../../src/bus/jsonrpc.js";
import { PreEncodedCommand } from "../../src/bus/transports/redis/large-reply.js";

const reply = { exchange: "", routingKey: "response-1", contentType: "text/plain" as const };

/** Records of every awkward kind: multi-byte UTF-8, escapes, and one larger than a base64 block. */
function records(count: number): string[] {
  return Array.from({ length: count }, (_, i) =>
    JSON.stringify(
      i === 7
        ? { address: "big", facts: "y".repeat(3 * CHUNK_BYTES + 1) }
        : { address: `10.0.0.${i}`, note: `${"é€😀".repeat(i % 5)}"\\\n`, n: i },
    ),
  );
}

test("an envelope made from pieces is stored byte for byte as JSON.stringify writes the same envelope", () => {
  for (const count of [0, 1, 2, 3, 50, 1000]) {
    const response = encodeResult("id-1", EncodedJson.array(records(count)));
    assert.ok(response instanceof JsonPieces);
    const made = makeEnvelopeOf({ ...reply, payload: response, correlationId: "id-1" });
    // The same envelope made the old way, from the joined text, with the same delivery tag.
    const plain = makeEnvelope({ ...reply, payload: String(response), correlationId: "id-1" });
    plain.properties.delivery_tag = made.properties.delivery_tag;
    const stored = encodeEnvelope(made);
    assert.ok(Buffer.isBuffer(stored));
    assert.equal(stored.toString("utf8"), JSON.stringify(plain), `${count} records`);
    assert.equal(envelopeBytes(made)!.size, stored.length);
    // And whoever reads it as an ordinary envelope gets the same body and payload.
    assert.equal(made.body, plain.body);
    assert.equal(JSON.stringify(made), JSON.stringify(plain));
    assert.equal(envelopePayload(made), String(response));
  }
});

test("a base64 length that is not a multiple of a block ends with the right padding", () => {
  for (let n = 0; n < 8; n++) {
    const text = `"${"a".repeat(3 * 16 * 1024 - 2 + n)}"`;
    const made = makeEnvelopeOf({ ...reply, payload: new JsonPieces([text]) });
    const parsed = JSON.parse(String(encodeEnvelope(made)));
    assert.equal(Buffer.from(parsed.body, "base64").toString("utf8"), text);
    assert.equal(parsed.body, Buffer.from(text).toString("base64"));
  }
});

test("envelopes made from a string, or whose body was replaced, are stored as JSON text", () => {
  const fromString = makeEnvelopeOf({ ...reply, payload: '{"a":1}' });
  assert.equal(envelopeBytes(fromString), undefined);
  assert.equal(encodeEnvelope(fromString), JSON.stringify(fromString));
  const replaced = makeEnvelopeOf({ ...reply, payload: new JsonPieces(['{"a":', "1}"]) });
  replaced.body = Buffer.from('{"b":2}').toString("base64");
  assert.equal(envelopeBytes(replaced), undefined);
  assert.equal(envelopePayload(JSON.parse(String(encodeEnvelope(replaced)))), '{"b":2}');
});

test("byte chunks split one-byte text anywhere and keep UTF-8 text whole", () => {
  const out = new ByteChunks();
  out.latin1("a".repeat(CHUNK_BYTES - 1));
  out.utf8("€€"); // 6 bytes: does not fit the first chunk's last byte, starts the next one
  out.latin1("b".repeat(CHUNK_BYTES + 10));
  out.utf8("z".repeat(CHUNK_BYTES + 1)); // larger than a chunk: a buffer of its own
  const chunks = out.finish();
  assert.ok(chunks.every((c) => c.length <= CHUNK_BYTES + 1));
  assert.equal(chunks[0]!.length, CHUNK_BYTES - 1);
  assert.equal(
    Buffer.concat(chunks).toString("utf8"),
    `${"a".repeat(CHUNK_BYTES - 1)}€€${"b".repeat(CHUNK_BYTES + 10)}${"z".repeat(CHUNK_BYTES + 1)}`,
  );
});

test("a pre-encoded command writes its leading chunks to the socket, corked, and returns the last", () => {
  const chunks = [Buffer.from("*1\r\n"), Buffer.from("$4\r\n"), Buffer.from("PING\r\n")];
  const calls: string[] = [];
  const socket = {
    write: (b: Buffer) => calls.push(`write ${b.toString()}`) > 0,
    cork: () => calls.push("cork"),
    uncork: () => calls.push("uncork"),
  };
  const last = new PreEncodedCommand("ping", chunks).toWritable(socket);
  assert.equal(last.toString(), "PING\r\n");
  assert.deepEqual(calls, ["cork", "write *1\r\n", "write $4\r\n"]);
  // Given anything but a socket (an ioredis pipeline), the whole command in one buffer.
  const joined = new PreEncodedCommand("ping", chunks).toWritable({ isPipeline: true, write() {} });
  assert.equal(joined.toString(), "*1\r\n$4\r\nPING\r\n");
  return new Promise<void>((resolve) =>
    process.nextTick(() => {
      assert.equal(calls.at(-1), "uncork");
      resolve();
    }),
  );
});

test("a pool keeps the chunks of many large replies sent at once", () => {
  const pool = new ChunkPool();
  // 16 lists of 1,000 hosts answered at once: about 7 chunks each.
  const replies = Array.from({ length: 16 }, () => {
    const bytes = new ByteChunks(pool);
    bytes.latin1("h".repeat(7 * CHUNK_BYTES - 10));
    bytes.finish();
    return bytes;
  });
  for (const bytes of replies) bytes.release();
  assert.equal(pool.size, 16 * 7);
});

test("chunks from a pool go back to it when released, and the next bytes reuse them", () => {
  const pool = new ChunkPool(8);
  const first = new ByteChunks(pool);
  first.latin1("a".repeat(3 * CHUNK_BYTES));
  const written = first.finish();
  assert.equal(pool.size, 0);
  first.release();
  assert.equal(pool.size, 3);
  const second = new ByteChunks(pool);
  second.latin1("b".repeat(CHUNK_BYTES + 1));
  const again = second.finish();
  assert.equal(pool.size, 1);
  // The same memory, written anew.
  assert.ok(again.some((c) => written.some((w) => w.buffer === c.buffer)));
  assert.equal(Buffer.concat(again).toString("latin1"), "b".repeat(CHUNK_BYTES + 1));
  second.release();
  assert.equal(pool.size, 3);
  // A pool keeps no more than it was told to.
  const big = new ByteChunks(pool);
  big.latin1("c".repeat(12 * CHUNK_BYTES));
  big.finish();
  big.release();
  assert.equal(pool.size, 8);
});
