/**
 * What went wrong on a remote host, as a class with a `kind` a service can branch on and a message
 * in words an operator can act on. Messages never carry key material.
 */

export type RemoteErrorKind =
  | "auth-refused"
  | "connection-refused"
  | "timeout"
  | "host-key-changed"
  | "command-failed"
  | "file-failed"
  | "unreachable"
  | "bad-credentials";

export class RemoteError extends Error {
  constructor(
    readonly kind: RemoteErrorKind,
    readonly address: string,
    /** What happened, without the address. */
    readonly reason: string,
  ) {
    super(`${address}: ${reason}`);
    this.name = "RemoteError";
  }
}

/** A command ran and exited with a status the caller did not accept. */
export class CommandFailedError extends RemoteError {
  constructor(
    address: string,
    readonly command: string,
    readonly exitCode: number | null,
    readonly stdout: string,
    readonly stderr: string,
    signal?: string,
  ) {
    const how =
      exitCode === null ? `was killed by signal ${signal ?? "unknown"}` : `exited ${exitCode}`;
    const said = stderr.trim().split("\n").slice(-3).join(" / ");
    super("command-failed", address, `command \`${command}\` ${how}${said ? `: ${said}` : ""}`);
    this.name = "CommandFailedError";
  }
}

/** The key the host showed is not the one recorded on first use. */
export class HostKeyChangedError extends RemoteError {
  constructor(
    address: string,
    readonly expected: string,
    readonly seen: string,
  ) {
    super(
      "host-key-changed",
      address,
      `host key changed: recorded ${expected}, the host showed ${seen}; if the host was ` +
        `reinstalled, run \`commissaire host forget-key ${address}\` to accept the new key`,
    );
    this.name = "HostKeyChangedError";
  }
}

/** Turns what ssh2 or the socket threw while connecting into a RemoteError in words. */
export function connectError(address: string, err: unknown): RemoteError {
  if (err instanceof RemoteError) return err;
  const e = err as { code?: string; level?: string; message?: string };
  const message = e?.message ?? String(err);
  if (e?.level === "client-authentication")
    return new RemoteError(
      "auth-refused",
      address,
      "authentication refused (the key was not accepted)",
    );
  if (e?.level === "client-timeout" || e?.code === "ETIMEDOUT")
    return new RemoteError("timeout", address, "timed out while connecting");
  if (e?.code === "ECONNREFUSED")
    return new RemoteError(
      "connection-refused",
      address,
      "connection refused (no SSH server listening)",
    );
  if (e?.code === "EHOSTUNREACH" || e?.code === "ENETUNREACH")
    return new RemoteError("unreachable", address, `host unreachable (${e.code})`);
  return new RemoteError("unreachable", address, `connection failed: ${message}`);
}
