/** An HTTP answer other than success, and how bus errors become one. */
import {
  ErrorCode,
  NoRouteError,
  RemoteProcedureCallError,
  RequestTimeoutError,
} from "../../bus/errors.js";

export class HttpError extends Error {
  override name = "HttpError";
  /**
   * @param message what the client is told
   * @param detail what only the log gets (it may name internal URLs, paths, handlers), under the
   *   request's id, which the client is told instead
   */
  constructor(
    readonly status: number,
    message: string,
    readonly detail?: string,
  ) {
    super(message);
  }
}

/**
 * Bus errors as HTTP: a missing record is 404, invalid data 400, a failed storage precondition or
 * a conflict 409, a store that does not answer or a service that is not there (no queue bound, no
 * answer) 503, anything else 500. The message of a 500 or of an unavailable store stays in the log.
 */
export function httpErrorOf(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof RemoteProcedureCallError) {
    if (err.code === ErrorCode.STORAGE_LOOKUP || err.code === ErrorCode.NOT_FOUND)
      return new HttpError(404, err.message);
    if (err.code === ErrorCode.INVALID_PARAMS) return new HttpError(400, err.message);
    if (err.code === ErrorCode.CONFLICT) return new HttpError(409, err.message);
    if (err.code === ErrorCode.INTERNAL_ERROR && err.data.unavailable === true)
      return new HttpError(503, "the store is unavailable; try again later", err.message);
    return new HttpError(500, "internal error", err.message);
  }
  if (err instanceof NoRouteError || err instanceof RequestTimeoutError)
    return new HttpError(503, err.message);
  return new HttpError(500, "internal error", (err as Error)?.message ?? String(err));
}
