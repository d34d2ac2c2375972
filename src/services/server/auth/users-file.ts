/**
 * Users files: `{"alice": "scrypt$..."}` (ours) and `{"alice": {"hash": "$2a$12$..."}}` (the
 * original Commissaire's bcrypt form), mixed freely. A file is read again when it changes on disk
 * (checked on each use, by size, mtime and inode), so `commissaire user passwd` takes effect at
 * once; a file that has become unreadable or invalid lets nobody in until it is fixed.
 */
import { readFileSync, statSync } from "node:fs";
import { ConfigError } from "../../../config/errors.js";
import { dummyLike, parseStoredHash, type StoredHash } from "./passwords.js";

export interface UserTable {
  users: Map<string, StoredHash>;
  /** What an unknown user's password is checked against: the kind and cost of the first user's. */
  dummy: StoredHash;
  /** Changes whenever the table does. */
  version: number;
}

export interface UsersSource {
  current(): UserTable;
}

/** The hash text of one users-file entry, in either form, or the reason it has none. */
export function entryHash(value: unknown): string | null {
  if (typeof value === "string") return value;
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const hash = (value as Record<string, unknown>).hash;
    if (typeof hash === "string") return hash;
  }
  return null;
}

/** Parses the users of a file (or of an inline `users` member); `where` names it in errors. */
export function parseUsers(value: unknown, where: string): Map<string, StoredHash> {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new ConfigError(`${where}: must be a JSON object of user: hash or user: {"hash": hash}`);
  const users = new Map<string, StoredHash>();
  for (const [user, entry] of Object.entries(value)) {
    const text = entryHash(entry);
    if (text === null)
      throw new ConfigError(`${where}: user "${user}" has no hash (a string or {"hash": string})`);
    const parsed = parseStoredHash(text);
    if (typeof parsed === "string") throw new ConfigError(`${where}: user "${user}": ${parsed}`);
    users.set(user, parsed);
  }
  return users;
}

function tableOf(users: Map<string, StoredHash>, version: number): UserTable {
  const first = users.values().next().value;
  const model: StoredHash =
    first ??
    (parseStoredHash(`scrypt$16384$8$1$${"A".repeat(22)}$${"A".repeat(43)}`) as StoredHash);
  return { users, dummy: dummyLike(model), version };
}

/** Users given inline in the configuration. */
export class FixedUsers implements UsersSource {
  private readonly table: UserTable;
  constructor(users: Map<string, StoredHash>) {
    this.table = tableOf(users, 0);
  }
  current(): UserTable {
    return this.table;
  }
}

/** A users file (plus inline users, which the file's entries override, as in the original). */
export class UsersFile implements UsersSource {
  private table: UserTable;
  private stamp: string;
  private version = 0;

  constructor(
    readonly path: string,
    private readonly inline: Map<string, StoredHash> = new Map(),
  ) {
    this.stamp = this.stampNow();
    this.table = tableOf(this.read(), this.version);
  }

  current(): UserTable {
    const stamp = this.stampNow();
    if (stamp !== this.stamp) {
      this.stamp = stamp;
      this.version++;
      let users: Map<string, StoredHash>;
      try {
        users = this.read();
      } catch {
        users = new Map();
      }
      this.table = tableOf(users, this.version);
    }
    return this.table;
  }

  private stampNow(): string {
    try {
      const s = statSync(this.path);
      return `${s.ino}:${s.size}:${s.mtimeMs}`;
    } catch {
      return "missing";
    }
  }

  private read(): Map<string, StoredHash> {
    let value: unknown;
    try {
      value = JSON.parse(readFileSync(this.path, "utf8"));
    } catch (err) {
      throw new ConfigError(`users file ${this.path}: ${(err as Error).message}`);
    }
    return new Map([...this.inline, ...parseUsers(value, `users file ${this.path}`)]);
  }
}
