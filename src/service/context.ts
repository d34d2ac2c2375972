/** What a handler gets besides its params: the message it came in, and a way to answer early. */

import type { Logger } from "../base/logger.js";
import type { Bus } from "../bus/bus.js";
import type { RequestId } from "../bus/jsonrpc.js";

export interface MessageContext {
  readonly routingKey: string;
  readonly method: string;
  /** The JSON-RPC id; undefined for a notification. */
  readonly id: RequestId | undefined;
  /** The queue the reply goes to; undefined when nobody waits for one. */
  readonly replyTo: string | undefined;
  readonly headers: Readonly<Record<string, unknown>>;
  /** The request body as received. */
  readonly body: string;
  /** True when this message was delivered before (its first consumer died or gave it back). */
  readonly redelivered: boolean;
  readonly bus: Bus;
  readonly logger: Logger;
  /**
   * Replies now with `result` and lets the handler go on working; what the handler later returns
   * is not sent (long operations reply at once and record their progress elsewhere).
   */
  respond(result: unknown): Promise<void>;
  readonly responded: boolean;
}
