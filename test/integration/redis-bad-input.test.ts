/** Bad input reaching a service on real Redis: answered, logged once, acknowledged, still serving. */
import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { after, before, test } from "node:test";
import { pino } from "pino";
import type { RedisTransport } from "../../src/bus/transports/redis/transport.js";
import { Bus } from "../../src/index.js";
import { waitFor } from "../../src/testing/index.js";
import { rawRequest } from "../helpers/raw.js";
import { RedisServer } from "../helpers/servers.js";
import { TestService } from "../helpers/test-service.js";

let server: RedisServer;
before(async () => {
  server = await RedisServer.start();
});
after(async () => {
  await server.destroy();
});

test("each bad message is answered with its code, logged once and acknowledged", async () => {
  const lines: any[] = [];
  const sink = new Writable({
    write(chunk, _enc, done) {
      for (const l of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  const logger = pino({ level: "debug" }, sink);
  const service = new TestService({
    bus: Bus.connect(server.url(), { logger }),
    name: "bad",
    maxBodyBytes: 64 * 1024,
  });
  await service.start();
  const client = Bus.connect(server.url());
  const probe = server.client();
  try {
    const cases: Array<[string, string, number, string?]> = [
      ["malformed JSON", '{"jsonrpc": "2.0", "id": 1, "method": ', -32700],
      ["a non-object body", '"just a string"', -32600],
      [
        "a wrong method for the routing key",
        JSON.stringify({ jsonrpc: "2.0", id: 2, method: "add", params: {} }),
        -32600,
      ],
      [
        "an unknown method",
        JSON.stringify({ jsonrpc: "2.0", id: 3, method: "missing", params: {} }),
        -32601,
      ],
      [
        "a pickle",
        "\x80\x04\x95\x05\x00\x00\x00\x00\x00\x00\x00K\x01.",
        -32700,
        "application/x-python-serialize",
      ],
      [
        "a huge body",
        JSON.stringify({
          jsonrpc: "2.0",
          id: 4,
          method: "echo",
          params: { words: "y".repeat(200_000) },
        }),
        -32600,
      ],
    ];
    for (const [what, payload, code, contentType] of cases) {
      const before = lines.length;
      const key =
        what === "an unknown method"
          ? "bad.missing"
          : what === "a huge body"
            ? "bad.echo"
            : "bad.ping";
      const reply = await rawRequest(client, key, payload, contentType ? { contentType } : {});
      assert.equal(reply.body.error.code, code, what);
      assert.equal(await client.request("bad.ping"), "pong", `still serving after ${what}`);
      const logged = lines.slice(before).filter((l) => l.level >= 40);
      assert.equal(logged.length, 1, `${what} logged once: ${JSON.stringify(logged)}`);
      assert.equal(logged[0].code, code);
      // The reply goes out before the acknowledgement: wait for the acknowledgement to land.
      const owner = (service.bus.transport as RedisTransport).owner;
      await waitFor(async () => (await probe.hlen(`_commissaire.inflight.${owner}`)) === 0, {
        what: `${what} to be acknowledged`,
      });
    }
  } finally {
    probe.disconnect();
    await client.close();
    await service.stop(500).finally(() => service.bus.close());
  }
});
