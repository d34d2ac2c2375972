/** `commissaire call --timeout` is honoured within half a second, with the bus up or unreachable. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BIN, run } from "../helpers/cli.js";
import { freePort, RedisServer } from "../helpers/servers.js";

let server: RedisServer;
let startup = 0;
before(async () => {
  server = await RedisServer.start();
  // What starting the binary costs on this machine, measured the same way.
  const started = Date.now();
  const version = await run(BIN.commissaire, ["--version"]);
  assert.equal(version.code, 0);
  startup = Date.now() - started;
});
after(async () => {
  await server.destroy();
});

async function timedCall(uri: string, timeoutS: number) {
  const started = Date.now();
  const result = await run(BIN.commissaire, [
    "call",
    "silent.method",
    "--timeout",
    String(timeoutS),
    "--bus-uri",
    uri,
  ]);
  return { ...result, elapsed: Date.now() - started };
}

test("a bound queue nobody answers: exit 3 after the timeout, not later", async () => {
  const probe = server.client(0);
  await probe.sadd(
    "_kombu.binding.commissaire",
    "silent.*\x06\x16^silent\\..*?[^\\.]$\x06\x16silent",
  );
  probe.disconnect();
  const r = await timedCall(server.url(0), 1);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /no reply to "silent.method" within 1000 ms/);
  assert.ok(r.elapsed < 1000 + 500 + startup, `took ${r.elapsed} ms (startup ${startup} ms)`);
});

test("an unreachable bus: exit 3 after the timeout, not later", async () => {
  const r = await timedCall(`redis://127.0.0.1:${await freePort()}/0`, 1);
  assert.equal(r.code, 3, r.stderr);
  assert.ok(r.elapsed < 1000 + 500 + startup, `took ${r.elapsed} ms (startup ${startup} ms)`);
});
