/**
 * SshPool: the RemoteConnector over SSH. One link per host (user, address, port) shared by every
 * executor open on it, at most `maxConnections` connections in the process (more wait in turn).
 */
import { type Logger, silentLogger } from "../base/logger.js";
import type { RemoteTarget } from "./credentials.js";
import type { RemoteConnector, RemoteExecutor } from "./executor.js";
import { HostLink } from "./host-link.js";
import { Limiter } from "./limiter.js";
import { DEFAULT_REMOTE_SETTINGS, type RemoteSettings } from "./settings.js";
import { SshExecutor } from "./ssh-executor.js";

export class SshPool implements RemoteConnector {
  readonly settings: RemoteSettings;
  private readonly slots: Limiter;
  private readonly links = new Map<string, HostLink>();
  private closedSessionsPeak = 0;

  constructor(
    settings: Partial<RemoteSettings> = {},
    private readonly logger: Logger = silentLogger(),
  ) {
    this.settings = { ...DEFAULT_REMOTE_SETTINGS, ...settings };
    this.slots = new Limiter(this.settings.maxConnections);
    if (!this.settings.hostKeyCheck)
      logger.warn(
        "remote.host_key_check is off: hosts are accepted whatever key they show, so a changed host cannot be told from an impostor",
      );
  }

  /** Connections open now, the most ever open at once, the most channels on one connection. */
  get connections(): { open: number; peak: number; sessionsPeak: number } {
    const links = [...this.links.values()];
    const sessionsPeak = Math.max(this.closedSessionsPeak, ...links.map((l) => l.sessionsPeak));
    return { open: this.slots.inUse, peak: this.slots.peak, sessionsPeak };
  }

  async open(target: RemoteTarget): Promise<RemoteExecutor> {
    const key = `${target.remoteUser}@${target.address}:${target.port ?? 22}`;
    let link = this.links.get(key);
    if (!link) {
      link = new HostLink(
        target,
        this.settings,
        this.slots,
        this.logger.child({ address: target.address }),
      );
      this.links.set(key, link);
    }
    link.refs++;
    const release = () => {
      if (--link.refs > 0) return;
      link.close();
      this.closedSessionsPeak = Math.max(this.closedSessionsPeak, link.sessionsPeak);
      if (this.links.get(key) === link) this.links.delete(key);
    };
    try {
      await link.connection();
    } catch (err) {
      release();
      throw err;
    }
    return new SshExecutor(link, this.settings, release);
  }

  async close(): Promise<void> {
    for (const link of this.links.values()) link.close();
    this.links.clear();
  }
}
