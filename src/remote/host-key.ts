/**
 * Host keys, trust on first use. A host key is recorded as its OpenSSH SHA256 fingerprint
 * (`SHA256:` + unpadded base64 of the SHA-256 of the key blob), the form `ssh-keygen -lf` prints,
 * so an operator can compare it with the host's own key files.
 */
import { createHash } from "node:crypto";

export function fingerprint(keyBlob: Buffer): string {
  return `SHA256:${createHash("sha256").update(keyBlob).digest("base64").replace(/=+$/, "")}`;
}

export interface HostKeyPolicy {
  /** The fingerprint recorded on first use (HostCreds.ssh_host_key); "" when none yet. */
  expected: string;
  /** false: accept any key (configuration `remote.host_key_check`; warned about at start). */
  check: boolean;
}

export type HostKeyVerdict = { ok: true; seen: string } | { ok: false; seen: string };

/** Accepts the first key seen (the caller records it), refuses a different one afterwards. */
export function judgeHostKey(policy: HostKeyPolicy, keyBlob: Buffer): HostKeyVerdict {
  const seen = fingerprint(keyBlob);
  if (!policy.check || !policy.expected || policy.expected === seen) return { ok: true, seen };
  return { ok: false, seen };
}
