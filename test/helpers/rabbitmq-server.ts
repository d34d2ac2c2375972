/**
 * A real RabbitMQ node for integration tests: Debian's rabbitmq-server started through
 * /usr/lib/rabbitmq/bin/rabbitmq-server (the /usr/sbin wrapper switches user) with its node name,
 * ports and directories in a temporary directory, listening on loopback only. Its data survives
 * restart(), as a real broker's does (durable queues and persistent messages come back).
 */
import { type ChildProcess, execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import amqp from "amqplib";
import { waitFor } from "../../src/testing/index.js";
import { freePort, startProcess, stopProcess } from "./servers.js";

const SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server";
const CTL = "/usr/lib/rabbitmq/bin/rabbitmqctl";
/** Erlang's port mapper on loopback only; no crash dump files left behind. */
const ERLANG_ENV = { ERL_EPMD_ADDRESS: "127.0.0.1", ERL_CRASH_DUMP_SECONDS: "0" };
/** Largest message the broker takes (bytes): what its publishers are refused beyond. */
export const RABBIT_MAX_MESSAGE_BYTES = 32 * 1024 * 1024;

export class RabbitServer {
  private child: ChildProcess | null = null;
  log = "";

  private constructor(
    readonly port: number,
    private readonly distPort: number,
    private readonly dir: string,
  ) {}

  /** `baseDir`: where its directory (data, logs) is made; the system's temp dir by default. */
  static async start(options: { baseDir?: string } = {}): Promise<RabbitServer> {
    const dir = mkdtempSync(join(options.baseDir ?? tmpdir(), "commissaire-rabbit-"));
    const server = new RabbitServer(await freePort(), await freePort(), dir);
    writeFileSync(
      join(dir, "rabbitmq.conf"),
      [
        `listeners.tcp.default = 127.0.0.1:${server.port}`,
        `max_message_size = ${RABBIT_MAX_MESSAGE_BYTES}`,
        // A shared test machine: no alarm on a full-ish disk or a busy memory.
        "disk_free_limit.absolute = 1",
        "vm_memory_high_watermark.relative = 0.9",
        "",
      ].join("\n"),
    );
    writeFileSync(join(dir, "enabled_plugins"), "[].\n");
    await server.launch();
    return server;
  }

  url(vhost = ""): string {
    return `amqp://guest:guest@127.0.0.1:${this.port}/${encodeURIComponent(vhost)}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  private get nodeName(): string {
    return `rabbit-${process.pid}-${this.port}@localhost`;
  }

  /** rabbitmqctl on this node (its cookie is in the node's HOME). */
  ctl(...args: string[]): Promise<string> {
    return new Promise((resolve, reject) =>
      execFile(
        CTL,
        ["-n", this.nodeName, ...args],
        { env: { ...process.env, ...ERLANG_ENV, HOME: join(this.dir, "home") } },
        (err, stdout, stderr) =>
          err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve(stdout),
      ),
    );
  }

  /** Closes every client connection, as a broker going away would. */
  async closeAllConnections(): Promise<void> {
    await this.ctl("close_all_connections", "test: connections dropped");
  }

  private async launch(): Promise<void> {
    mkdirSync(join(this.dir, "home"), { recursive: true });
    // In its own directory: Mnesia writes its core dumps into the working directory.
    const child = startProcess(SERVER, [], {
      cwd: this.dir,
      env: {
        HOME: join(this.dir, "home"),
        RABBITMQ_NODENAME: this.nodeName,
        RABBITMQ_NODE_IP_ADDRESS: "127.0.0.1",
        RABBITMQ_NODE_PORT: String(this.port),
        RABBITMQ_DIST_PORT: String(this.distPort),
        RABBITMQ_MNESIA_BASE: join(this.dir, "mnesia"),
        RABBITMQ_LOG_BASE: join(this.dir, "log"),
        RABBITMQ_CONFIG_FILE: join(this.dir, "rabbitmq.conf"),
        RABBITMQ_ENABLED_PLUGINS_FILE: join(this.dir, "enabled_plugins"),
        RABBITMQ_ADVANCED_CONFIG_FILE: join(this.dir, "advanced.config"),
        RABBITMQ_LOGS: "-",
        ...ERLANG_ENV,
      },
    });
    child.stdout!.on("data", (d) => (this.log = (this.log + d).slice(-20_000)));
    child.stderr!.on("data", (d) => (this.log = (this.log + d).slice(-20_000)));
    this.child = child;
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`rabbitmq-server exited: ${this.log}`);
        const conn = await amqp.connect(this.url()).catch(() => null);
        if (!conn) return false;
        await conn.close();
        return true;
      },
      { timeoutMs: 60_000, intervalMs: 200, what: "rabbitmq-server to accept connections" },
    );
  }

  async stop(): Promise<void> {
    if (this.child) await stopProcess(this.child, "SIGTERM", 30_000);
    this.child = null;
  }

  /** Stops and starts the same node again (same port, same data directory). */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  /**
   * Stopped (SIGTERM: the start script passes it on to the Erlang VM, which a SIGKILL of the
   * script would leave running) and its directory removed.
   */
  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
