/**
 * The pool's link to one host (one user, one port): at most one connection at a time, opened on
 * demand under the process-wide connection limit and opened again after it was lost (a reboot),
 * pinned to the host key seen first so a key that changes mid-operation is refused too.
 */
import type { Logger } from "../base/logger.js";
import { SshConnection } from "./connection.js";
import type { RemoteTarget } from "./credentials.js";
import type { Limiter } from "./limiter.js";
import type { RemoteSettings } from "./settings.js";

export class HostLink {
  /** Executors using this link; the pool drops it at zero. */
  refs = 0;
  private current: SshConnection | null = null;
  private pending: Promise<SshConnection> | null = null;
  private releaseSlot: (() => void) | null = null;
  private pinnedKey: string;
  private pastSessionsPeak = 0;

  constructor(
    readonly target: RemoteTarget,
    private readonly settings: RemoteSettings,
    private readonly slots: Limiter,
    private readonly logger: Logger,
  ) {
    this.pinnedKey = target.sshHostKey ?? "";
  }

  /** The most channels ever open at once on one connection of this link. */
  get sessionsPeak(): number {
    return Math.max(this.pastSessionsPeak, this.current?.sessionsInUse.peak ?? 0);
  }

  get hostKey(): string {
    return this.current?.hostKey ?? this.pinnedKey;
  }

  /** The open connection, or a new one (single flight: concurrent callers share it). */
  connection(): Promise<SshConnection> {
    if (this.current?.isOpen) return Promise.resolve(this.current);
    this.pending ??= this.connect().finally(() => {
      this.pending = null;
    });
    return this.pending;
  }

  private async connect(): Promise<SshConnection> {
    const address = this.target.address;
    this.forget();
    this.releaseSlot ??= await this.slots.acquire();
    const started = Date.now();
    try {
      const connection = await SshConnection.open(
        { ...this.target, sshHostKey: this.pinnedKey },
        this.settings,
      );
      if (!this.pinnedKey)
        this.logger.info(
          { address, host_key: connection.hostKey },
          "host key seen for the first time",
        );
      this.pinnedKey = connection.hostKey;
      this.logger.debug({ address, ms: Date.now() - started }, "connected");
      this.current = connection;
      return connection;
    } catch (err) {
      this.logger.debug({ address, err: (err as Error).message }, "connection failed");
      this.releaseSlot?.();
      this.releaseSlot = null;
      throw err;
    }
  }

  private forget(): void {
    this.pastSessionsPeak = this.sessionsPeak;
    this.current = null;
  }

  close(): void {
    this.current?.close();
    this.forget();
    this.releaseSlot?.();
    this.releaseSlot = null;
  }
}
