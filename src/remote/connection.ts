/**
 * One SSH connection to one host (ssh2): connect with a deadline and keepalive, verify the host
 * key, then run commands and SFTP transfers on channels, never more at once than the server
 * allows sessions per connection (OpenSSH's MaxSessions is 10).
 */
import ssh2, { type SFTPWrapper } from "ssh2";
import { decodePrivateKey, type RemoteTarget } from "./credentials.js";
import { connectError, HostKeyChangedError, RemoteError } from "./errors.js";
import { type HostKeyPolicy, judgeHostKey } from "./host-key.js";
import { Limiter } from "./limiter.js";

export interface ConnectionOptions {
  connectTimeoutMs: number;
  keepaliveIntervalMs: number;
  keepaliveCountMax: number;
  sessionsPerConnection: number;
  hostKeyCheck: boolean;
}

export interface ExecResult {
  stdout: string;
  stderr: string;
  /** null when the command was ended by a signal. */
  exitCode: number | null;
  signal?: string;
}

export class SshConnection {
  private readonly sessions: Limiter;
  private lost: RemoteError | null = null;
  private readonly inFlight = new Set<(err: RemoteError) => void>();

  private constructor(
    private readonly client: ssh2.Client,
    readonly address: string,
    /** The host key's fingerprint seen on this connection. */
    readonly hostKey: string,
    sessions: number,
  ) {
    this.sessions = new Limiter(sessions);
    client.on("close", () => this.fail(new RemoteError("unreachable", address, "connection lost")));
    client.on("error", (err: Error & { level?: string }) => {
      const why =
        err.level === "client-timeout"
          ? "the host stopped answering (keepalive timed out)"
          : `connection lost: ${err.message}`;
      this.fail(new RemoteError("unreachable", address, why));
    });
  }

  static open(target: RemoteTarget, options: ConnectionOptions): Promise<SshConnection> {
    const privateKey = decodePrivateKey(target);
    const policy: HostKeyPolicy = {
      expected: target.sshHostKey ?? "",
      check: options.hostKeyCheck,
    };
    const client = new ssh2.Client();
    let seen = "";
    let refused: HostKeyChangedError | null = null;
    return new Promise((resolve, reject) => {
      // ssh2 may report several errors for one failed attempt: the first one decides.
      const onError = (err: unknown) => {
        client.removeListener("ready", onReady);
        client.removeListener("close", onClose);
        client.end();
        reject(refused ?? connectError(target.address, err));
      };
      // Closed after the server's banner but before "ready" (an sshd killed mid-handshake, or one
      // turning connections away): ssh2 says only "close" and stops its handshake timer, so
      // without this the connect would never settle.
      const onClose = () =>
        onError(
          new RemoteError("unreachable", target.address, "connection closed during the handshake"),
        );
      const onReady = () => {
        client.removeListener("error", onError);
        client.removeListener("close", onClose);
        resolve(new SshConnection(client, target.address, seen, options.sessionsPerConnection));
      };
      client.on("error", onError);
      client.once("close", onClose);
      client.once("ready", onReady);
      client.connect({
        host: target.address,
        port: target.port ?? 22,
        username: target.remoteUser,
        privateKey,
        // The key at once: ssh2 would ask with "none" first, a round trip (and a trip through
        // sshd's privilege-separation monitor) that can only fail for a host we manage.
        authHandler: ["publickey"],
        readyTimeout: options.connectTimeoutMs,
        keepaliveInterval: options.keepaliveIntervalMs,
        keepaliveCountMax: options.keepaliveCountMax,
        hostVerifier: (key: Buffer) => {
          const verdict = judgeHostKey(policy, key);
          seen = verdict.seen;
          if (!verdict.ok) refused = new HostKeyChangedError(target.address, policy.expected, seen);
          return verdict.ok;
        },
      });
    });
  }

  get isOpen(): boolean {
    return this.lost === null;
  }

  /** Sessions open right now and the most ever (to check the per-connection limit). */
  get sessionsInUse(): { now: number; peak: number } {
    return { now: this.sessions.inUse, peak: this.sessions.peak };
  }

