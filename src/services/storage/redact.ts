/** Handler options as shown to callers: anything that looks like a secret is replaced. */
const SECRET = /pass|secret|token|(^|_)key$/i;

export function redactOptions(options: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(options)) {
    if (v === undefined) continue;
    // Paths to key files are fine to show; key material and passwords are not.
    out[k] = SECRET.test(k) && !k.endsWith("_path") ? "[redacted]" : v;
  }
  return out;
}
