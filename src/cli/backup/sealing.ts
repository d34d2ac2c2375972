/**
 * Secrets in a backup archive: a key derived from the operator's passphrase with scrypt, each
 * secret sealed with AES-256-GCM under it (a fresh IV each; the model type name bound as
 * additional data, so a sealed record cannot be passed off as another type). A wrong passphrase
 * or an altered archive fails the authentication tag, never yields wrong plaintext.
 */
import { createCipheriv, createDecipheriv, randomBytes, scryptSync } from "node:crypto";

export interface KdfParams {
  name: "scrypt";
  salt: string;
  N: number;
  r: number;
  p: number;
}

export interface Sealed {
  iv: string;
  tag: string;
  data: string;
}

/** scrypt cost: about 0.1 s and 32 MiB per derivation, once per backup or restore. */
const COST = { N: 2 ** 15, r: 8, p: 1 };
const KEY_BYTES = 32;

export class WrongPassphraseError extends Error {}

export function newKdfParams(): KdfParams {
  return { name: "scrypt", salt: randomBytes(16).toString("base64"), ...COST };
}

export function deriveKey(passphrase: string, kdf: KdfParams): Buffer {
  return scryptSync(passphrase, Buffer.from(kdf.salt, "base64"), KEY_BYTES, {
    N: kdf.N,
    r: kdf.r,
    p: kdf.p,
    maxmem: 256 * kdf.N * kdf.r,
  });
}

export function seal(key: Buffer, label: string, plaintext: string): Sealed {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key, iv);
  cipher.setAAD(Buffer.from(label));
  const data = Buffer.concat([cipher.update(plaintext, "utf8"), cipher.final()]);
  return {
    iv: iv.toString("base64"),
    tag: cipher.getAuthTag().toString("base64"),
    data: data.toString("base64"),
  };
}

/** The plaintext, or WrongPassphraseError when the tag does not match. */
export function unseal(key: Buffer, label: string, sealed: Sealed): string {
  try {
    const decipher = createDecipheriv("aes-256-gcm", key, Buffer.from(sealed.iv, "base64"));
    decipher.setAAD(Buffer.from(label));
    decipher.setAuthTag(Buffer.from(sealed.tag, "base64"));
    const out = Buffer.concat([
      decipher.update(Buffer.from(sealed.data, "base64")),
      decipher.final(),
    ]);
    return out.toString("utf8");
  } catch {
    throw new WrongPassphraseError("wrong passphrase, or the archive was altered");
  }
}
