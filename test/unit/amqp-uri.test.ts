/** amqp:// and amqps:// bus URIs: what the transport reads from them, and clear errors. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { envelopePayload, makeEnvelope } from "../../src/bus/envelope.js";
import { BusUriError } from "../../src/bus/errors.js";
import { fromAmqp, toAmqp } from "../../src/bus/transports/amqp/message.js";
import { parseAmqpUri } from "../../src/bus/transports/amqp/uri.js";
import { createTransport } from "../../src/bus/transports/index.js";

test("the vhost and credentials pass through; heartbeat defaults to 10 s", () => {
  const { url, tls } = parseAmqpUri("amqp://svc:pa%40ss@rabbit.example:5672/prod%2Fa");
  const parsed = new URL(url);
  assert.equal(parsed.username, "svc");
  assert.equal(parsed.password, "pa%40ss");
  assert.equal(parsed.pathname, "/prod%2Fa");
  assert.equal(parsed.searchParams.get("heartbeat"), "10");
  assert.equal(tls, undefined);
  assert.equal(
    new URL(parseAmqpUri("amqp://h/?heartbeat=30").url).searchParams.get("heartbeat"),
    "30",
  );
});

test("amqps:// reads its TLS files at once; a bad option is a clear error", () => {
  const dir = mkdtempSync(join(tmpdir(), "amqp-uri-"));
  try {
    writeFileSync(join(dir, "ca.pem"), "CA");
    const { url, tls } = parseAmqpUri(
      `amqps://h:5671/?ssl_ca_certs=${join(dir, "ca.pem")}&ssl_cert_reqs=none`,
    );
    assert.equal(tls?.ca?.toString(), "CA");
    assert.equal(tls?.rejectUnauthorized, false);
    assert.equal(new URL(url).searchParams.has("ssl_ca_certs"), false);
    assert.throws(
      () => parseAmqpUri(`amqps://h/?ssl_certfile=${join(dir, "nope.pem")}`),
      /ssl_certfile=.*cannot be read/,
    );
    assert.throws(() => parseAmqpUri("amqp://h/?ssl_ca_certs=/x"), /need the amqps:\/\/ scheme/);
    assert.throws(
      () => parseAmqpUri("amqp://h/?heartbeat=soon"),
      /heartbeat must be a whole number/,
    );
    assert.throws(() => createTransport("amqp://h/?heartbeat=soon"), BusUriError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("an envelope crosses AMQP as kombu sends it: raw body, properties, headers", () => {
  const envelope = makeEnvelope({
    payload: '{"jsonrpc": "2.0", "id": "1", "method": "ping"}',
    exchange: "commissaire",
    routingKey: "svc.ping",
    replyTo: "response-1",
    correlationId: "1",
    headers: { "x-commissaire-deadline": 5 },
  });
  const { content, options } = toAmqp(envelope);
  assert.equal(content.toString(), '{"jsonrpc": "2.0", "id": "1", "method": "ping"}');
  assert.deepEqual(
    { ...options },
    {
      headers: { "x-commissaire-deadline": 5 },
      contentType: "application/json",
      contentEncoding: "utf-8",
      deliveryMode: 2,
      priority: 0,
      replyTo: "response-1",
      correlationId: "1",
    },
  );
  const back = fromAmqp(
    {
      content,
      fields: {
        deliveryTag: 1,
        redelivered: false,
        exchange: "commissaire",
        routingKey: "svc.ping",
      },
      properties: { ...options, headers: options.headers } as never,
    },
    "1.1",
  );
  assert.equal(envelopePayload(back), '{"jsonrpc": "2.0", "id": "1", "method": "ping"}');
  assert.equal(back.properties.reply_to, "response-1");
  assert.equal(back.properties.delivery_info.routing_key, "svc.ping");
});

test("a delivered body reads the same as text or bytes: UTF-8 as text, anything else byte-exact", () => {
  const delivered = (content: Buffer, contentEncoding?: string) =>
    fromAmqp(
      {
        content,
        fields: { deliveryTag: 1, redelivered: false, exchange: "", routingKey: "q" },
        properties: { headers: {}, ...(contentEncoding ? { contentEncoding } : {}) } as never,
      },
      "1.1",
    );
  // Invalid UTF-8 decodes as base64-then-UTF-8 would (replacement characters), not otherwise.
  const text = Buffer.concat([Buffer.from('{"a": "é"}'), Buffer.from([0xff])]);
  for (const encoding of ["utf-8", "UTF-8", "utf8"])
    assert.equal(envelopePayload(delivered(text, encoding)), text.toString("utf8"));
  const binary = Buffer.from([0x80, 0x04, 0x95, 0x00, 0xff]); // a pickle's first bytes
  for (const encoding of ["binary", undefined]) {
    const envelope = delivered(binary, encoding);
    assert.equal(envelope.properties.body_encoding, "base64");
    assert.deepEqual(Buffer.from(envelope.body, "base64"), binary);
  }
});
