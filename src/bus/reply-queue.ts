/**
 * One reply queue per client for all its calls (WIRE.md "Replies"): replies are matched to calls by
 * JSON-RPC id, a late reply to a call that timed out is dropped, and the queue and its binding are
 * removed when the client closes.
 */
import { randomUUID } from "node:crypto";
import type { Logger } from "../base/logger.js";
import {
  contentTypeOf,
  envelopePayload,
  JSON_CONTENT_TYPE,
  TEXT_CONTENT_TYPE,
} from "./envelope.js";
import { BusClosedError, errorFromWire, RequestTimeoutError } from "./errors.js";
import { parseResponse, type RequestId } from "./jsonrpc.js";
import type { Consumer, Delivery, QueueSpec, Transport } from "./transport.js";

interface PendingCall {
  resolve(value: unknown): void;
  reject(error: Error): void;
  timer: NodeJS.Timeout;
}

export class ReplyQueue {
  readonly name = `response-${randomUUID()}`;
  private readonly pending = new Map<string, PendingCall>();
  private readonly spec: QueueSpec;
  private consumer: Consumer | null = null;
  private ready: Promise<void> | null = null;

  constructor(
    private readonly transport: Transport,
    private readonly logger: Logger,
  ) {
    // Bound like the Python client's reply queues: a direct exchange named after the queue.
    this.spec = {
      name: this.name,
      bindings: [{ exchange: this.name, routingKey: this.name }],
      // Ours alone: no other connection may declare (and so read) our replies.
      exclusive: true,
    };
  }

  /** Declares the queue and starts consuming it, once. */
  open(): Promise<void> {
    this.ready ??= (async () => {
      await this.transport.declareExchange(this.name, "direct");
      await this.transport.declareQueue(this.spec);
      this.consumer = this.transport.consume([this.name], (d) => this.onReply(d), {
        prefetch: 1,
        noAck: true,
      });
    })();
    return this.ready;
  }

  /** Registers a call; the returned promise settles with its reply, or its timeout. */
  expect(id: string, routingKey: string, timeoutMs: number): Promise<unknown> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new RequestTimeoutError(routingKey, timeoutMs));
      }, timeoutMs);
      this.pending.set(id, { resolve, reject, timer });
    });
  }

  isPending(id: string): boolean {
    return this.pending.has(id);
  }

  /** Settles a registered call with an error of the caller's side (e.g. publishing failed). */
  fail(id: string, error: Error): void {
    const call = this.pending.get(id);
    if (!call) return;
    this.pending.delete(id);
    clearTimeout(call.timer);
    call.reject(error);
  }

  private onReply(delivery: Delivery): void {
    const type = contentTypeOf(delivery.envelope);
    if (type !== TEXT_CONTENT_TYPE && type !== JSON_CONTENT_TYPE) {
      this.logger.warn(
        { queue: this.name, contentType: type },
        "reply with an unsupported content type dropped",
      );
      return;
    }
    const response = parseResponse(envelopePayload(delivery.envelope));
    if (!response) {
      this.logger.warn({ queue: this.name }, "reply that is not a JSON-RPC response dropped");
      return;
    }
    // An answer given without reading the request (id -1: unparsable, oversized) still reaches its
    // caller through the correlation id.
    const correlation = delivery.envelope.properties.correlation_id;
    const key =
      typeof correlation === "string" && this.pending.has(correlation)
        ? correlation
        : String(response.id as RequestId);
    const call = this.pending.get(key);
    if (!call) {
      this.logger.debug({ id: response.id }, "late or unknown reply dropped");
      return;
    }
    this.pending.delete(key);
    clearTimeout(call.timer);
    if (response.error !== undefined) call.reject(errorFromWire(response.error));
    else call.resolve(response.result);
  }

  async close(): Promise<void> {
    for (const id of [...this.pending.keys()])
      this.fail(id, new BusClosedError("wait for a reply"));
    if (!this.ready) return;
    await this.ready.catch(() => undefined);
    await this.consumer?.stop();
    await this.transport.deleteQueue(this.spec).catch(() => undefined);
  }
}
