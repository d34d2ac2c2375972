/**
 * JSON-RPC 2.0 codec of the wire contract (WIRE.md section 1): building requests, notifications and
 * responses, and judging an incoming request before anything runs it.
 */
import {
  InvalidParamsError,
  InvalidRequestError,
  ParseError,
  type RemoteProcedureCallError,
} from "./errors.js";
import { JsonPieces, type JsonText } from "./json-pieces.js";

export type Params = Record<string, unknown> | unknown[];
export type RequestId = string | number;

export interface JsonRpcRequest {
  jsonrpc: "2.0";
  id?: RequestId;
  method: string;
  params: Params;
}

export interface JsonRpcResponse {
  jsonrpc: "2.0";
  id: RequestId | null;
  result?: unknown;
  error?: { code: number; message: string; data?: unknown };
}

/** The id a response carries when the request could not be parsed (the original's choice). */
export const UNKNOWN_ID = -1;

/** Deepest nesting of arrays and objects a request may have; deeper is refused with -32600. */
export const MAX_JSON_DEPTH = 128;

/**
 * The nesting depth of a JSON text, or of its first `limit + 1` levels: a linear scan that skips
 * strings, so a deep body is refused before any recursive code (parsing, validation, logging) sees it.
 */
export function jsonDepth(text: string, limit = MAX_JSON_DEPTH): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92 /* \ */) i++;
      else if (c === 34 /* " */) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 91 /* [ */ || c === 123 /* { */) {
      depth++;
      if (depth > max) {
        max = depth;
        if (max > limit) return max;
      }
    } else if (c === 93 /* ] */ || c === 125 /* } */) depth--;
  }
  return max;
}

export function methodOfRoutingKey(routingKey: string): string {
  const dot = routingKey.lastIndexOf(".");
  return dot < 0 ? routingKey : routingKey.slice(dot + 1);
}

export function encodeRequest(id: RequestId | undefined, method: string, params: Params): string {
  return JSON.stringify(
    id === undefined ? { jsonrpc: "2.0", method, params } : { jsonrpc: "2.0", id, method, params },
  );
}

/**
 * A handler's result that is JSON text already (a store's cached records): the reply takes the
 * text as it is instead of encoding the value again. Anything else that encodes it parses it.
 * A list is kept as its items' texts, so the reply is written from them without joining them.
 */
export class EncodedJson {
  readonly pieces: readonly string[];
  constructor(text: string | readonly string[]) {
    this.pieces = typeof text === "string" ? [text] : text;
  }

  /** A JSON array of items that are JSON texts. */
  static array(items: readonly string[]): EncodedJson {
    const pieces: string[] = ["["];
    for (const [i, item] of items.entries()) {
      if (i > 0) pieces.push(",");
      pieces.push(item);
    }
    pieces.push("]");
    return new EncodedJson(pieces);
  }

  get text(): string {
    return this.pieces.join("");
  }

  toJSON(): unknown {
    return JSON.parse(this.text);
  }
}

/** A response; one whose result is JSON text already is returned in pieces (json-pieces.ts). */
export function encodeResult(id: RequestId | null, result: unknown): JsonText {
  if (result instanceof EncodedJson)
    return new JsonPieces([
      `{"jsonrpc":"2.0","id":${JSON.stringify(id)},"result":`,
      ...result.pieces,
      "}",
    ]);
  return JSON.stringify({ jsonrpc: "2.0", id, result: result === undefined ? null : result });
}

export function encodeError(id: RequestId | null, error: RemoteProcedureCallError): string {
  return JSON.stringify({ jsonrpc: "2.0", id, error: error.toJSON() });
}

export type ParsedRequest =
  | { ok: true; request: JsonRpcRequest }
  | { ok: false; id: RequestId; error: RemoteProcedureCallError };

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/**
 * Parses and checks a request body. The method must equal the last element of the routing key it
 * arrived on, so a message cannot reach a method other than the one it was routed for.
 */
export function parseRequest(text: string, routingKey: string): ParsedRequest {
  if (jsonDepth(text) > MAX_JSON_DEPTH) {
    return {
      ok: false,
      id: UNKNOWN_ID,
      error: new InvalidRequestError(`body is nested deeper than ${MAX_JSON_DEPTH} levels`),
    };
  }
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch (err) {
    return {
      ok: false,
      id: UNKNOWN_ID,
      error: new ParseError(`body is not valid JSON: ${(err as Error).message}`),
    };
  }
  if (!isPlainObject(body)) {
    const got = Array.isArray(body) ? "an array" : body === null ? "null" : typeof body;
    return {
      ok: false,
      id: UNKNOWN_ID,
      error: new InvalidRequestError(`body must be a JSON-RPC object, got ${got}`),
    };
  }
  const rawId = body.id;
  const validId =
    typeof rawId === "string" || (typeof rawId === "number" && Number.isFinite(rawId));
  const id: RequestId = validId ? (rawId as RequestId) : UNKNOWN_ID;
  if (rawId !== undefined && rawId !== null && !validId) {
    // 1e400 parses to Infinity, which JSON would send back as null: refuse it by name instead.
    return {
      ok: false,
      id,
      error: new InvalidRequestError("id must be a string or a finite number"),
    };
  }
  if (body.jsonrpc !== "2.0") {
    return { ok: false, id, error: new InvalidRequestError('member "jsonrpc" must be "2.0"') };
  }
  if (typeof body.method !== "string" || body.method === "") {
    return {
      ok: false,
      id,
      error: new InvalidRequestError('member "method" must be a non-empty string'),
    };
  }
  const expected = methodOfRoutingKey(routingKey);
  if (body.method !== expected) {
    return {
      ok: false,
      id,
      error: new InvalidRequestError(
        `method "${body.method}" does not match routing key "${routingKey}" (expected "${expected}")`,
      ),
    };
  }
  const params = body.params === undefined || body.params === null ? {} : body.params;
  if (!isPlainObject(params) && !Array.isArray(params)) {
    return { ok: false, id, error: new InvalidParamsError("params must be an object or an array") };
  }
  const request: JsonRpcRequest = { jsonrpc: "2.0", method: body.method, params };
  if (rawId !== undefined && rawId !== null) request.id = rawId as RequestId;
  return { ok: true, request };
}

/**
 * Reads a response body. Besides the plain JSON-RPC response, accepts the early Python services'
 * form {"result": "<the response as a JSON string>"} so either generation of peer can answer us.
 */
export function parseResponse(text: string): JsonRpcResponse | null {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    return null;
  }
  if (isPlainObject(body) && body.jsonrpc === undefined && typeof body.result === "string") {
    try {
      body = JSON.parse(body.result);
    } catch {
      return null;
    }
  }
  if (!isPlainObject(body) || !("result" in body || "error" in body)) return null;
  return body as unknown as JsonRpcResponse;
}
