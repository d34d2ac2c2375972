/** What one doctor check found: a line for the operator, and whether it is a problem. */
export interface Finding {
  /** What was checked: "bus redis://...", "etcd http://...", "users file /etc/...". */
  subject: string;
  ok: boolean;
  /** In words: what is fine, or what is wrong and what to look at. */
  detail: string;
}

export const ok = (subject: string, detail: string): Finding => ({ subject, ok: true, detail });
export const problem = (subject: string, detail: string): Finding => ({
  subject,
  ok: false,
  detail,
});

/** A thrown error's message, or a connection error's code in words. */
export function reason(err: unknown): string {
  const code = (err as NodeJS.ErrnoException).code;
  const words: Record<string, string> = {
    ECONNREFUSED: "connection refused (nothing listens there)",
    ENOENT: "no such file",
    EACCES: "permission denied",
    ETIMEDOUT: "timed out",
    EHOSTUNREACH: "host unreachable",
  };
  const message = err instanceof Error ? err.message : String(err);
  return code && words[code] ? `${words[code]}: ${message}` : message;
}
