/**
 * One delivery to one handler: decode and judge the request, find `on_<method>`, bind params, run
 * it, reply with its result or the error code of WIRE.md. Bad input is answered (when someone waits
 * for an answer), logged once, and never breaks the service.
 */

import type { Logger } from "../base/logger.js";
import type { Bus } from "../bus/bus.js";
import {
  contentTypeOf,
  envelopePayload,
  JSON_CONTENT_TYPE,
  TEXT_CONTENT_TYPE,
} from "../bus/envelope.js";
import {
  ErrorCode,
  errorToWire,
  InternalError,
  InvalidRequestError,
  MethodNotFoundError,
  ParseError,
  type RemoteProcedureCallError,
} from "../bus/errors.js";
import type { JsonText } from "../bus/json-pieces.js";
import {
  encodeError,
  encodeResult,
  parseRequest,
  type RequestId,
  UNKNOWN_ID,
} from "../bus/jsonrpc.js";
import type { Delivery } from "../bus/transport.js";
import type { MessageContext } from "./context.js";
import type { BoundHandler } from "./handler.js";
import { bindParams } from "./params.js";

export interface DispatchTarget {
  readonly bus: Bus;
  readonly logger: Logger;
  readonly maxBodyBytes: number;
  /** The handler of a method, or undefined when the service has none. */
  handlerFor(method: string): BoundHandler | undefined;
  /**
   * Offered a body that is a JSON object without `jsonrpc` (a bare record, such as the original
   * REST server's WatcherRecords on queue `watcher`) before it is judged as a request; true when
   * it was taken. A taken record is never answered.
   */
  acceptRecord?(body: Record<string, unknown>, routingKey: string): boolean | Promise<boolean>;
  /**
   * Told of every request answered (or that would have been): its method (UNKNOWN_METHOD when it
   * named none of ours), its JSON-RPC error code or null, and how long it took (metrics).
   */
  observe?(method: string, code: number | null, seconds: number): void;
}

/** The method label of a request that reached no handler (bad JSON, unknown method...). */
export const UNKNOWN_METHOD = "(unknown)";

/** What became of one delivery, for DispatchTarget.observe; method null: not a request. */
interface Outcome {
  method: string | null;
  code: number | null;
}

