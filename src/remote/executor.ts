/**
 * What services depend on to work on a host: run a command, read and write a file, gather facts.
 * `RemoteConnector.open` gives an executor for one host; everything done through it until
 * `close()` shares one connection. The SSH implementation is SshPool; unit tests use
 * FakeRemote from commissaire-ts/testing.
 */
import type { RemoteTarget } from "./credentials.js";
import type { HostFacts } from "./facts.js";

export interface RunOptions {
  /** Deadline for this command; the pool's command timeout by default. */
  timeoutMs?: number;
  /** Run as root: through `sudo -n` when the remote user is not root. */
  sudo?: boolean;
  /** true (default): a non-zero exit rejects with CommandFailedError. false: resolve anyway. */
  check?: boolean;
  /** Written to the command's standard input, then closed. */
  stdin?: string | Buffer;
}

export interface RunResult {
  stdout: string;
  stderr: string;
  /** null when the command was ended by a signal. */
  exitCode: number | null;
}

export interface FileOptions {
  timeoutMs?: number;
  /** As root (through sudo when the remote user is not root). */
  sudo?: boolean;
}

export interface RemoteExecutor {
  readonly address: string;
  /**
   * Fingerprint (`SHA256:...`) of the host key seen on the current connection; "" before the
   * first. When the target had none recorded, the caller stores this as HostCreds.ssh_host_key.
   */
  readonly hostKey: string;
  run(command: string, options?: RunOptions): Promise<RunResult>;
  readFile(path: string, options?: FileOptions): Promise<Buffer>;
  writeFile(
    path: string,
    data: string | Buffer,
    options?: FileOptions & { mode?: number },
  ): Promise<void>;
  /** Facts of the host, from one command in one session. */
  facts(options?: { timeoutMs?: number }): Promise<HostFacts>;
  /** Gives the connection back; the last executor of a host closes it. */
  close(): Promise<void>;
}

export interface RemoteConnector {
  /** Connects (or joins the open connection to the same host and user). */
  open(target: RemoteTarget): Promise<RemoteExecutor>;
  /** Closes every connection (at service stop). */
  close(): Promise<void>;
}
