/**
 * Large replies on a real redis-server: a result that is JSON text already (a storage list) goes
 * out as one pre-encoded PUSH_REPLY command, arrives whole, and leaves the connection in step with
 * the commands around it; after SCRIPT FLUSH it is sent the ordinary way.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import type { Redis } from "ioredis";
import { Bus } from "../../src/bus/bus.js";
import { envelopePayload, parseEnvelope } from "../../src/bus/envelope.js";
import { JsonPieces } from "../../src/bus/json-pieces.js";
import { EncodedJson } from "../../src/bus/jsonrpc.js";
import type { RedisTransport } from "../../src/bus/transports/redis/transport.js";
import { CommissaireService } from "../../src/index.js";
import { RedisServer } from "../helpers/servers.js";

const DB = 9;

class ListService extends CommissaireService {
  readonly name = "bigreply";
  records: string[] = [];
  on_list(): EncodedJson {
    return EncodedJson.array(this.records);
  }
  on_ping(): string {
    return "pong";
  }
}

let server: RedisServer;
let probe: Redis;
before(async () => {
  server = await RedisServer.start();
  probe = server.client(DB);
});
after(async () => {
  probe.disconnect();
  await server.destroy();
});

test("a list result of ~500 KB arrives whole, with the calls around it answered in step", async () => {
  const service = new ListService({ bus: Bus.connect(server.url(DB)) });
  service.records = Array.from({ length: 1500 }, (_, i) =>
    JSON.stringify({ address: `10.0.${i >> 8}.${i & 255}`, note: `é€ ${"x".repeat(300)}`, n: i }),
  );
  await service.start();
  const client = Bus.connect(server.url(DB));
  try {
    const expected = service.records.map((r) => JSON.parse(r));
    const answers = await Promise.all([
      client.request("bigreply.ping"),
      client.request("bigreply.list"),
      client.request("bigreply.ping"),
      client.request("bigreply.list"),
      client.request("bigreply.ping"),
    ]);
    assert.deepEqual(answers, ["pong", expected, "pong", expected, "pong"]);
    // A Redis that forgot the reply script (restarted, flushed): answered all the same.
    await probe.script("FLUSH");
    assert.deepEqual(await client.request("bigreply.list"), expected);
    assert.equal(await client.request("bigreply.ping"), "pong");
  } finally {
    await client.close();
    await service.stop(1000);
    await service.bus.close();
  }
});

test("a large reply is one LPUSH of kombu's envelope with its TTL, as an ordinary reply", async () => {
  const bus = Bus.connect(server.url(DB));
  try {
    const pieces = Array.from({ length: 800 }, (_, i) => `{"n":${i},"s":"${"z".repeat(400)}"}`);
    const text = new JsonPieces(["[", pieces.join(","), "]"]);
    await bus.reply("response-large", text, "corr-1");
    assert.equal(await probe.llen("response-large"), 1);
    // Its chunks are back in the transport's pool once Redis has answered, for the next one.
    const pool = (bus.transport as RedisTransport).chunks;
    const spare = pool.size;
    assert.ok(spare >= 6, `${spare} chunks in the pool`);
    await bus.reply("response-large-2", text, "corr-2");
    assert.equal(pool.size, spare);
    const [one, two] = [
      await probe.lindex("response-large", 0),
      await probe.rpop("response-large-2"),
    ];
    assert.equal(envelopePayload(parseEnvelope(two!)!), envelopePayload(parseEnvelope(one!)!));
    const ttl = await probe.pttl("response-large");
    assert.ok(ttl > 0 && ttl <= 120_000, `ttl ${ttl}`);
    const raw = (await probe.rpop("response-large"))!;
    const envelope = parseEnvelope(raw)!;
    assert.equal(envelopePayload(envelope), String(text));
    assert.equal(envelope["content-type"], "text/plain");
    assert.equal(envelope.properties.correlation_id, "corr-1");
    assert.deepEqual(envelope.properties.delivery_info, {
      exchange: "",
      routing_key: "response-large",
    });
    // Compact JSON, members in the order every other envelope of ours has them.
    assert.equal(raw, JSON.stringify(envelope));
  } finally {
    await bus.close();
  }
});
