/**
 * Real servers for integration tests, started on free loopback ports and stopped by PID (also when
 * the test process exits early).
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import { waitFor } from "../../src/testing/index.js";

const children = new Set<ChildProcess>();
process.on("exit", () => {
  for (const c of children) if (c.pid && c.exitCode === null) process.kill(c.pid, "SIGKILL");
});

/** A port nobody listens on right now (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** Starts a program and remembers it so it is killed if the test process dies. */
export function startProcess(
  command: string,
  args: string[],
  options: { env?: NodeJS.ProcessEnv; cwd?: string } = {},
): ChildProcess {
  const child = spawn(command, args, {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ...options.env },
    cwd: options.cwd,
  });
  children.add(child);
  child.once("exit", () => children.delete(child));
  return child;
}

/** SIGTERM (or the given signal) by PID, then wait for the exit; SIGKILL after the deadline. */
export async function stopProcess(
  child: ChildProcess,
  signal: NodeJS.Signals = "SIGTERM",
  deadlineMs = 10_000,
): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const exited = new Promise<number | null>((resolve) =>
    child.once("exit", (code) => resolve(code)),
  );
  process.kill(child.pid!, signal);
  const timer = setTimeout(
    () => child.pid && child.exitCode === null && process.kill(child.pid, "SIGKILL"),
    deadlineMs,
  );
  const code = await exited;
  clearTimeout(timer);
  return code;
}

export class RedisServer {
  private child: ChildProcess | null = null;
  private constructor(
    readonly port: number,
    private readonly dir: string,
  ) {}

  static async start(): Promise<RedisServer> {
    const server = new RedisServer(
      await freePort(),
      mkdtempSync(join(tmpdir(), "commissaire-redis-")),
    );
    await server.launch();
    return server;
  }

  url(db = 0): string {
    return `redis://127.0.0.1:${this.port}/${db}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private async launch(): Promise<void> {
    this.child = startProcess("redis-server", [
      "--port",
      String(this.port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      this.dir,
      "--daemonize",
      "no",
      "--loglevel",
      "warning",
    ]);
    const probe = new Redis(this.port, "127.0.0.1", {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    probe.on("error", () => undefined);
    try {
      await waitFor(
        async () => {
          if (this.child?.exitCode !== null)
            throw new Error(`redis-server exited with ${this.child?.exitCode}`);
          if (probe.status !== "ready") await probe.connect().catch(() => probe.disconnect());
          return (await probe.ping()) === "PONG";
        },
        { timeoutMs: 10_000, intervalMs: 20, what: `redis-server on port ${this.port}` },
      );
    } finally {
      probe.disconnect();
    }
  }

  /** A plain client of this server, for looking at keys. */
  client(db = 0): Redis {
    return new Redis(this.port, "127.0.0.1", { db });
  }

  async stop(): Promise<void> {
    if (this.child) await stopProcess(this.child);
    this.child = null;
  }

  /** Stops and starts again on the same port (the data is gone: no persistence). */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
