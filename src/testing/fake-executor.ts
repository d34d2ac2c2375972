/**
 * A scripted stand-in for the remote layer, for unit tests of services: responses per command
 * pattern, files in memory, facts per host, connection failures on demand, and a record of every
 * call. It behaves as SshPool does where services can tell (non-zero exits reject unless
 * `check: false`, a changed host key is refused).
 *
 *   const remote = new FakeRemote().on(/^dnf -y update/, { stdout: "done" });
 *   const service = new MyService({ bus, remote });
 *   ... assert.deepEqual(remote.commands("192.0.2.1"), ["dnf -y update"]);
 */
import type { RemoteTarget } from "../remote/credentials.js";
import {
  CommandFailedError,
  HostKeyChangedError,
  RemoteError,
  type RemoteErrorKind,
} from "../remote/errors.js";
import type {
  FileOptions,
  RemoteConnector,
  RemoteExecutor,
  RunOptions,
  RunResult,
} from "../remote/executor.js";
import type { HostFacts } from "../remote/facts.js";

export interface FakeResponse {
  stdout?: string;
  stderr?: string;
  exitCode?: number;
  /** Reject with this instead of answering (a timeout, a lost connection...). */
  error?: Error;
}

export interface FakeCall {
  address: string;
  what: "run" | "readFile" | "writeFile" | "facts";
  /** The command, or the path for files. */
  command: string;
  sudo: boolean;
}

type Responder = FakeResponse | ((command: string, address: string) => FakeResponse);
interface Rule {
  pattern: string | RegExp;
  address?: string;
  respond: Responder;
}

export const DEFAULT_FAKE_FACTS: HostFacts = {
  os: "fedora",
  osId: "fedora",
  osVersion: "40",
  cpus: 2,
  memory: 2048,
  space: 20 * 1024 ** 3,
  kernel: "6.8.0",
  arch: "x86_64",
  machineId: "0".repeat(32),
  bootId: "00000000-0000-0000-0000-000000000000",
};

export class FakeRemote implements RemoteConnector {
  readonly calls: FakeCall[] = [];
  private readonly rules: Rule[] = [];
  private readonly files = new Map<string, Buffer>();
  private readonly facts = new Map<string, HostFacts>();
  private readonly refusals = new Map<string, RemoteError>();
  private readonly hostKeys = new Map<string, string>();
  /** Executors open now (a service must close what it opens). */
  openExecutors = 0;

  /** strict: a command no rule matches rejects (default: it succeeds with no output). */
  constructor(private readonly options: { strict?: boolean } = {}) {}

  /** Answers commands matching `pattern` (substring or RegExp); the latest matching rule wins. */
  on(pattern: string | RegExp, respond: Responder, options: { address?: string } = {}): this {
    this.rules.unshift({ pattern, respond, ...options });
    return this;
  }

  setFacts(address: string, facts: Partial<HostFacts>): this {
    this.facts.set(address, { ...DEFAULT_FAKE_FACTS, ...this.facts.get(address), ...facts });
    return this;
  }

  setFile(address: string, path: string, data: string | Buffer): this {
    this.files.set(`${address}\0${path}`, Buffer.from(data));
    return this;
  }

  file(address: string, path: string): Buffer | undefined {
    return this.files.get(`${address}\0${path}`);
  }

  /** open() for this host rejects with an error of this kind until `allow`. */
  refuse(address: string, kind: RemoteErrorKind, reason = `refused by the test (${kind})`): this {
    this.refusals.set(address, new RemoteError(kind, address, reason));
    return this;
  }

  allow(address: string): this {
    this.refusals.delete(address);
    return this;
  }

  /** The host key fingerprint this host shows (default `SHA256:fake-<address>`). */
  setHostKey(address: string, fingerprint: string): this {
    this.hostKeys.set(address, fingerprint);
    return this;
  }

  /** Commands run (not files or facts), for one host or all. */
  commands(address?: string): string[] {
    return this.calls
      .filter((c) => c.what === "run" && (!address || c.address === address))
      .map((c) => c.command);
  }

  async open(target: RemoteTarget): Promise<RemoteExecutor> {
    const { address } = target;
    const refused = this.refusals.get(address);
    if (refused) throw refused;
    const hostKey = this.hostKeys.get(address) ?? `SHA256:fake-${address}`;
    if (target.sshHostKey && target.sshHostKey !== hostKey)
      throw new HostKeyChangedError(address, target.sshHostKey, hostKey);
    this.openExecutors++;
    let closed = false;
    const record = (what: FakeCall["what"], command: string, sudo = false) => {
      if (closed) throw new RemoteError("unreachable", address, "the executor was closed");
      this.calls.push({ address, what, command, sudo });
    };
    return {
      address,
      hostKey,
      run: async (command: string, o: RunOptions = {}) => {
        record("run", command, o.sudo ?? false);
        return this.answer(address, command, o.check ?? true);
      },
      readFile: async (path: string, o: FileOptions = {}) => {
        record("readFile", path, o.sudo ?? false);
        const data = this.file(address, path);
        if (!data)
          throw new RemoteError("file-failed", address, `reading ${path} failed: no such file`);
        return data;
      },
      writeFile: async (path: string, data: string | Buffer, o: FileOptions = {}) => {
        record("writeFile", path, o.sudo ?? false);
        this.setFile(address, path, data);
      },
      facts: async () => {
        record("facts", "facts");
        return this.facts.get(address) ?? DEFAULT_FAKE_FACTS;
      },
      close: async () => {
        if (!closed) this.openExecutors--;
        closed = true;
      },
    };
  }

  async close(): Promise<void> {}

  private answer(address: string, command: string, check: boolean): RunResult {
    const rule = this.rules.find(
      (r) =>
        (!r.address || r.address === address) &&
        (typeof r.pattern === "string" ? command.includes(r.pattern) : r.pattern.test(command)),
    );
    if (!rule && this.options.strict)
      throw new Error(`FakeRemote: nothing scripted for \`${command}\` on ${address}`);
    const response =
      typeof rule?.respond === "function" ? rule.respond(command, address) : (rule?.respond ?? {});
    if (response.error) throw response.error;
    const result = {
      stdout: response.stdout ?? "",
      stderr: response.stderr ?? "",
      exitCode: response.exitCode ?? 0,
    };
    if (check && result.exitCode !== 0)
      throw new CommandFailedError(address, command, result.exitCode, result.stdout, result.stderr);
    return result;
  }
}
