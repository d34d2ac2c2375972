/**
 * Calls one handler of a service directly, with its params bound and validated exactly as on the
 * bus (named or positional; -32602 as InvalidParamsError when they do not fit), and resolves to
 * what the caller would receive: the result, or the error the handler threw.
 */
import { randomUUID } from "node:crypto";
import { MethodNotFoundError } from "../bus/errors.js";
import type { Params } from "../bus/jsonrpc.js";
import type { MessageContext } from "../service/context.js";
import { bindParams } from "../service/params.js";
import type { CommissaireService } from "../service/service.js";

export interface CallHandlerOptions {
  headers?: Record<string, unknown>;
  redelivered?: boolean;
}

export async function callHandler(
  service: CommissaireService,
  method: string,
  params: Params = {},
  options: CallHandlerOptions = {},
): Promise<unknown> {
  const handler = service.handlerFor(method);
  if (!handler) throw new MethodNotFoundError(`method "${method}" not found`);
  const id = randomUUID();
  let early: { result: unknown } | undefined;
  const context: MessageContext = {
    routingKey: `${service.name}.${method}`,
    method,
    id,
    replyTo: "test-reply",
    headers: options.headers ?? {},
    body: JSON.stringify({ jsonrpc: "2.0", id, method, params }),
    redelivered: options.redelivered ?? false,
    bus: service.bus,
    logger: service.logger,
    respond: async (result) => {
      if (early) throw new Error(`already responded to ${method}`);
      early = { result };
    },
    get responded() {
      return early !== undefined;
    },
  };
  const result = await handler.call(bindParams(method, params, handler.schema), context);
  // A handler that answered early (context.respond) gave the caller that answer.
  return early ? early.result : result;
}
