/** Runs test/fixtures/test-service-process.js and reads what it prints. */
import type { ChildProcess } from "node:child_process";
import { fileURLToPath } from "node:url";
import { waitFor } from "../../src/testing/index.js";
import { startProcess, stopProcess } from "./servers.js";

const SCRIPT = fileURLToPath(new URL("../fixtures/test-service-process.js", import.meta.url));
/** test/fixtures/slow-service-process.ts: a `slow` handler that takes its `ms` to finish. */
export const SLOW_SERVICE_SCRIPT = fileURLToPath(
  new URL("../fixtures/slow-service-process.js", import.meta.url),
);

export class ServiceProcess {
  stdout = "";
  stderr = "";
  private constructor(readonly child: ChildProcess) {
    child.stdout!.on("data", (d) => (this.stdout += d));
    child.stderr!.on("data", (d) => (this.stderr += d));
  }

  static async start(env: Record<string, string>, script = SCRIPT): Promise<ServiceProcess> {
    const p = new ServiceProcess(startProcess(process.execPath, [script], { env }));
    await waitFor(
      () => {
        if (p.child.exitCode !== null) throw new Error(`service process exited: ${p.stderr}`);
        return p.stdout.includes("READY");
      },
      { timeoutMs: 10_000, what: "the service process to be ready" },
    );
    return p;
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** SIGTERM; resolves to the exit code and the `record` params it executed. */
  async stop(): Promise<{ code: number | null; executed: unknown[] }> {
    const code = await stopProcess(this.child, "SIGTERM");
    const line = this.stdout.split("\n").find((l) => l.startsWith("EXECUTED "));
    return { code, executed: line ? JSON.parse(line.slice("EXECUTED ".length)) : [] };
  }

  async kill(): Promise<void> {
    await stopProcess(this.child, "SIGKILL");
  }
}
