import assert from "node:assert/strict";
import { test } from "node:test";
import { keyToPattern, matchesPattern, routeBindings } from "../../src/bus/topic.js";
import { consumeKeys, priorityKey, queueOfKey } from "../../src/bus/transports/redis/keys.js";

test("binding keys become kombu's regexes", () => {
  assert.equal(keyToPattern("storage.*"), "^storage\\..*?[^\\.]$");
  assert.equal(keyToPattern("notify.#"), "^notify\\..*?$");
  assert.equal(keyToPattern("a-b.c"), "^a\\-b\\.c$");
  assert.equal(keyToPattern("x\0y"), "^x\\000y$");
  assert.equal(keyToPattern("ünï"), "^ünï$");
});

test("kombu's matching quirks are kept", () => {
  const m = (key: string, rk: string) => matchesPattern(keyToPattern(key), rk);
  assert.ok(m("storage.*", "storage.get"));
  assert.ok(m("storage.*", "storage.a.b"), "kombu's * also spans dots");
  assert.ok(!m("storage.*", "storage."));
  assert.ok(!m("notify.#", "notify"), "kombu's # needs the dot before it");
  assert.ok(m("notify.#", "notify."));
  assert.ok(m("#", ""));
  assert.ok(m("a-b.c", "a-b.c") && !m("a-b.c", "a-bxc"));
  assert.ok(m("x\0y", "x\0y"));
});

test("direct bindings (no pattern) compare keys; queues are reported once", () => {
  const table = [
    { routingKey: "q", pattern: "", queue: "q" },
    { routingKey: "a.*", pattern: keyToPattern("a.*"), queue: "one" },
    { routingKey: "a.#", pattern: keyToPattern("a.#"), queue: "one" },
  ];
  assert.deepEqual(routeBindings(table, "q"), ["q"]);
  assert.deepEqual(routeBindings(table, "a.b"), ["one"]);
  assert.deepEqual(routeBindings(table, "qq"), []);
});

test("priority buckets and consumption order are kombu's", () => {
  assert.equal(priorityKey("q", 0), "q");
  assert.equal(priorityKey("q", 2), "q");
  assert.equal(priorityKey("q", 3), "q\x06\x163");
  assert.equal(priorityKey("q", 8), "q\x06\x166");
  assert.equal(priorityKey("q", 12), "q\x06\x169");
  assert.deepEqual(consumeKeys(["a", "b"]), [
    "a",
    "b",
    "a\x06\x163",
    "b\x06\x163",
    "a\x06\x166",
    "b\x06\x166",
    "a\x06\x169",
    "b\x06\x169",
  ]);
  assert.equal(queueOfKey("a\x06\x166"), "a");
});
