/** Waits until an SSH server on address:port sends its banner (so it is ready for logins). */
import { createConnection } from "node:net";
import { waitFor } from "../../src/testing/index.js";

function banner(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection(port, address);
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(2000, () => done(false));
    socket.once("data", (d: Buffer) => done(d.toString("latin1").startsWith("SSH-")));
    socket.once("error", () => done(false));
  });
}

/** `alive` throws when the server died, so a failed start is told at once, not at the deadline. */
export async function waitForBanner(
  address: string,
  port: number,
  alive: () => void,
): Promise<void> {
  await waitFor(
    async () => {
      alive();
      return banner(address, port);
    },
    { timeoutMs: 30_000, intervalMs: 100, what: `sshd on ${address}:${port}` },
  );
}
