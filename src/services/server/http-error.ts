/** An HTTP answer other than success, and how bus errors become one. */
import { NoRouteError, RemoteProcedureCallError, RequestTimeoutError } from "../../bus/errors.js";

export class HttpError extends Error {
  override name = "HttpError";
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Bus errors as HTTP: a missing record is 404, invalid data 400, a service that is not there (no
 * queue bound, no answer) 503, anything else 500.
 */
export function httpErrorOf(err: unknown): HttpError {
  if (err instanceof HttpError) return err;
  if (err instanceof RemoteProcedureCallError) {
    if (err.code === -20000 || err.code === 404) return new HttpError(404, err.message);
    if (err.code === -32602) return new HttpError(400, err.message);
    if (err.code === 409) return new HttpError(409, err.message);
    return new HttpError(500, err.message);
  }
  if (err instanceof NoRouteError || err instanceof RequestTimeoutError)
    return new HttpError(503, err.message);
  return new HttpError(500, (err as Error)?.message ?? String(err));
}
