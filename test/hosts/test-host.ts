/**
 * One test host: a real sshd (Debian openssh-server) on an address of its own (127.x.y.z), in a
 * mount namespace of its own where /etc (an overlay), /usr/local (its stubs and state), /run,
 * /tmp, /var/tmp, /dev/shm and /proc/sys/kernel/random/boot_id are private to it. Logins are as
 * the unprivileged TEST_USER, so nothing a remote command does reaches the machine.
 */
import { generateKeyPairSync } from "node:crypto";
import {
  chmodSync,
  chownSync,
  existsSync,
  mkdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { waitFor } from "../../src/testing/index.js";
import { keyFingerprint } from "./accounts.js";
import { waitForBanner } from "./banner.js";
import { isRunning, type Launcher } from "./launcher.js";
import { killNamespaces, mountNamespace } from "./namespace.js";
import { osRelease, type TestOs } from "./os-release.js";
import { type ProxyMode, TcpProxy } from "./proxy.js";
import { namespaceScript, sshdConfig } from "./sshd-files.js";
import { STUB_NAMES, stubScript } from "./stub.js";

/** Directories under /etc a service may write, owned by the login user so sudo-less writes work. */
const ETC_DIRS = ["sysconfig", "docker", "etcd", "kubernetes", "flanneld"];

export interface TestHostOptions {
  os: TestOs;
  /** With a TcpProxy in front (switches unreachable and slow); the sshd listens elsewhere. */
  proxy: boolean;
  /** How long a reboot keeps the host down. */
  rebootDownMs: number;
}

export class TestHost {
  private pid: number | null = null;
  private namespace: string | null = null;
  readonly proxy: TcpProxy | null;
  private rebooting: Promise<void> | null = null;
  /** How long each reboot took, down to answering again (ms): rebootDownMs plus the restart. */
  readonly rebootTimesMs: number[] = [];

  constructor(
    readonly address: string,
    /** The host's SSH port: 22 unless the machine holds it (see harness.ts). */
    readonly port: number,
    /** Where sshd listens: the address itself, or a side port behind the proxy. */
    private readonly sshdPort: number,
    readonly dir: string,
    readonly options: TestHostOptions,
    private readonly user: { uid: number; gid: number },
    private readonly clientPublicKey: string,
    private readonly launcher: Launcher,
  ) {
    this.proxy = options.proxy ? new TcpProxy(address, port, { address, port: sshdPort }) : null;
  }

  get os(): TestOs {
    return this.options.os;
  }

  /** Lays out the host's directories, keys and sshd configuration (no process yet). */
  prepare(): void {
    const d = (...p: string[]) => join(this.dir, ...p);
    chmodSync(this.dir, 0o755);
    for (const sub of ["etc-upper", "etc-work", "bin", "state", "tmp"])
      mkdirSync(d(sub), { recursive: true });
    writeFileSync(d("etc-upper", "os-release"), osRelease(this.os));
    writeFileSync(d("etc-upper", "machine-id"), `${randomHex(16)}\n`);
    for (const sub of ETC_DIRS) {
      mkdirSync(d("etc-upper", sub), { recursive: true });
      chownSync(d("etc-upper", sub), this.user.uid, this.user.gid);
    }
    chownSync(d("state"), this.user.uid, this.user.gid);
    writeFileSync(d("state", "calls.log"), "");
    chownSync(d("state", "calls.log"), this.user.uid, this.user.gid);
    for (const name of STUB_NAMES)
      writeFileSync(d("bin", name), stubScript("/usr/local/state"), { mode: 0o755 });
    writeFileSync(d("boot_id"), `${randomUuid()}\n`, { mode: 0o644 });
    this.newHostKey();
    this.refuseKey(false);
    writeFileSync(d("sshd_config"), sshdConfig(this.address, this.sshdPort));
    writeFileSync(d("namespace.sh"), namespaceScript(this.dir, this.os === "atomic"));
  }

  /** Starts sshd in a new mount namespace; resolves once it answers with its banner. */
  async start(): Promise<void> {
    if (this.pid) return;
    const log = join(this.dir, "sshd.log");
    writeFileSync(log, "");
    const pid = await this.launcher.start(this.dir);
    this.pid = pid;
    await waitForBanner(this.address, this.sshdPort, () => {
      if (!isRunning(pid))
        throw new Error(
          `sshd of test host ${this.address} exited: ${readFileSync(log, "utf8").trim()}`,
        );
    });
    this.namespace = mountNamespace(pid);
    // A host set to refuse connections keeps refusing them across a reboot.
    if (this.proxy?.mode !== "refuse") await this.proxy?.listen();
  }

  /** Kills everything in the host's namespace (sshd, sessions, stubs), like pulling the plug. */
  async stop(): Promise<void> {
    const pid = this.pid;
    if (this.namespace) killNamespaces(new Set([this.namespace]));
    this.namespace = null;
    this.pid = null;
    if (pid) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // gone already
      }
      // SIGKILLed: gone as soon as the kernel gets to it, which on a loaded machine can take seconds.
      await waitFor(() => !isRunning(pid), {
        timeoutMs: 30_000,
        what: `sshd ${pid} of ${this.address} to exit`,
      });
    }
    this.proxy?.cutAll();
  }

  /**
   * CPU time, in ms, of this host's sshd and of every session it has finished (a connection's
   * processes count once sshd has reaped them): what the host side of the work cost.
   */
  cpuMs(): number {
    if (!this.pid) return 0;
    const fields = readFileSync(`/proc/${this.pid}/stat`, "utf8").split(") ")[1]!.split(" ");
    // utime, stime, cutime, cstime, in ticks of 10 ms (USER_HZ 100).
    return [11, 12, 13, 14].reduce((sum, i) => sum + Number(fields[i]), 0) * 10;
  }

  /** The namespace id while running (for the exit-time cleanup). */
  get runningNamespace(): string | null {
    return this.namespace;
  }

  /** Down for rebootDownMs with a new boot_id, then sshd back. Also what the reboot stub asks. */
  reboot(): Promise<void> {
    this.rebooting ??= (async () => {
      const started = Date.now();
      await this.stop();
      rmSync(join(this.dir, "state", "reboot-requested"), { force: true });
      writeFileSync(join(this.dir, "boot_id"), `${randomUuid()}\n`);
      await new Promise((resolve) => setTimeout(resolve, this.options.rebootDownMs)); // the time the host is down
      await this.start();
      this.rebootTimesMs.push(Date.now() - started);
    })().finally(() => {
      this.rebooting = null;
    });
    return this.rebooting;
  }

  get rebootRequested(): boolean {
    return existsSync(join(this.dir, "state", "reboot-requested"));
  }

  bootId(): string {
    return readFileSync(join(this.dir, "boot_id"), "utf8").trim();
  }

  /** Every stub call so far, one line each ("dnf -y update"). */
  calls(): string[] {
    return readFileSync(join(this.dir, "state", "calls.log"), "utf8")
      .split("\n")
      .filter(Boolean);
  }

  /** A file as the host sees it under /etc (written there, or the machine's own). */
  etcFile(relative: string): string | null {
    for (const base of [join(this.dir, "etc-upper"), "/etc"]) {
      const path = join(base, relative);
      if (existsSync(path)) return readFileSync(path, "utf8");
    }
    return null;
  }

  /** Switch: the stub `name` exits with `exitCode` (null: works again). */
  failCommand(name: string, exitCode: number | null): void {
    const file = join(this.dir, "state", `fail-${name}`);
    if (exitCode === null) rmSync(file, { force: true });
    else writeFileSync(file, `${exitCode}\n`, { mode: 0o644 });
  }

  /** Switch: the client key is refused (authorized_keys emptied) or accepted again. */
  refuseKey(refuse: boolean): void {
    writeFileSync(join(this.dir, "authorized_keys"), refuse ? "" : `${this.clientPublicKey}\n`, {
      mode: 0o644,
    });
  }

  /** Switch: refuse / drop / blackhole connections, or pass them (needs the proxy). */
  async setReachability(mode: ProxyMode): Promise<void> {
    if (!this.proxy) throw new Error(`test host ${this.address} was started without its proxy`);
    await this.proxy.setMode(mode);
  }

  /** Switch: every chunk on the host's connections is delayed by ms (0: normal). */
  setSlow(ms: number): void {
    if (!this.proxy) throw new Error(`test host ${this.address} was started without its proxy`);
    this.proxy.delayMs = ms;
  }

  /** The host's key fingerprint as ssh-keygen prints it. */
  hostKeyFingerprint(): string {
    return keyFingerprint(join(this.dir, "ssh_host_key"));
  }

  /**
   * A new host key (a reinstalled host); takes effect at the next start. ECDSA P-256 in PEM, made
   * in-process: a hundred hosts start without a hundred ssh-keygen runs.
   */
  newHostKey(): void {
    const { privateKey } = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
    writeFileSync(
      join(this.dir, "ssh_host_key"),
      privateKey.export({ type: "sec1", format: "pem" }),
      {
        mode: 0o600,
      },
    );
  }

  async destroy(): Promise<void> {
    await this.stop();
    await this.proxy?.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

function randomHex(bytes: number): string {
  return Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");
}

function randomUuid(): string {
  return crypto.randomUUID();
}