  /** Runs a command; stdin, if given, is written and closed. */
  exec(
    command: string,
    timeoutMs: number,
    stdin?: Buffer | string,
    label = command,
  ): Promise<ExecResult> {
    return this.withChannel(timeoutMs, `command \`${label}\``, (done, fail, hold) => {
      this.client.exec(command, (err, stream) => {
        if (err)
          return fail(new ChannelRefused(this.address, `cannot start a session: ${err.message}`));
        const out: Buffer[] = [];
        const errOut: Buffer[] = [];
        stream.on("data", (d: Buffer) => out.push(d));
        stream.stderr.on("data", (d: Buffer) => errOut.push(d));
        stream.on("close", (code: number | null | undefined, signal?: string) =>
          done({
            stdout: Buffer.concat(out).toString("utf8"),
            stderr: Buffer.concat(errOut).toString("utf8"),
            exitCode: typeof code === "number" ? code : null,
            ...(signal ? { signal } : {}),
          }),
        );
        hold(() => stream.close());
        if (stdin !== undefined) stream.end(stdin);
      });
    });
  }

  /** Opens an SFTP channel for one piece of work and closes it after. */
  sftp<T>(timeoutMs: number, what: string, work: (sftp: SFTPWrapper) => Promise<T>): Promise<T> {
    return this.withChannel(timeoutMs, what, (done, fail, hold) => {
      this.client.sftp((err, sftp) => {
        if (err) return fail(new ChannelRefused(this.address, `cannot start SFTP: ${err.message}`));
        hold(() => sftp.end());
        work(sftp)
          .then(done, fail)
          .finally(() => sftp.end());
      });
    });
  }

  close(): void {
    this.fail(new RemoteError("unreachable", this.address, "connection closed"));
    this.client.end();
  }

  private fail(err: RemoteError): void {
    if (this.lost) return;
    this.lost = err;
    for (const reject of this.inFlight) reject(err);
  }

  /**
   * One channel under the session limit, with a deadline (waiting for a slot included) and a
   * clean end if the link drops. A channel the server refuses (its MaxSessions lower than ours,
   * or a closed session not yet freed on its side) is asked for again shortly, while time remains.
   */
  private async withChannel<T>(
    timeoutMs: number,
    what: string,
    start: ChannelStart<T>,
  ): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    for (let attempt = 0; ; attempt++) {
      const backoff = Math.min(10 * 2 ** attempt, 250);
      const release = await this.sessions.acquire();
      try {
        if (this.lost) throw this.lost;
        return await this.attempt(Math.max(1, deadline - Date.now()), timeoutMs, what, start);
      } catch (err) {
        if (!(err instanceof ChannelRefused) || Date.now() + backoff >= deadline) throw err;
      } finally {
        release();
      }
      await new Promise((resolve) => setTimeout(resolve, backoff)); // before asking the server again
    }
  }

  private attempt<T>(
    remainingMs: number,
    timeoutMs: number,
    what: string,
    start: ChannelStart<T>,
  ): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      let stop = () => {};
      const settle = (f: () => void) => {
        clearTimeout(timer);
        this.inFlight.delete(onLost);
        f();
      };
      const timer = setTimeout(() => {
        settle(() =>
          reject(
            new RemoteError("timeout", this.address, `${what} timed out after ${timeoutMs} ms`),
          ),
        );
        stop();
      }, remainingMs);
      const onLost = (err: RemoteError) =>
        settle(() => reject(new RemoteError(err.kind, this.address, `${what}: ${err.reason}`)));
      this.inFlight.add(onLost);
      start(
        (v) => settle(() => resolve(v)),
        (e) => settle(() => reject(e)),
        (s) => {
          stop = s;
        },
      );
    });
  }
}

/** The server would not open a channel now; worth asking again. */
class ChannelRefused extends RemoteError {
  constructor(address: string, reason: string) {
    super("unreachable", address, reason);
  }
}

/** Starts a channel's work: `done`/`fail` settle it, `hold` says how to stop it on a timeout. */
type ChannelStart<T> = (
  done: (value: T) => void,
  fail: (err: unknown) => void,
  hold: (stop: () => void) => void,
) => void;
