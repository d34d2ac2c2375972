/**
 * The client authenticates with its key at once: an SSH server in this process (ssh2's server
 * mode, on loopback) records every method the client tries. A "none" attempt first would cost
 * every connection a round trip.
 */
import assert from "node:assert/strict";
import type { AddressInfo } from "node:net";
import { test } from "node:test";
import ssh2 from "ssh2";
import { SshPool } from "../../src/remote/pool.js";

test("the first and only authentication the client tries is its public key", async () => {
  const hostKey = ssh2.utils.generateKeyPairSync("ed25519").private;
  const clientKey = ssh2.utils.generateKeyPairSync("ed25519").private;
  const tried: string[] = [];
  const server = new ssh2.Server({ hostKeys: [hostKey] }, (client) => {
    client.on("authentication", (ctx) => {
      tried.push(ctx.method);
      // The key's check (no signature yet) and then its signed request are both accepted.
      if (ctx.method === "publickey") ctx.accept();
      else ctx.reject(["publickey"]);
    });
    client.on("error", () => undefined);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const pool = new SshPool({ connectTimeoutMs: 5000 });
  try {
    const ex = await pool.open({
      address: "127.0.0.1",
      port: (server.address() as AddressInfo).port,
      sshPrivKey: Buffer.from(clientKey).toString("base64"),
      remoteUser: "someone",
      sshHostKey: "",
    });
    await ex.close();
    assert.ok(tried.length > 0, "the server saw the client authenticate");
    assert.deepEqual([...new Set(tried)], ["publickey"]);
  } finally {
    await pool.close();
    await new Promise((resolve) => server.close(resolve));
  }
});
