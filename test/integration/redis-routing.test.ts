/**
 * Routing on Redis: the Lua publish script, the JavaScript fallback and Python's re.match (what
 * kombu does) agree on which queues every routing key reaches.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { after, before, describe, test } from "node:test";
import type { Redis } from "ioredis";
import { makeEnvelope } from "../../src/bus/envelope.js";
import { keyToPattern } from "../../src/bus/topic.js";
import { RedisTransport } from "../../src/bus/transports/redis/transport.js";
import { PYTHON } from "../helpers/kombu-peer.js";
import { RedisServer } from "../helpers/servers.js";

const BINDINGS = [
  "storage.*",
  "notify.storage.#",
  "notify.storage.*.created",
  "#",
  "*",
  "a-b.c",
  "ü.*",
  "x.#.y",
  "jobs.*.*",
];
// `a*b.c` stores the regex ^a*b\.c$ (a bare quantifier): outside what the Lua script translates.
const UNTRANSLATABLE = "a*b.c";
const ROUTING_KEYS = [
  "storage.get",
  "storage.a.b",
  "storage",
  "storage.",
  "notify",
  "notify.storage",
  "notify.storage.Host.created",
  "notify.storage.Host.deleted",
  "a-b.c",
  "ab.c",
  "aab.c",
  "b.c",
  "ü.x",
  "x.y",
  "x.a.b.y",
  "jobs.clusterexec.upgrade",
  "jobs.x",
  "",
  "plain",
];

function pythonRoutes(bindings: string[], keys: string[]): string[][] {
  const program = `
import json, re, sys
from kombu.transport.virtual.exchange import TopicExchange
bindings, keys = json.load(sys.stdin)
ex = TopicExchange(None)
print(json.dumps([[b for b in bindings if re.match(ex.key_to_pattern(b), k)] for k in keys]))
`;
  return JSON.parse(
    execFileSync(PYTHON, ["-c", program], { input: JSON.stringify([bindings, keys]) }).toString(),
  );
}

describe("routing by stored bindings on Redis", () => {
  let server: RedisServer;
  let probe: Redis;
  before(async () => {
    server = await RedisServer.start();
    probe = server.client(0);
  });
  after(async () => {
    probe.disconnect();
    await server.destroy();
  });

  for (const [label, bindings] of [
    ["the Lua script", BINDINGS],
    ["the JavaScript fallback", [...BINDINGS, UNTRANSLATABLE]],
  ] as const) {
    test(`${label} routes as kombu does`, async () => {
      const exchange = `ex-${label.length}`;
      const transport = new RedisTransport(server.url(0));
      try {
        await transport.declareExchange(exchange, "topic");
        const queueOf = (b: string) => `${exchange}:${b}`;
        for (const b of bindings)
          await transport.declareQueue({
            name: queueOf(b),
            bindings: [{ exchange, routingKey: b }],
          });
        const expected = pythonRoutes([...bindings], ROUTING_KEYS);
        for (const [i, key] of ROUTING_KEYS.entries()) {
          const { queues: count } = await transport.publish(
            exchange,
            key,
            makeEnvelope({ payload: "{}", exchange, routingKey: key }),
          );
          const reached: string[] = [];
          for (const b of bindings) {
            if ((await probe.llen(queueOf(b))) > 0) reached.push(b);
            await probe.del(queueOf(b));
          }
          assert.deepEqual(reached.sort(), [...expected[i]!].sort(), `routing key "${key}"`);
          assert.equal(count, reached.length);
        }
        assert.equal(keyToPattern(UNTRANSLATABLE), "^a*b\\.c$");
        const fallback = (bindings as readonly string[]).includes(UNTRANSLATABLE);
        assert.equal(transport.fallbackRoutes, fallback ? ROUTING_KEYS.length : 0);
      } finally {
        await transport.close();
      }
    });
  }
});
