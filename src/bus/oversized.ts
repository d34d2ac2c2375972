/**
 * The answer to a message too large to be taken: -32600 with id -1 (the body is never read) and
 * the request's correlation id, so the caller that waits for it is answered at once. The Redis
 * transport builds the same answer in Lua (transports/redis/scripts.ts).
 */
import { makeEnvelope, TEXT_CONTENT_TYPE } from "./envelope.js";
import { ErrorCode } from "./errors.js";

export function oversizedMessage(size: number, limit: number): string {
  return `message of ${size} bytes exceeds the limit of ${limit} bytes`;
}

export function oversizedAnswer(
  replyTo: string,
  correlationId: string | undefined,
  size: number,
  limit: number,
): string {
  const payload = JSON.stringify({
    jsonrpc: "2.0",
    id: -1,
    error: { code: ErrorCode.INVALID_REQUEST, message: oversizedMessage(size, limit), data: {} },
  });
  return JSON.stringify(
    makeEnvelope({
      payload,
      exchange: "",
      routingKey: replyTo,
      contentType: TEXT_CONTENT_TYPE,
      ...(correlationId !== undefined ? { correlationId } : {}),
    }),
  );
}
