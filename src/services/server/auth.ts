/**
 * Who may use the REST API. No anonymous access unless configured: HTTP Basic against a users file
 * of scrypt password hashes, static bearer tokens, or any Authenticator a deployment plugs in.
 * Users file (JSON): {"alice": "scrypt$<N>$<r>$<p>$<salt b64>$<hash b64>"}; `hashPassword` makes
 * the value.
 */
import { randomBytes, scrypt, timingSafeEqual } from "node:crypto";
import { readFileSync } from "node:fs";
import { ConfigError } from "../../config/errors.js";

export interface Authenticator {
  /** The user name the Authorization header proves, or null. */
  authenticate(authorization: string | undefined): Promise<string | null>;
}

const scryptAsync = (
  password: string,
  salt: Buffer,
  length: number,
  options: { N: number; r: number; p: number },
) =>
  new Promise<Buffer>((resolve, reject) =>
    scrypt(
      password,
      salt,
      length,
      { ...options, maxmem: 256 * options.N * options.r },
      (err, key) => (err ? reject(err) : resolve(key)),
    ),
  );

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const params = { N: 16384, r: 8, p: 1 };
  const hash = await scryptAsync(password, salt, 32, params);
  return `scrypt$${params.N}$${params.r}$${params.p}$${salt.toString("base64")}$${hash.toString("base64")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [, n, r, p, salt, hash] = parts as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, "base64");
  const actual = await scryptAsync(password, Buffer.from(salt, "base64"), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
  });
  return actual.length === expected.length && timingSafeEqual(actual, expected);
}

/** HTTP Basic against a users file (read once, at start-up). */
export class UsersFileAuthenticator implements Authenticator {
  private readonly users: Record<string, string>;

  constructor(readonly path: string) {
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(path, "utf8"));
    } catch (err) {
      throw new ConfigError(`users file ${path}: ${(err as Error).message}`);
    }
    if (typeof value !== "object" || value === null || Array.isArray(value))
      throw new ConfigError(`users file ${path}: must be a JSON object of user: hash`);
    for (const [user, hash] of Object.entries(value)) {
      if (typeof hash !== "string" || !hash.startsWith("scrypt$"))
        throw new ConfigError(`users file ${path}: user "${user}" has no scrypt hash`);
    }
    this.users = value as Record<string, string>;
  }

  async authenticate(authorization: string | undefined): Promise<string | null> {
    if (!authorization?.startsWith("Basic ")) return null;
    const decoded = Buffer.from(authorization.slice(6), "base64").toString("utf8");
    const colon = decoded.indexOf(":");
    if (colon < 0) return null;
    const user = decoded.slice(0, colon);
    const stored = Object.hasOwn(this.users, user) ? this.users[user] : undefined;
    if (!stored) return null;
    return (await verifyPassword(decoded.slice(colon + 1), stored)) ? user : null;
  }
}

/** Static bearer tokens: {"token": "user name"}. */
export class TokenAuthenticator implements Authenticator {
  constructor(private readonly tokens: Record<string, string>) {}

  async authenticate(authorization: string | undefined): Promise<string | null> {
    if (!authorization?.startsWith("Bearer ")) return null;
    const token = Buffer.from(authorization.slice(7));
    for (const [known, user] of Object.entries(this.tokens)) {
      const candidate = Buffer.from(known);
      if (candidate.length === token.length && timingSafeEqual(candidate, token)) return user;
    }
    return null;
  }
}

/** The first authenticator that knows the caller wins. */
export class AnyOf implements Authenticator {
  constructor(private readonly authenticators: Authenticator[]) {}

  async authenticate(authorization: string | undefined): Promise<string | null> {
    for (const a of this.authenticators) {
      const user = await a.authenticate(authorization);
      if (user) return user;
    }
    return null;
  }
}

/** Lets everyone in: only when the configuration says `"authentication": "none"`. */
export class Anonymous implements Authenticator {
  async authenticate(): Promise<string> {
    return "anonymous";
  }
}
