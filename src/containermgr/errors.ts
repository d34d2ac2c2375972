/**
 * ContainerManagerError (-20001) as this layer raises it: `data` is always
 * `{manager, http_status, reason}` (http_status null when no HTTP answer came), which the Python
 * REST server catches by code. Messages name the manager and node, never a credential.
 */
import { ContainerManagerError } from "../bus/errors.js";

/** Reasons of our own, beside the Kubernetes Status reasons (NotFound, Unauthorized, ...). */
export const Reason = {
  NOT_FOUND: "NotFound",
  CONNECTION_FAILED: "ConnectionFailed",
  TIMEOUT: "Timeout",
  TLS_VERIFICATION_FAILED: "TLSVerificationFailed",
  BAD_CONFIGURATION: "BadConfiguration",
  UNKNOWN_MANAGER: "UnknownContainerManager",
  UNEXPECTED_RESPONSE: "UnexpectedResponse",
} as const;

export function managerError(
  manager: string,
  httpStatus: number | null,
  reason: string,
  message: string,
): ContainerManagerError {
  return new ContainerManagerError(message, { manager, http_status: httpStatus, reason });
}

export function nodeNotRegistered(manager: string, address: string): ContainerManagerError {
  return managerError(
    manager,
    404,
    Reason.NOT_FOUND,
    `node ${address} is not registered with container manager "${manager}"`,
  );
}
