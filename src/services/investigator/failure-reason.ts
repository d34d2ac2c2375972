/** A failure in the words an operator reads in Host.status_reason (never any key material). */
import { RemoteError } from "../../remote/errors.js";

export function failureReason(step: string, err: unknown): string {
  if (err instanceof RemoteError) {
    const what: Record<string, string> = {
      "auth-refused": "the host refused the SSH key",
      "connection-refused": "connection refused",
      timeout: "timed out",
      "host-key-changed": "host key changed",
      unreachable: "host unreachable",
      "bad-credentials": "bad stored credentials",
      "command-failed": "a command failed",
      "file-failed": "a file could not be written or read",
    };
    return `${step}: ${what[err.kind] ?? err.kind}: ${err.reason}`;
  }
  return `${step}: ${err instanceof Error ? err.message : String(err)}`;
}
