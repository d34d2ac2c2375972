/** Every transport is chosen here, by the bus URI's scheme, and nowhere else. */
import { BusUriError } from "../errors.js";
import type { Transport, TransportEvents } from "../transport.js";
import { AmqpTransport, type AmqpTransportOptions } from "./amqp/transport.js";
import { MemoryBroker } from "./memory/broker.js";
import { MemoryTransport } from "./memory/transport.js";
import { RedisTransport, type RedisTransportOptions } from "./redis/transport.js";

export interface TransportOptions extends TransportEvents {
  /** For memory://: the broker to share with other transports of this process (else a new one). */
  memoryBroker?: MemoryBroker;
  redis?: Omit<RedisTransportOptions, keyof TransportEvents>;
  amqp?: Omit<AmqpTransportOptions, keyof TransportEvents>;
}

export const SUPPORTED_SCHEMES = ["redis", "rediss", "amqp", "amqps", "memory"] as const;

export function createTransport(uri: string, options: TransportOptions = {}): Transport {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
  const events: TransportEvents = {
    onError: options.onError,
    onReconnect: options.onReconnect,
    onConnectionLost: options.onConnectionLost,
    onDeadLetter: options.onDeadLetter,
  };
  switch (scheme) {
    case "redis":
    case "rediss":
      try {
        return new RedisTransport(uri, { ...options.redis, ...events });
      } catch (err) {
        // Only the URI and its options can be wrong before anything is sent.
        throw new BusUriError((err as Error).message);
      }
    case "amqp":
    case "amqps":
      try {
        return new AmqpTransport(uri, { ...options.amqp, ...events });
      } catch (err) {
        throw new BusUriError((err as Error).message);
      }
    case "memory":
      return new MemoryTransport(options.memoryBroker ?? new MemoryBroker(), events);
    default:
      throw new BusUriError(
        `bus URI "${redactUri(uri)}": unsupported scheme ${scheme ? `"${scheme}"` : "(none)"}; use one of ${SUPPORTED_SCHEMES.map((s) => `${s}://`).join(", ")}`,
      );
  }
}

/** The URI with any password replaced, for messages and logs. */
export function redactUri(uri: string): string {
  return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@/i, (_m, scheme: string, auth: string) => {
    const user = auth.includes(":") ? auth.slice(0, auth.indexOf(":")) : "";
    return `${scheme}${user}:***@`;
  });
}

export { MemoryBroker };
