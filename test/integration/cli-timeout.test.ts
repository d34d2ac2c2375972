/**
 * `commissaire call --timeout` is honoured within half a second, with the bus up or unreachable:
 * the timeout error comes when the timeout is over, and the process ends right after it (closing
 * the bus never adds more than half a second). Startup time, which load makes noisy, is not counted.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { BIN, run } from "../helpers/cli.js";
import { freePort, RedisServer, startProcess } from "../helpers/servers.js";

let server: RedisServer;
before(async () => {
  server = await RedisServer.start();
});
after(async () => {
  await server.destroy();
});

// Closing the bus is bounded by 250 ms; the check allows more so that a loaded 2-core machine
// does not fail it, and still catches the old behaviour (10 s of retries after the timeout).
const EXIT_WITHIN_MS = 2000;

/** Runs `call`, noting when the timeout error was printed and when the process exited. */
function timedCall(uri: string, timeoutS: number) {
  return new Promise<{ code: number | null; stderr: string; errorAt: number; exitAt: number }>(
    (resolve) => {
      const child = startProcess(process.execPath, [
        BIN.commissaire,
        "call",
        "silent.method",
        "--timeout",
        String(timeoutS),
        "--bus-uri",
        uri,
      ]);
      let stderr = "";
      let errorAt = Number.NaN;
      child.stderr!.on("data", (d) => {
        stderr += d;
        if (Number.isNaN(errorAt) && stderr.includes("no reply to")) errorAt = Date.now();
      });
      child.once("exit", (code) => resolve({ code, stderr, errorAt, exitAt: Date.now() }));
    },
  );
}

test("a bound queue nobody answers: exit 3 right after the timeout", async () => {
  const probe = server.client(0);
  await probe.sadd(
    "_kombu.binding.commissaire",
    "silent.*\x06\x16^silent\\..*?[^\\.]$\x06\x16silent",
  );
  probe.disconnect();
  const r = await timedCall(server.url(0), 1);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /no reply to "silent.method" within 1000 ms/);
  assert.ok(
    r.exitAt - r.errorAt < EXIT_WITHIN_MS,
    `exited ${r.exitAt - r.errorAt} ms after the timeout`,
  );
});

test("an unreachable bus: exit 3 right after the timeout", async () => {
  const r = await timedCall(`redis://127.0.0.1:${await freePort()}/0`, 1);
  assert.equal(r.code, 3, r.stderr);
  assert.match(r.stderr, /no reply to "silent.method" within 1000 ms/);
  assert.ok(
    r.exitAt - r.errorAt < EXIT_WITHIN_MS,
    `exited ${r.exitAt - r.errorAt} ms after the timeout`,
  );
});

test("commissaire services with the bus unreachable: exit 3 naming the bus and the cause", async () => {
  const uri = `redis://127.0.0.1:${await freePort()}/0`;
  const r = await run(BIN.commissaire, ["services", "--bus-uri", uri, "--wait", "1"]);
  assert.equal(r.code, 3, r.stderr);
  assert.match(
    r.stderr,
    new RegExp(`cannot connect to ${uri.replace(/[.]/g, "\\.")}: .*ECONNREFUSED`),
  );
});
