/**
 * Changing a users file for `commissaire user`: read it (a missing file is an empty one), change
 * one entry, write it back atomically (a new file renamed over the old one, mode 0600), so a
 * running server never reads half a file. Entries in the original's {"hash": ...} form are kept
 * as they are.
 */
import { randomBytes } from "node:crypto";
import { readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { ConfigError } from "../../../config/errors.js";
import { isPlainObject } from "../../../config/normalise.js";
import { parseUsers } from "./users-file.js";

export function readUsersForEdit(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return {};
    throw new ConfigError(`users file ${path}: ${(err as Error).message}`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`users file ${path}: not valid JSON: ${(err as Error).message}`);
  }
  parseUsers(value, `users file ${path}`); // every entry must be a hash we understand
  if (!isPlainObject(value)) throw new ConfigError(`users file ${path}: must be a JSON object`);
  return value;
}

export function writeUsers(path: string, users: Record<string, unknown>): void {
  let mode = 0o600;
  try {
    mode = statSync(path).mode & 0o777;
  } catch {
    // A new file.
  }
  const temporary = `${path}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    writeFileSync(temporary, `${JSON.stringify(users, null, 2)}\n`, { mode, flag: "wx" });
    renameSync(temporary, path);
  } catch (err) {
    rmSync(temporary, { force: true });
    throw new ConfigError(`users file ${path}: cannot be written: ${(err as Error).message}`);
  }
}