/** The body as a JSON object without `jsonrpc`, or undefined. */
function bareRecord(payload: string): Record<string, unknown> | undefined {
  try {
    const body: unknown = JSON.parse(payload);
    if (typeof body !== "object" || body === null || Array.isArray(body) || "jsonrpc" in body)
      return undefined;
    return body as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/** The request's correlation id, echoed on its answer so an id -1 answer still finds its caller. */
const correlationOf = (envelope: Delivery["envelope"]): string | undefined =>
  typeof envelope.properties.correlation_id === "string"
    ? envelope.properties.correlation_id
    : undefined;

export async function dispatch(target: DispatchTarget, delivery: Delivery): Promise<void> {
  if (!target.observe) return handle(target, delivery, { method: null, code: null });
  const started = performance.now();
  const outcome: Outcome = { method: UNKNOWN_METHOD, code: null };
  try {
    await handle(target, delivery, outcome);
  } finally {
    if (outcome.method !== null)
      target.observe(outcome.method, outcome.code, (performance.now() - started) / 1000);
  }
}

async function handle(target: DispatchTarget, delivery: Delivery, outcome: Outcome): Promise<void> {
  const { envelope, routingKey } = delivery;
  const replyTo =
    typeof envelope.properties.reply_to === "string" && envelope.properties.reply_to !== ""
      ? envelope.properties.reply_to
      : undefined;
  // The message's logger is made on first use: a child logger per message costs more than
  // handling a fast request does, and most messages log nothing.
  let child: Logger | undefined;
  const log = (): Logger => {
    child ??= target.logger.child({ routingKey, tag: delivery.tag });
    return child;
  };

  // Replies are sent without waiting for Redis to confirm them: the acknowledgement that follows
  // goes out on the same connection after the reply, so the order holds, and a fast handler's
  // message is settled within the event-loop turn it arrived in.
  const send = (text: JsonText): void => {
    if (!replyTo) return;
    target.bus
      .reply(replyTo, text, correlationOf(envelope))
      .catch((err: Error) => log().error({ err: err.message }, "reply not sent"));
  };
  const answerError = (
    id: RequestId | null,
    error: RemoteProcedureCallError,
    logged: boolean,
  ): void => {
    outcome.code = error.code;
    if (!logged) log().warn({ code: error.code, reason: error.message }, "request refused");
    send(encodeError(id, error));
  };

  if (delivery.size > target.maxBodyBytes) {
    const error = new InvalidRequestError(
      `message of ${delivery.size} bytes exceeds the limit of ${target.maxBodyBytes} bytes`,
    );
    return answerError(UNKNOWN_ID, error, false);
  }
  const type = contentTypeOf(envelope);
  if (type !== JSON_CONTENT_TYPE && type !== TEXT_CONTENT_TYPE) {
    // Never decode anything but JSON (a pickle, above all).
    const error = new ParseError(
      `content type "${type}" is not accepted; requests must be ${JSON_CONTENT_TYPE}`,
    );
    return answerError(UNKNOWN_ID, error, false);
  }
  if (target.acceptRecord) {
    const record = bareRecord(envelopePayload(envelope));
    try {
      if (record && (await target.acceptRecord(record, routingKey))) {
        outcome.method = null;
        return;
      }
    } catch (err) {
      outcome.method = null;
      log().error({ err }, "record not taken");
      return;
    }
  }
  const parsed = parseRequest(envelopePayload(envelope), routingKey);
  if (!parsed.ok) return answerError(parsed.id, parsed.error, false);

  const { request } = parsed;
  const id = request.id;
  const handler = target.handlerFor(request.method);
  if (!handler) {
    return answerError(
      id ?? UNKNOWN_ID,
      new MethodNotFoundError(`method "${request.method}" not found`),
      false,
    );
  }

  outcome.method = request.method;
  let responded = false;
  const respond = async (result: unknown): Promise<void> => {
    if (responded) throw new Error(`already responded to ${request.method} (${String(id)})`);
    responded = true;
    let text: JsonText;
    try {
      text = encodeResult(id ?? UNKNOWN_ID, result);
    } catch (err) {
      // A result JSON cannot hold (a cycle, a BigInt): the caller still gets an answer.
      const error = new InternalError(
        `the result of ${request.method} cannot be sent as JSON: ${(err as Error).message}`,
        {
          exception: (err as Error).constructor.name,
        },
      );
      log().error(
        { err: (err as Error).message },
        `${request.method} returned a result that is not JSON`,
      );
      text = encodeError(id ?? UNKNOWN_ID, error);
      outcome.code = error.code;
    }
    send(text);
  };
  const context: MessageContext = {
    routingKey,
    method: request.method,
    id,
    replyTo,
    headers: envelope.headers,
    body: envelopePayload(envelope),
    redelivered: delivery.redelivered,
    bus: target.bus,
    get logger() {
      return log();
    },
    respond,
    get responded() {
      return responded;
    },
  };

  let result: unknown;
  try {
    const params = bindParams(request.method, request.params, handler.schema);
    result = await handler.call(params, context);
  } catch (err) {
    const error = errorToWire(err);
    outcome.code = error.code;
    if (error.code === -32603) log().error({ err }, `${request.method} failed`);
    // "Not stored" is an ordinary answer (callers ask to learn whether something exists).
    else if (error.code === ErrorCode.STORAGE_LOOKUP)
      log().debug({ reason: error.message }, `${request.method}: not found`);
    else log().warn({ code: error.code, reason: error.message }, `${request.method} refused`);
    if (responded) return;
    responded = true;
    return answerError(id ?? UNKNOWN_ID, error, true);
  }
  if (!responded) await respond(result);
}
