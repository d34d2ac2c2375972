/** Drives test/peers/kombu_peer.py with Debian's Python and kombu (python3-kombu). */
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { waitFor } from "../../src/testing/index.js";
import { startProcess, stopProcess } from "./servers.js";

// dist/test/helpers -> the source tree's test/peers (Python files are not compiled).
const peerScript = (name: string) =>
  fileURLToPath(new URL(`../../../test/peers/${name}`, import.meta.url));
/** Debian's interpreter, where python3-kombu is installed (not whatever python3 is first on PATH). */
export const PYTHON = "/usr/bin/python3";

export class KombuPeer {
  private stdout = "";
  stderr = "";
  private constructor(readonly child: ChildProcess) {
    child.stdout!.on("data", (d) => (this.stdout += d));
    child.stderr!.on("data", (d) => (this.stderr += d));
  }

  /** Starts the peer and waits for its READY line. */
  static async start(...args: string[]): Promise<KombuPeer> {
    return KombuPeer.script("kombu_peer.py", ...args);
  }

  /**
   * Starts another script of test/peers (python_storage.py: the original storage service;
   * python_rest.py: the original REST server's calls) and waits for its READY line.
   */
  static async script(name: string, ...args: string[]): Promise<KombuPeer> {
    const peer = new KombuPeer(startProcess(PYTHON, [peerScript(name), ...args]));
    await peer.lines(1);
    return peer;
  }

  /** Every JSON line printed so far after READY. */
  printed(): unknown[] {
    return this.stdout
      .split("\n")
      .filter(Boolean)
      .slice(1)
      .map((l) => JSON.parse(l));
  }

  /** Resolves once the peer printed `count` JSON lines (READY included), or fails with its stderr. */
  async lines(count: number, timeoutMs = 20_000): Promise<any[]> {
    return waitFor(
      () => {
        const lines = this.stdout.split("\n").filter(Boolean);
        if (lines.length >= count) return lines.map((l) => JSON.parse(l));
        if (this.child.exitCode !== null)
          throw new Error(`kombu peer exited ${this.child.exitCode}: ${this.stderr}`);
        return null;
      },
      { timeoutMs, what: `${count} lines from the kombu peer` },
    );
  }

  async exited(): Promise<number | null> {
    if (this.child.exitCode !== null) return this.child.exitCode;
    return new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
  }

  async stop(): Promise<void> {
    await stopProcess(this.child);
  }
}
