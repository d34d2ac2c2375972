/** RemoteExecutor over a pooled SSH link: commands on exec channels, files over SFTP. */
import { CommandFailedError, RemoteError } from "./errors.js";
import type { FileOptions, RemoteExecutor, RunOptions, RunResult } from "./executor.js";
import { FACTS_SCRIPT, type HostFacts, parseFacts } from "./facts.js";
import type { HostLink } from "./host-link.js";
import type { RemoteSettings } from "./settings.js";
import { quote, withSudo } from "./shell.js";

/** SFTP status codes (draft-ietf-secsh-filexfer) in words. */
const SFTP_STATUS: Record<number, string> = {
  2: "no such file",
  3: "permission denied",
  4: "failure",
};

export class SshExecutor implements RemoteExecutor {
  private closed = false;

  constructor(
    private readonly link: HostLink,
    private readonly settings: RemoteSettings,
    private readonly onClose: () => void,
  ) {}

  get address(): string {
    return this.link.target.address;
  }

  get hostKey(): string {
    return this.link.hostKey;
  }

  private get asRoot(): boolean {
    return this.link.target.remoteUser === "root";
  }

  async run(command: string, options: RunOptions = {}): Promise<RunResult> {
    if (this.closed) throw new RemoteError("unreachable", this.address, "the executor was closed");
    const line = options.sudo && !this.asRoot ? withSudo(command) : command;
    const connection = await this.link.connection();
    const timeoutMs = options.timeoutMs ?? this.settings.commandTimeoutMs;
    const result = await connection.exec(line, timeoutMs, options.stdin, command);
    if ((options.check ?? true) && result.exitCode !== 0)
      throw new CommandFailedError(
        this.address,
        command,
        result.exitCode,
        result.stdout,
        result.stderr,
        result.signal,
      );
    return result;
  }

  async readFile(path: string, options: FileOptions = {}): Promise<Buffer> {
    if (options.sudo && !this.asRoot) {
      const { stdout } = await this.run(`base64 < ${quote(path)}`, { ...options, sudo: true });
      return Buffer.from(stdout, "base64");
    }
    return this.sftp(`reading ${path}`, options, (sftp, done) => sftp.readFile(path, done));
  }

  async writeFile(
    path: string,
    data: string | Buffer,
    options: FileOptions & { mode?: number } = {},
  ): Promise<void> {
    const mode = options.mode ?? 0o644;
    if (options.sudo && !this.asRoot) {
      const line = `cat > ${quote(path)} && chmod ${mode.toString(8)} ${quote(path)}`;
      await this.run(line, { ...options, sudo: true, stdin: data });
      return;
    }
    await this.sftp(`writing ${path}`, options, (sftp, done) =>
      sftp.writeFile(path, data, { mode }, (err) => done(err)),
    );
  }

  async facts(options: { timeoutMs?: number } = {}): Promise<HostFacts> {
    const { stdout, stderr } = await this.run(FACTS_SCRIPT, options);
    return parseFacts(this.address, stdout, stderr);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.onClose();
  }

  private async sftp<T>(
    what: string,
    options: FileOptions,
    call: (
      sftp: import("ssh2").SFTPWrapper,
      done: (err: Error | null | undefined, value?: T) => void,
    ) => void,
  ): Promise<T> {
    if (this.closed) throw new RemoteError("unreachable", this.address, "the executor was closed");
    const connection = await this.link.connection();
    return connection.sftp(
      options.timeoutMs ?? this.settings.commandTimeoutMs,
      what,
      (sftp) =>
        new Promise<T>((resolve, reject) =>
          call(sftp, (err, value) => {
            if (!err) return resolve(value as T);
            const code = (err as { code?: number }).code;
            const why = (code !== undefined && SFTP_STATUS[code]) || err.message;
            reject(new RemoteError("file-failed", this.address, `${what} failed: ${why}`));
          }),
        ),
    );
  }
}
