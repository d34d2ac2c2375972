/**
 * Real servers for integration tests, started on free loopback ports and stopped by PID (also when
 * the test process exits early).
 */
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis, type RedisOptions } from "ioredis";
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
  options: { env?: NodeJS.ProcessEnv; cwd?: string; stdin?: boolean } = {},
): ChildProcess {
  const child = spawn(command, args, {
    stdio: [options.stdin ? "pipe" : "ignore", "pipe", "pipe"],
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
  const killAtDeadline = () =>
    child.pid && child.exitCode === null && process.kill(child.pid, "SIGKILL");
  const deadline = setTimeout(killAtDeadline, deadlineMs);
  const code = await exited;
  clearTimeout(deadline);
  return code;
}

/**
 * A server the tests start, stop by PID and start again on the same port, with a temporary
 * directory of its own that destroy() removes.
 */
abstract class ServerProcess {
  protected child: ChildProcess | null = null;
  constructor(protected readonly dir: string) {}

  protected abstract launch(): Promise<void>;

  get pid(): number | undefined {
    return this.child?.pid;
  }

  async stop(): Promise<void> {
    if (this.child) await stopProcess(this.child);
    this.child = null;
  }

  /** Stops and starts again on the same port (Redis loses its data: no persistence). */
  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  async destroy(): Promise<void> {
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export interface RedisServerOptions {
  /** Serve TLS only (server certificate and the CA that signed it). */
  tls?: { certFile: string; keyFile: string; caFile: string };
  password?: string;
  /** Extra environment of the server process (e.g. MALLOC_CONF). */
  env?: NodeJS.ProcessEnv;
}

export class RedisServer extends ServerProcess {
  private constructor(
    readonly port: number,
    dir: string,
    private readonly options: RedisServerOptions,
  ) {
    super(dir);
  }

  static async start(options: RedisServerOptions = {}): Promise<RedisServer> {
    const dir = mkdtempSync(join(tmpdir(), "commissaire-redis-"));
    const server = new RedisServer(await freePort(), dir, options);
    await server.launch();
    return server;
  }

  url(db = 0): string {
    const { tls, password } = this.options;
    const auth = password ? `:${encodeURIComponent(password)}@` : "";
    if (tls) {
      const ca = encodeURIComponent(tls.caFile);
      return `rediss://${auth}127.0.0.1:${this.port}/${db}?ssl_ca_certs=${ca}`;
    }
    return `redis://${auth}127.0.0.1:${this.port}/${db}`;
  }

  protected async launch(): Promise<void> {
    const { tls, password } = this.options;
    const listen = tls
      ? ["--port", "0", "--tls-port", String(this.port), "--tls-cert-file", tls.certFile].concat([
          "--tls-key-file",
          tls.keyFile,
          "--tls-ca-cert-file",
          tls.caFile,
          "--tls-auth-clients",
          "no",
        ])
      : ["--port", String(this.port)];
    const rest = ["--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", this.dir]
      .concat(["--daemonize", "no", "--loglevel", "warning"])
      .concat(password ? ["--requirepass", password] : []);
    this.child = startProcess("redis-server", [...listen, ...rest], {
      env: this.options.env ?? {},
    });
    const probe = this.client(0, {
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
  client(db = 0, extra: RedisOptions = {}): Redis {
    const { tls, password } = this.options;
    return new Redis(this.port, "127.0.0.1", {
      db,
      ...(password ? { password } : {}),
      ...(tls ? { tls: { ca: readFileSync(tls.caFile) } } : {}),
      ...extra,
    });
  }
}

export interface EtcdTls {
  caFile: string;
  certFile: string;
  keyFile: string;
}

/** A one-member etcd (Debian's etcd-server, v3 API) on free loopback ports. */
export class EtcdServer extends ServerProcess {
  private output = "";
  private constructor(
    readonly port: number,
    private readonly peerPort: number,
    dir: string,
    readonly tls?: EtcdTls,
    private readonly enableV2 = false,
  ) {
    super(dir);
  }

  /** `enableV2`: also serve the v2 API (`/v2/keys`), where the original Commissaire kept its records. */
  static async start(options: { tls?: EtcdTls; enableV2?: boolean } = {}): Promise<EtcdServer> {
    const server = new EtcdServer(
      await freePort(),
      await freePort(),
      mkdtempSync(join(tmpdir(), "commissaire-etcd-")),
      options.tls,
      options.enableV2 === true,
    );
    await server.launch();
    return server;
  }

  get url(): string {
    return `${this.tls ? "https" : "http"}://127.0.0.1:${this.port}`;
  }

  /** etcdctl's arguments for this server (endpoint and, with TLS, the test's certificates). */
  ctlArgs(): string[] {
    const args = [`--endpoints=${this.url}`];
    if (this.tls)
      args.push(
        `--cacert=${this.tls.caFile}`,
        `--cert=${this.tls.certFile}`,
        `--key=${this.tls.keyFile}`,
      );
    return args;
  }

  protected async launch(): Promise<void> {
    const peer = `http://127.0.0.1:${this.peerPort}`;
    const args = [
      "--name",
      "test",
      "--data-dir",
      join(this.dir, "data"),
      "--listen-client-urls",
      this.url,
      "--advertise-client-urls",
      this.url,
      "--listen-peer-urls",
      peer,
      "--initial-advertise-peer-urls",
      peer,
      "--initial-cluster",
      `test=${peer}`,
      "--log-level",
      "warn",
      "--logger",
      "zap",
    ];
    if (this.enableV2) args.push("--enable-v2");
    if (this.tls) {
      args.push(
        "--cert-file",
        this.tls.certFile,
        "--key-file",
        this.tls.keyFile,
        "--client-cert-auth",
        "--trusted-ca-file",
        this.tls.caFile,
      );
    }
    this.child = startProcess("etcd", args);
    this.child.stderr!.on("data", (d) => (this.output += d));
    await waitFor(
      () => {
        if (this.child?.exitCode !== null) throw new Error(`etcd exited: ${this.output}`);
        return this.ctl("endpoint", "health").then(
          () => true,
          () => false,
        );
      },
      { timeoutMs: 20_000, intervalMs: 100, what: `etcd on port ${this.port}` },
    );
  }

  /** Runs etcdctl against this server; resolves to its stdout. */
  ctl(...args: string[]): Promise<string> {
    return new Promise((resolve, reject) => {
      const child = startProcess("etcdctl", [...this.ctlArgs(), "--command-timeout=3s", ...args], {
        env: { ETCDCTL_API: "3" },
      });
      let out = "";
      let err = "";
      child.stdout!.on("data", (d) => (out += d));
      child.stderr!.on("data", (d) => (err += d));
      child.once("exit", (code) =>
        code === 0 ? resolve(out) : reject(new Error(`etcdctl ${args.join(" ")}: ${err}`)),
      );
    });
  }
}

/** A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl. */
export function makeTlsFiles(): EtcdTls & {
  dir: string;
  clientCertFile: string;
  clientKeyFile: string;
} {
  const dir = mkdtempSync(join(tmpdir(), "commissaire-tls-"));
  const f = (name: string) => join(dir, name);
  const ssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "pipe" });
  ssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-days",
    "2",
    "-subj",
    "/CN=test-ca",
    "-keyout",
    f("ca.key"),
    "-out",
    f("ca.pem"),
  );
  writeFileSync(
    f("server.ext"),
    "subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth,clientAuth\n",
  );
  writeFileSync(f("client.ext"), "extendedKeyUsage=clientAuth\n");
  for (const who of ["server", "client"]) {
    ssl(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-subj",
      `/CN=${who}`,
      "-keyout",
      f(`${who}.key`),
      "-out",
      f(`${who}.csr`),
    );
    ssl(
      "x509",
      "-req",
      "-in",
      f(`${who}.csr`),
      "-CA",
      f("ca.pem"),
      "-CAkey",
      f("ca.key"),
      "-CAcreateserial",
      "-days",
      "2",
      "-out",
      f(`${who}.pem`),
      "-extfile",
      f(`${who}.ext`),
    );
  }
  return {
    dir,
    caFile: f("ca.pem"),
    certFile: f("server.pem"),
    keyFile: f("server.key"),
    clientCertFile: f("client.pem"),
    clientKeyFile: f("client.key"),
  };
}

/** Debian's Custodia on a Unix socket of its own, with a SQLite store, header authentication. */
export class CustodiaServer {
  private child: ChildProcess | null = null;
  private output = "";
  readonly socketPath: string;
  private constructor(private readonly dir: string) {
    this.socketPath = join(dir, "custodia.sock");
  }

  static async start(): Promise<CustodiaServer> {
    const server = new CustodiaServer(mkdtempSync(join(tmpdir(), "commissaire-custodia-")));
    const conf = join(server.dir, "custodia.conf");
    writeFileSync(
      conf,
      [
        "[global]",
        `server_socket = ${server.socketPath}`,
        "makedirs = true",
        "[store:sqlite]",
        "handler = SqliteStore",
        `dburi = ${join(server.dir, "secrets.db")}`,
        "table = secrets",
        "[auth:header]",
        "handler = SimpleHeaderAuth",
        "header = REMOTE_USER",
        "[authz:paths]",
        "handler = SimplePathAuthz",
        "paths = /. /secrets",
        "[/]",
        "handler = Root",
        "[/secrets]",
        "handler = Secrets",
        "store = sqlite",
        "",
      ].join("\n"),
    );
    server.child = startProcess("custodia", [conf], { cwd: server.dir });
    server.child.stderr!.on("data", (d) => (server.output += d));
    server.child.stdout!.on("data", (d) => (server.output += d));
    await waitFor(
      async () => {
        if (server.child?.exitCode !== null) throw new Error(`custodia exited: ${server.output}`);
        return new Promise<boolean>((resolve) => {
          const probe = createConnection(server.socketPath);
          probe.once("connect", () => {
            probe.destroy();
            resolve(true);
          });
          probe.once("error", () => resolve(false));
        });
      },
      { timeoutMs: 20_000, intervalMs: 50, what: "custodia's socket" },
    );
    return server;
  }

  async destroy(): Promise<void> {
    if (this.child) await stopProcess(this.child);
    rmSync(this.dir, { recursive: true, force: true });
  }
}
