/**
 * The log lines every transport's connection writes when it is lost and when it is back, with how
 * long it was down: one definition, so operators search for one text whatever the transport.
 * A transport reports the two events (TransportEvents.onConnectionLost / onReconnect); the Bus
 * writes the lines and counts them (Bus.counters).
 */
import type { Logger } from "../base/logger.js";

export const CONNECTION_LOST_MESSAGE = "bus connection lost";
export const CONNECTION_RESTORED_MESSAGE = "bus connection restored";

/** Follows one transport's connection: logs each outage once, and its end with its length. */
export class ConnectionLog {
  private lostAt: number | undefined;

  constructor(
    private readonly logger: Logger,
    /** Fields on both lines: the bus URI without its password, the transport kind. */
    private readonly fields: Record<string, unknown>,
  ) {}

  get down(): boolean {
    return this.lostAt !== undefined;
  }

  /** True when this starts an outage (a second loss during one outage says nothing). */
  lost(now: number = Date.now()): boolean {
    if (this.lostAt !== undefined) return false;
    this.lostAt = now;
    this.logger.warn(this.fields, CONNECTION_LOST_MESSAGE);
    return true;
  }

  /** Logs the end of the outage with `downMs` (null when no loss was seen before). */
  restored(now: number = Date.now()): number | null {
    const downMs = this.lostAt === undefined ? null : now - this.lostAt;
    this.lostAt = undefined;
    this.logger.info({ ...this.fields, downMs }, CONNECTION_RESTORED_MESSAGE);
    return downMs;
  }
}
