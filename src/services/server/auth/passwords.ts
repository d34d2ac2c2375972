/**
 * Password hashes in users files: ours (`scrypt$N$r$p$salt$hash`, base64) and the original
 * Commissaire's bcrypt (`$2a$12$...`, also `$2b$` and `$2y$`). A verifier counts the hashes it
 * computes, so a test can show an unknown user costs exactly what a known one does.
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import bcrypt from "bcryptjs";

export type StoredHash =
  | { kind: "scrypt"; N: number; r: number; p: number; salt: Buffer; hash: Buffer }
  | { kind: "bcrypt"; cost: number; text: string };

const SCRYPT_DEFAULTS = { N: 16384, r: 8, p: 1 };
const BCRYPT = /^\$2[aby]\$(\d\d)\$[./A-Za-z0-9]{53}$/;
const BCRYPT_ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

function scryptAsync(
  password: string,
  h: { N: number; r: number; p: number },
  salt: Buffer,
  length: number,
) {
  return new Promise<Buffer>((resolve, reject) =>
    scrypt(
      password,
      salt,
      length,
      { N: h.N, r: h.r, p: h.p, maxmem: 256 * h.N * h.r },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );
}

/** A stored value as a hash, or the reason it is not one. */
export function parseStoredHash(value: string): StoredHash | string {
  const bcryptMatch = BCRYPT.exec(value);
  if (bcryptMatch) {
    const cost = Number(bcryptMatch[1]);
    if (cost < 4 || cost > 31) return `bcrypt cost ${cost} is outside 4..31`;
    return { kind: "bcrypt", cost, text: value };
  }
  const parts = value.split("$");
  if (parts[0] !== "scrypt") return "not a scrypt or bcrypt hash";
  if (parts.length !== 6) return "a scrypt hash has 6 fields";
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const ok = [N, r, p].every((n) => Number.isInteger(n) && n > 0) && (N & (N - 1)) === 0;
  if (!ok || N > 2 ** 20 || r > 32 || p > 16) return "scrypt parameters out of range";
  const salt = Buffer.from(parts[4]!, "base64");
  const hash = Buffer.from(parts[5]!, "base64");
  if (salt.length < 8 || hash.length < 16) return "scrypt salt or hash too short";
  return { kind: "scrypt", N, r, p, salt, hash };
}

/** A hash of the same kind and cost that no password matches: what an unknown user is checked against. */
export function dummyLike(model: StoredHash): StoredHash {
  if (model.kind === "scrypt")
    return { ...model, salt: randomBytes(model.salt.length), hash: randomBytes(model.hash.length) };
  const random = [...randomBytes(53)].map((b) => BCRYPT_ALPHABET[b % 64]).join("");
  return {
    kind: "bcrypt",
    cost: model.cost,
    text: `$2b$${String(model.cost).padStart(2, "0")}$${random}`,
  };
}

/** Our form, for new users. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, SCRYPT_DEFAULTS, salt, 32);
  const { N, r, p } = SCRYPT_DEFAULTS;
  return `scrypt$${N}$${r}$${p}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

/** The original's form (bcrypt), for users files shared with a Python server. */
export function hashPasswordBcrypt(password: string, cost = 12): Promise<string> {
  return bcrypt.hash(password, cost);
}

export class PasswordVerifier {
  /** How many hashes were computed: one per verify, whatever the outcome. */
  computations = 0;

  async verify(password: string, stored: StoredHash): Promise<boolean> {
    this.computations++;
    if (stored.kind === "bcrypt") return bcrypt.compare(password, stored.text);
    const actual = await scryptAsync(password, stored, stored.salt, stored.hash.length);
    return timingSafeEqual(actual, stored.hash);
  }
}

/** Checks a password against a stored text (either form); false for anything malformed. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parsed = parseStoredHash(stored);
  return typeof parsed === "string" ? false : new PasswordVerifier().verify(password, parsed);
}
