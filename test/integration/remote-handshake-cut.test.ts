/**
 * A connection the server closes after its banner, mid key exchange or mid authentication (an
 * sshd killed by a reboot, or one turning connections away), fails the connect at once with a
 * RemoteError. ssh2 reports such a close as a plain "close" without an error and stops its
 * handshake timer, so a connect that only listened for errors would wait forever, and every later
 * connect to that host would share the stuck attempt.
 */
import assert from "node:assert/strict";
import { type AddressInfo, createServer, type Server } from "node:net";
import { test } from "node:test";
import ssh2 from "ssh2";
import { RemoteError } from "../../src/remote/errors.js";
import { SshPool } from "../../src/remote/pool.js";

const clientKey = Buffer.from(ssh2.utils.generateKeyPairSync("ed25519").private).toString("base64");
// Far beyond the test's own deadline: only the close itself can end the connect in time.
const CONNECT_TIMEOUT_MS = 60_000;
const ANSWER_WITHIN_MS = 10_000;

function target(server: Server | ssh2.Server) {
  return {
    address: "127.0.0.1",
    port: (server.address() as AddressInfo).port,
    sshPrivKey: clientKey,
    remoteUser: "someone",
    sshHostKey: "",
  };
}

/** The connect's outcome, or a failure of the test when it has none within the deadline. */
async function outcome(attempt: Promise<unknown>): Promise<unknown> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`the connect neither succeeded nor failed in ${ANSWER_WITHIN_MS} ms`)),
      ANSWER_WITHIN_MS,
    );
  });
  try {
    return await Promise.race([
      attempt.then(
        (value) => value,
        (err: unknown) => err,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs `body` with the server listening on loopback and a pool to reach it; closes both after. */
async function withServer(
  server: Server | ssh2.Server,
  body: (pool: SshPool) => Promise<void>,
): Promise<void> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const pool = new SshPool({ connectTimeoutMs: CONNECT_TIMEOUT_MS });
  try {
    await body(pool);
  } finally {
    await pool.close();
    await new Promise((resolve) => server.close(resolve));
  }
}

/** The connect failed as a lost connection does: a RemoteError of kind "unreachable". */
function assertCut(err: unknown): asserts err is RemoteError {
  assert.ok(err instanceof RemoteError, `a RemoteError, not ${String(err)}`);
  assert.equal(err.kind, "unreachable");
}

test("a server that closes after its banner, mid key exchange, fails the connect", async () => {
  const server = createServer((socket) => {
    socket.write("SSH-2.0-OpenSSH_9.2\r\n");
    socket.once("data", () => socket.end()); // the client's banner or KEXINIT: then gone
    socket.on("error", () => undefined);
  });
  await withServer(server, async (pool) => {
    const err = await outcome(pool.open(target(server)));
    assertCut(err);
    assert.match(err.message, /closed during the handshake/);
  });
});

test("a connection closed mid authentication fails, and the next connect to the host works", async () => {
  const hostKey = ssh2.utils.generateKeyPairSync("ed25519").private;
  let connections = 0;
  const server = new ssh2.Server({ hostKeys: [hostKey] }, (client) => {
    const first = ++connections === 1;
    client.on("authentication", (ctx) => (first ? client.end() : ctx.accept()));
    client.on("error", () => undefined);
  });
  await withServer(server, async (pool) => {
    assertCut(await outcome(pool.open(target(server))));
    const again = await outcome(pool.open(target(server)));
    assert.ok(!(again instanceof Error), `connected the second time, not ${String(again)}`);
    await (again as { close(): Promise<void> }).close();
    assert.equal(connections, 2);
  });
});
