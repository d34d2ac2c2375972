/**
 * What went wrong in a call to the apiserver, classified once: the HTTP status and the Status
 * object's reason when the apiserver answered, or what broke on the way (connection, timeout,
 * TLS verification). Decides what is worth retrying, and becomes -20001 with
 * `{manager, http_status, reason}`.
 */
import type { ContainerManagerError } from "../bus/errors.js";
import { managerError, Reason } from "./errors.js";

export interface KubeFailure {
  /** null when no HTTP answer came. */
  httpStatus: number | null;
  reason: string;
  message: string;
  /** Worth another attempt: connection reset or refused, timeout, 429, 5xx. */
  transient: boolean;
  /** Seconds the apiserver asked us to wait (Retry-After), if it did. */
  retryAfterSeconds?: number;
}

const TRANSIENT_CODES = new Set([
  "ECONNRESET",
  "ECONNREFUSED",
  "EPIPE",
  "ETIMEDOUT",
  "EAI_AGAIN",
  "ENETUNREACH",
  "EHOSTUNREACH",
]);

const TLS_CODES =
  /CERT|SELF_SIGNED|UNABLE_TO_VERIFY|UNABLE_TO_GET_ISSUER|ERR_TLS|ALTNAME|SSL|EPROTO/;

/** The reason a status code means when the body holds no Status object. */
function reasonOfStatus(status: number): string {
  const known: Record<number, string> = {
    400: "BadRequest",
    401: "Unauthorized",
    403: "Forbidden",
    404: "NotFound",
    405: "MethodNotAllowed",
    409: "AlreadyExists",
    410: "Expired",
    422: "Invalid",
    429: "TooManyRequests",
    500: "InternalError",
    503: "ServiceUnavailable",
    504: "Timeout",
  };
  return known[status] ?? Reason.UNEXPECTED_RESPONSE;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The Status object of an error body (a JSON string or already parsed), if it is one. */
function statusObject(body: unknown): Record<string, unknown> | undefined {
  let value = body;
  if (typeof body === "string") {
    try {
      value = JSON.parse(body);
    } catch {
      return undefined;
    }
  }
  return isRecord(value) && value.kind === "Status" ? value : undefined;
}

function classifyHttp(err: Record<string, unknown>, status: number): KubeFailure {
  const body = statusObject(err.body);
  const reason =
    typeof body?.reason === "string" && body.reason !== "" ? body.reason : reasonOfStatus(status);
  const message =
    typeof body?.message === "string" && body.message !== ""
      ? body.message
      : `the apiserver answered ${status} ${reason}`;
  const failure: KubeFailure = {
    httpStatus: status,
    reason,
    message,
    transient: status === 429 || status >= 500,
  };
  const headers = isRecord(err.headers) ? err.headers : {};
  const retryAfter = Number(headers["retry-after"]);
  if (Number.isFinite(retryAfter) && retryAfter >= 0) failure.retryAfterSeconds = retryAfter;
  return failure;
}

/** Classifies whatever a client call threw. */
export function classify(err: unknown): KubeFailure {
  const e = isRecord(err) ? err : {};
  if (typeof e.code === "number" && e.code >= 100 && e.code < 600) return classifyHttp(e, e.code);
  const code = typeof e.code === "string" ? e.code : "";
  const errno = typeof e.errno === "string" ? e.errno : "";
  const name = err instanceof Error ? err.name : "";
  const text = err instanceof Error ? err.message : String(err);
  if (name === "AbortError" || e.type === "aborted" || name === "TimeoutError")
    return {
      httpStatus: null,
      reason: Reason.TIMEOUT,
      message: "no answer in time",
      transient: true,
    };
  if (TRANSIENT_CODES.has(code) || TRANSIENT_CODES.has(errno) || /socket hang up/.test(text))
    return {
      httpStatus: null,
      reason: Reason.CONNECTION_FAILED,
      message: `connection failed (${code || errno || "socket hang up"})`,
      transient: true,
    };
  if (TLS_CODES.test(code) || TLS_CODES.test(errno) || /certificate/i.test(text))
    return {
      httpStatus: null,
      reason: Reason.TLS_VERIFICATION_FAILED,
      message: `the apiserver's certificate was not accepted (${code || errno || "TLS"})`,
      transient: false,
    };
  return {
    httpStatus: null,
    reason: Reason.UNEXPECTED_RESPONSE,
    message: `${name || "Error"}: ${text.split("\n")[0]}`,
    transient: false,
  };
}

export function toManagerError(
  manager: string,
  what: string,
  failure: KubeFailure,
): ContainerManagerError {
  return managerError(
    manager,
    failure.httpStatus,
    failure.reason,
    `container manager "${manager}": ${what}: ${failure.message}`,
  );
}
