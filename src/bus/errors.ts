/**
 * Error classes of the JSON-RPC wire contract (WIRE.md section 1). Every error that can cross the
 * bus carries its code, so a service throws a class and the caller gets the same class back.
 */

export const ErrorCode = {
  PARSE_ERROR: -32700,
  INVALID_REQUEST: -32600,
  METHOD_NOT_FOUND: -32601,
  INVALID_PARAMS: -32602,
  INTERNAL_ERROR: -32603,
  STORAGE_LOOKUP: -20000,
  CONTAINER_MANAGER: -20001,
  NOT_FOUND: 404,
  CONFLICT: 409,
} as const;

export type ErrorData = Record<string, unknown>;

/** An error that has (or came from) a JSON-RPC error object. */
export class RemoteProcedureCallError extends Error {
  override name = "RemoteProcedureCallError";
  constructor(
    readonly code: number,
    message: string,
    readonly data: ErrorData = {},
  ) {
    super(message);
  }

  toJSON(): { code: number; message: string; data: ErrorData } {
    return { code: this.code, message: this.message, data: this.data };
  }
}

export class ParseError extends RemoteProcedureCallError {
  override name = "ParseError";
  constructor(message: string, data?: ErrorData) {
    super(ErrorCode.PARSE_ERROR, message, data);
  }
}

export class InvalidRequestError extends RemoteProcedureCallError {
  override name = "InvalidRequestError";
  constructor(message: string, data?: ErrorData) {
    super(ErrorCode.INVALID_REQUEST, message, data);
  }
}

export class MethodNotFoundError extends RemoteProcedureCallError {
  override name = "MethodNotFoundError";
  constructor(message: string, data?: ErrorData) {
    super(ErrorCode.METHOD_NOT_FOUND, message, data);
  }
}

export class InvalidParamsError extends RemoteProcedureCallError {
  override name = "InvalidParamsError";
  constructor(message: string, data?: ErrorData) {
    super(ErrorCode.INVALID_PARAMS, message, data);
  }
}

export class InternalError extends RemoteProcedureCallError {
  override name = "InternalError";
  constructor(message: string, data?: ErrorData) {
    super(ErrorCode.INTERNAL_ERROR, message, data);
  }
}

/** -20000: the model asked for is not stored. */
export class StorageLookupError extends RemoteProcedureCallError {
  override name = "StorageLookupError";
  constructor(message: string, data?: ErrorData) {
    super(ErrorCode.STORAGE_LOOKUP, message, data);
  }
}

/** -20001: the container manager refused or failed. */
export class ContainerManagerError extends RemoteProcedureCallError {
  override name = "ContainerManagerError";
  constructor(message: string, data?: ErrorData) {
    super(ErrorCode.CONTAINER_MANAGER, message, data);
  }
}

/**
 * 409: a storage write's precondition failed (the record exists for a create-only write, or its
 * stored revision is not the one the write was conditioned on). `data.revision` is the stored
 * revision, or null when there is no record.
 */
export class StoragePreconditionError extends RemoteProcedureCallError {
  override name = "StoragePreconditionError";
  constructor(message: string, data?: ErrorData) {
    super(ErrorCode.CONFLICT, message, data);
  }
}

/** A request got no reply in time. Raised on the caller's side only; never sent on the bus. */
export class RequestTimeoutError extends Error {
  override name = "RequestTimeoutError";
  constructor(
    readonly routingKey: string,
    readonly timeoutMs: number,
  ) {
    super(`no reply to "${routingKey}" within ${timeoutMs} ms`);
  }
}

/** The bus was closed (or is closing) while an operation needed it. */
export class BusClosedError extends Error {
  override name = "BusClosedError";
  constructor(what: string) {
    super(`the bus is closed: cannot ${what}`);
  }
}

/** A bus URI that cannot be used (unknown scheme, bad option): a configuration error. */
export class BusUriError extends Error {
  override name = "BusUriError";
}

/** The broker did not answer within the connect timeout: `cannot connect to <uri>: <cause>`. */
export class BusConnectError extends Error {
  override name = "BusConnectError";
  constructor(redactedUri: string, cause: string) {
    super(`cannot connect to ${redactedUri}: ${cause}`);
  }
}

/** Turns a JSON-RPC error object from a response back into the matching error class. */
export function errorFromWire(error: unknown): RemoteProcedureCallError {
  const obj = (typeof error === "object" && error !== null ? error : {}) as Record<string, unknown>;
  const code = typeof obj.code === "number" ? obj.code : ErrorCode.INTERNAL_ERROR;
  const message = typeof obj.message === "string" ? obj.message : JSON.stringify(error);
  const data =
    typeof obj.data === "object" && obj.data !== null && !Array.isArray(obj.data)
      ? (obj.data as ErrorData)
      : obj.data === undefined
        ? {}
        : { value: obj.data };
  switch (code) {
    case ErrorCode.STORAGE_LOOKUP:
      return new StorageLookupError(message, data);
    case ErrorCode.CONTAINER_MANAGER:
      return new ContainerManagerError(message, data);
    case ErrorCode.CONFLICT:
      return new StoragePreconditionError(message, data);
    default:
      return new RemoteProcedureCallError(code, message, data);
  }
}

/** Maps anything a handler threw to the error object it becomes on the wire. */
export function errorToWire(error: unknown): RemoteProcedureCallError {
  if (error instanceof RemoteProcedureCallError) return error;
  const name = error instanceof Error ? error.constructor.name : typeof error;
  const message = error instanceof Error ? error.message : String(error);
  return new InternalError(message || name, { exception: name });
}

/** A request was published where no queue is bound for its routing key: nobody can answer it. */
/** A queue declared exclusive by another live connection (AMQP's RESOURCE_LOCKED). */
export class QueueLockedError extends Error {
  override name = "QueueLockedError";
  constructor(readonly queue: string) {
    super(`queue ${queue} is exclusive to another connection`);
  }
}

export class NoRouteError extends Error {
  override name = "NoRouteError";
  constructor(
    readonly exchange: string,
    readonly routingKey: string,
  ) {
    super(
      `no queue is bound for "${routingKey}" on exchange "${exchange}": is the service running?`,
    );
  }
}
