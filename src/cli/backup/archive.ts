/**
 * The backup archive: JSON lines. The first line is the header (format name and version, when and
 * by which release it was written, the schema version of its records, the passphrase's scrypt
 * parameters and a sealed check value); every other line is one record, `{"model_type_name",
 * "record"}`, or for a secret model `{"model_type_name", "sealed"}` (sealing.ts). Lines are
 * independent, so a large store streams through without being held twice.
 */
import { readFileSync } from "node:fs";
import { packageVersion } from "../../base/version.js";
import { ConfigError } from "../../config/errors.js";
import { getModelType, type ModelType, SCHEMA_VERSION } from "../../models/index.js";
import {
  deriveKey,
  type KdfParams,
  newKdfParams,
  type Sealed,
  seal,
  unseal,
  WrongPassphraseError,
} from "./sealing.js";

export const ARCHIVE_FORMAT = "commissaire-backup";
export const ARCHIVE_VERSION = 1;
const CHECK_LABEL = "check";
const CHECK_TEXT = "commissaire-backup passphrase check";

export interface ArchiveHeader {
  format: typeof ARCHIVE_FORMAT;
  version: number;
  created_at: string;
  package_version: string;
  schema_version: number;
  kdf: KdfParams;
  check: Sealed;
}

export interface ArchivedRecord {
  type: ModelType;
  record: Record<string, unknown>;
}

/** Builds archive lines: the header first, then one line per record. */
export class ArchiveWriter {
  private readonly key: Buffer;
  readonly header: ArchiveHeader;

  constructor(passphrase: string) {
    const kdf = newKdfParams();
    this.key = deriveKey(passphrase, kdf);
    this.header = {
      format: ARCHIVE_FORMAT,
      version: ARCHIVE_VERSION,
      created_at: new Date().toISOString(),
      package_version: packageVersion(),
      schema_version: SCHEMA_VERSION,
      kdf,
      check: seal(this.key, CHECK_LABEL, CHECK_TEXT),
    };
  }

  headerLine(): string {
    return JSON.stringify(this.header);
  }

  recordLine(type: ModelType, record: Record<string, unknown>): string {
    if (!type.secret) return JSON.stringify({ model_type_name: type.name, record });
    const sealed = seal(this.key, type.name, JSON.stringify(record));
    return JSON.stringify({ model_type_name: type.name, sealed });
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function parseLine(path: string, n: number, line: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    throw new ConfigError(`${path}: line ${n}: not JSON: ${(err as Error).message}`);
  }
  if (!isObject(value)) throw new ConfigError(`${path}: line ${n}: not a JSON object`);
  return value;
}

function checkHeader(path: string, value: Record<string, unknown>): ArchiveHeader {
  if (value.format !== ARCHIVE_FORMAT)
    throw new ConfigError(`${path}: not a Commissaire backup (no "${ARCHIVE_FORMAT}" header)`);
  if (value.version !== ARCHIVE_VERSION)
    throw new ConfigError(
      `${path}: archive format version ${String(value.version)}; this release reads version ${ARCHIVE_VERSION}`,
    );
  if (typeof value.schema_version !== "number" || value.schema_version > SCHEMA_VERSION)
    throw new ConfigError(
      `${path}: records of schema version ${String(value.schema_version)}; this release knows up to ${SCHEMA_VERSION}`,
    );
  const kdf = value.kdf;
  // Bounded, so that a crafted header cannot make the derivation take the machine's memory.
  const bounded = (n: unknown, max: number) =>
    Number.isInteger(n) && (n as number) >= 1 && (n as number) <= max;
  if (
    !isObject(kdf) ||
    kdf.name !== "scrypt" ||
    typeof kdf.salt !== "string" ||
    !bounded(kdf.N, 2 ** 20) ||
    !bounded(kdf.r, 16) ||
    !bounded(kdf.p, 16) ||
    !isObject(value.check)
  )
    throw new ConfigError(`${path}: the header has no usable passphrase parameters`);
  return value as unknown as ArchiveHeader;
}

/**
 * Reads and checks a whole archive: header, passphrase, every record decrypted and valid. Throws
 * ConfigError naming the file (and line) before the caller has written anything.
 */
export function readArchive(
  path: string,
  passphrase: string,
): { header: ArchiveHeader; records: ArchivedRecord[] } {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`${path}: cannot be read: ${(err as Error).message}`);
  }
  const lines = text.split("\n").filter((l) => l.trim() !== "");
  if (lines.length === 0) throw new ConfigError(`${path}: empty file`);
  const header = checkHeader(path, parseLine(path, 1, lines[0]!));
  let key: Buffer;
  try {
    key = deriveKey(passphrase, header.kdf);
    unseal(key, CHECK_LABEL, header.check);
  } catch (err) {
    if (err instanceof WrongPassphraseError) throw new ConfigError(`${path}: ${err.message}`);
    throw new ConfigError(`${path}: bad passphrase parameters: ${(err as Error).message}`);
  }
  const records = lines.slice(1).map((line, i) => {
    const n = i + 2;
    const entry = parseLine(path, n, line);
    let type: ModelType;
    try {
      type = getModelType(String(entry.model_type_name));
    } catch {
      throw new ConfigError(`${path}: line ${n}: unknown model ${String(entry.model_type_name)}`);
    }
    let data: unknown = entry.record;
    if (type.secret) {
      if (!isObject(entry.sealed))
        throw new ConfigError(`${path}: line ${n}: ${type.name} is a secret and is not sealed`);
      try {
        data = JSON.parse(unseal(key, type.name, entry.sealed as unknown as Sealed));
      } catch (err) {
        throw new ConfigError(`${path}: line ${n}: ${(err as Error).message}`);
      }
    }
    try {
      return { type, record: type.toJson(type.parse(data)) };
    } catch (err) {
      throw new ConfigError(`${path}: line ${n}: ${(err as Error).message}`);
    }
  });
  return { header, records };
}
