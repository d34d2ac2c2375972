/**
 * A host's login from HostCreds: the private key (base64 of the PEM) is decoded and parsed in
 * memory only, never written anywhere; what can go wrong is said without the key's content.
 */
import ssh2 from "ssh2";
import { RemoteError } from "./errors.js";

export interface RemoteTarget {
  address: string;
  /** SSH port; 22 unless the host listens elsewhere. */
  port?: number;
  /** HostCreds.ssh_priv_key: base64 of the PEM private key. */
  sshPrivKey: string;
  /** HostCreds.remote_user; commands asked to run with sudo get it when this is not root. */
  remoteUser: string;
  /** HostCreds.ssh_host_key: the fingerprint recorded on first use, "" before that. */
  sshHostKey?: string;
}

/** The same target from a HostCreds record (snake_case members, as stored). */
export function targetFromCreds(
  creds: { address: string; ssh_priv_key: string; remote_user: string; ssh_host_key?: string },
  port?: number,
): RemoteTarget {
  return {
    address: creds.address,
    ...(port ? { port } : {}),
    sshPrivKey: creds.ssh_priv_key,
    remoteUser: creds.remote_user || "root",
    sshHostKey: creds.ssh_host_key ?? "",
  };
}

/** The PEM bytes, checked to be a private key ssh2 can use (unencrypted). */
export function decodePrivateKey(target: RemoteTarget): Buffer {
  const bad = (why: string) =>
    new RemoteError("bad-credentials", target.address, `the stored SSH private key ${why}`);
  if (!target.sshPrivKey) throw bad("is empty");
  if (!/^[A-Za-z0-9+/\s]+={0,2}\s*$/.test(target.sshPrivKey)) throw bad("is not base64");
  const pem = Buffer.from(target.sshPrivKey, "base64");
  const parsed = ssh2.utils.parseKey(pem);
  if (parsed instanceof Error) {
    const encrypted = /encrypted|passphrase/i.test(parsed.message);
    throw bad(
      encrypted
        ? "is encrypted (a key without a passphrase is needed)"
        : "cannot be parsed as a private key",
    );
  }
  const key = Array.isArray(parsed) ? parsed[0] : parsed;
  if (!key?.isPrivateKey()) throw bad("is a public key, not a private one");
  return pem;
}
