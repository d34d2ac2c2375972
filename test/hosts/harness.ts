/**
 * TestHosts: N real sshd test hosts for integration tests and the benchmark (see README.md here).
 *
 *   const hosts = await TestHosts.start([{ os: "fedora" }, { os: "atomic" }]);
 *   const pool = hosts.pool();                    // an SshPool that only reaches these hosts
 *   const ex = await pool.open(hosts.at(0).target());
 *   ...
 *   await hosts.destroy();
 *
 * Every host gets an address of its own in 127.A.B.0/24 (A, B picked at random per run and
 * checked free), port 22. Everything started is stopped by namespace and PID at destroy() and
 * when the process exits; temporary directories are removed.
 */
import { type FSWatcher, mkdtempSync, rmSync, watch } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Logger } from "../../src/base/logger.js";
import type { RemoteTarget } from "../../src/remote/credentials.js";
import type { RemoteConnector } from "../../src/remote/executor.js";
import { SshPool } from "../../src/remote/pool.js";
import type { RemoteSettings } from "../../src/remote/settings.js";
import { ensureTestUser, makeKeyPair, TEST_USER } from "./accounts.js";
import { assertLoopback, guarded } from "./guard.js";
import { Launcher } from "./launcher.js";
import { killNamespaces } from "./namespace.js";
import type { TestOs } from "./os-release.js";
import { TestHost } from "./test-host.js";

export interface HostSpec {
  os?: TestOs;
  /** Default true: a proxy in front for the unreachable and slow switches. */
  proxy?: boolean;
  /** Default 300 ms. */
  rebootDownMs?: number;
}

const live = new Set<TestHosts>();
process.on("exit", () => {
  for (const hosts of live) hosts.killNow();
});
// Stopped by a signal (a runner's timeout, Ctrl-C): the same cleanup, then the usual exit status.
for (const [signal, code] of [
  ["SIGTERM", 143],
  ["SIGINT", 130],
] as const)
  process.on(signal, () => process.exit(code));

export class TestHosts {
  private readonly watchers: FSWatcher[] = [];
  /** Pools made by pool(): closed at destroy() (a service leaves a pool it was handed open). */
  private readonly pools: SshPool[] = [];

  private constructor(
    readonly hosts: TestHost[],
    private readonly dir: string,
    /** The client key every host accepts (base64 PEM, as HostCreds holds it). */
    readonly sshPrivKey: string,
    /** The private key file, for the plain `ssh` client. */
    readonly privateKeyFile: string,
    private readonly launcher: Launcher,
  ) {}

  /** Starts one host per spec, all in parallel; a number starts that many fedora hosts. */
  static async start(specs: HostSpec[] | number): Promise<TestHosts> {
    const list =
      typeof specs === "number" ? Array.from({ length: specs }, (): HostSpec => ({})) : specs;
    const user = ensureTestUser();
    const dir = mkdtempSync(join(tmpdir(), "commissaire-hosts-"));
    const key = makeKeyPair(dir, "client_key");
    const addresses = await freeAddresses(list.length);
    const launcher = new Launcher();
    const hosts: TestHost[] = [];
    for (const [i, spec] of list.entries()) {
      const { address, port } = addresses[i]!;
      const proxy = spec.proxy ?? true;
      const hostDir = mkdtempSync(join(tmpdir(), `commissaire-host-${address}-`));
      const options = { os: spec.os ?? "fedora", proxy, rebootDownMs: spec.rebootDownMs ?? 300 };
      hosts.push(
        new TestHost(
          address,
          port,
          proxy ? await freePortOn(address) : port,
          hostDir,
          options,
          user,
          key.publicKey,
          launcher,
        ),
      );
    }
    const harness = new TestHosts(
      hosts,
      dir,
      key.pem.toString("base64"),
      key.privateFile,
      launcher,
    );
    live.add(harness);
    try {
      await Promise.all(
        hosts.map(async (h) => {
          h.prepare();
          await h.start();
        }),
      );
      for (const h of hosts) harness.watchReboots(h);
    } catch (err) {
      await harness.destroy();
      throw err;
    }
    return harness;
  }

  at(i: number): TestHost {
    const host = this.hosts[i];
    if (!host) throw new Error(`no test host ${i} (there are ${this.hosts.length})`);
    return host;
  }

  /** The login to a host, as the remote layer takes it (the unprivileged test user). */
  target(host: TestHost, extra: Partial<RemoteTarget> = {}): RemoteTarget {
    assertLoopback(host.address);
    return {
      address: host.address,
      ...(host.port === 22 ? {} : { port: host.port }),
      sshPrivKey: this.sshPrivKey,
      remoteUser: TEST_USER,
      sshHostKey: "",
      ...extra,
    };
  }

  /** HostCreds of a host, as stored. */
  creds(host: TestHost): { address: string; ssh_priv_key: string; remote_user: string } {
    return { address: host.address, ssh_priv_key: this.sshPrivKey, remote_user: TEST_USER };
  }

  /** An SshPool that refuses any address that is not a host of this harness; closed at destroy(). */
  pool(
    settings: Partial<RemoteSettings> = {},
    logger?: Logger,
  ): RemoteConnector & { inner: SshPool } {
    const inner = new SshPool(settings, logger);
    this.pools.push(inner);
    return Object.assign(guarded(inner, new Set(this.hosts.map((h) => h.address))), { inner });
  }

  /** CPU time of every host's sshd and its finished sessions, in ms (TestHost.cpuMs). */
  cpuMs(): number {
    return this.hosts.reduce((sum, h) => sum + h.cpuMs(), 0);
  }

  /** The reboot stub leaves a request file; the harness then reboots that host. */
  private watchReboots(host: TestHost): void {
    const watcher = watch(join(host.dir, "state"), () => {
      if (host.rebootRequested) host.reboot().catch(() => undefined);
    });
    this.watchers.push(watcher);
  }

  /** Synchronous last-resort cleanup (process exit): kill every host's processes, remove dirs. */
  killNow(): void {
    killNamespaces(
      new Set(this.hosts.map((h) => h.runningNamespace).filter((n): n is string => !!n)),
    );
    for (const dir of [this.dir, ...this.hosts.map((h) => h.dir)])
      rmSync(dir, { recursive: true, force: true });
  }

  async destroy(): Promise<void> {
    for (const w of this.watchers) w.close();
    await Promise.all(this.pools.map((p) => p.close()));
    await Promise.all(this.hosts.map((h) => h.destroy()));
    await this.launcher.close();
    rmSync(this.dir, { recursive: true, force: true });
    live.delete(this);
  }
}

function canListen(address: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, address, () => server.close(() => resolve(true)));
  });
}

function freePortOn(address: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, address, () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/**
 * n addresses 127.A.B.C (A, B random, so parallel runs do not meet) with the port each host
 * listens on: 22, as real hosts, unless something holds port 22 on every address (a system sshd
 * on 0.0.0.0:22); then a free port of each address.
 */
async function freeAddresses(n: number): Promise<{ address: string; port: number }[]> {
  const found: { address: string; port: number }[] = [];
  const a = 100 + Math.floor(Math.random() * 100);
  let b = Math.floor(Math.random() * 200);
  let refused = 0;
  for (let c = 1; found.length < n; c++) {
    if (c > 254) {
      c = 1;
      b = (b + 1) % 256;
    }
    const address = `127.${a}.${b}.${c}`;
    if (refused < 20 && !(await canListen(address, 22))) {
      refused++;
      continue;
    }
    found.push({ address, port: refused < 20 ? 22 : await freePortOn(address) });
  }
  return found;
}
