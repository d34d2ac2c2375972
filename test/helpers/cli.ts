/** Runs the built binaries as separate processes. */
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { waitFor } from "../../src/testing/index.js";
import { startProcess, stopProcess } from "./servers.js";

export const BIN = {
  commissaire: fileURLToPath(new URL("../../src/cli/commissaire.js", import.meta.url)),
  example: fileURLToPath(new URL("../../src/cli/example-service.js", import.meta.url)),
  storage: fileURLToPath(new URL("../../src/cli/storage-service.js", import.meta.url)),
  server: fileURLToPath(new URL("../../src/cli/server.js", import.meta.url)),
  containermgr: fileURLToPath(new URL("../../src/cli/containermgr-service.js", import.meta.url)),
};

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a binary to completion (with a deadline), feeding `input` on stdin. */
export function run(
  bin: string,
  args: string[],
  options: { input?: string; env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = startProcess(process.execPath, [bin, ...args], {
      env: { ...options.env },
      stdin: options.input !== undefined,
    });
    if (options.input !== undefined) child.stdin!.end(options.input);
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (d) => (stdout += d));
    child.stderr!.on("data", (d) => (stderr += d));
    const killAtDeadline = () => {
      child.kill("SIGKILL");
      reject(new Error(`${bin} ${args.join(" ")} did not finish: ${stderr}`));
    };
    const deadline = setTimeout(killAtDeadline, options.timeoutMs ?? 20_000);
    child.once("exit", (code) => {
      clearTimeout(deadline);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A long-running binary whose output is collected as it comes. */
export class Running {
  stdout = "";
  stderr = "";
  constructor(readonly child: ChildProcess) {
    child.stdout!.on("data", (d) => (this.stdout += d));
    child.stderr!.on("data", (d) => (this.stderr += d));
  }

  static start(bin: string, args: string[], env?: NodeJS.ProcessEnv, cwd?: string): Running {
    return new Running(
      startProcess(process.execPath, [bin, ...args], {
        ...(env ? { env } : {}),
        ...(cwd ? { cwd } : {}),
      }),
    );
  }

  /** JSON log records printed on stderr so far. */
  logs(): any[] {
    return this.stderr
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l));
  }

  async waitForLog(
    what: string,
    predicate: (record: any) => boolean,
    timeoutMs = 15_000,
  ): Promise<any> {
    return waitFor(
      () => {
        if (this.child.exitCode !== null)
          throw new Error(`exited ${this.child.exitCode} before ${what}: ${this.stderr}`);
        return this.logs().find(predicate);
      },
      { timeoutMs, what },
    );
  }

  stop(signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
    return stopProcess(this.child, signal, 40_000);
  }
}
