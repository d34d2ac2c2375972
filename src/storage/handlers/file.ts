/**
 * The `file` store handler: a directory of JSON files, one per record
 * (`<directory>/<Model>/<key>.json`), for the embedded mode. Option: `directory` (required).
 *
 * A write is all or nothing: the record goes to a temporary file (written and synced) that is then
 * linked (a new record: fails if another process created it meanwhile) or renamed (a replace)
 * into place; whatever fails, the temporary file is removed, so a full disk leaves no partial
 * record and no stray file. The revision is stored in the record (`_revision`); conditions are
 * checked under a per-key lock of this process (one storage process per directory).
 */
import { createHash, randomUUID } from "node:crypto";
import { constants } from "node:fs";
import { access, link, mkdir, open, readdir, readFile, rename, rm, unlink } from "node:fs/promises";
import { join } from "node:path";
import { StoragePreconditionError } from "../../bus/errors.js";
import { ConfigError } from "../../config/errors.js";
import { type ModelType, NO_RECORD, REVISION_MEMBER } from "../../models/index.js";
import { checkCondition, preconditionFailed, RevisionCounter } from "../conditions.js";
import {
  type HandlerContext,
  type SaveOutcome,
  type Stored,
  type StoredRecord,
  type StoreHandler,
  StoreUnavailableError,
  type WriteCondition,
} from "../handler.js";
import { KeyLocks } from "../key-locks.js";
import { InProcessLeases } from "../leases.js";

const SUFFIX = ".json";
/** Longer encoded keys are shortened with a hash, far below the 255-byte file name limit. */
const MAX_NAME = 200;

/** An fs error without the path it names (paths never reach a caller). */
function withoutPath(err: unknown): Error {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code !== "string") return e instanceof Error ? e : new Error(String(err));
  return new Error(`${e.message.split(",")[0]}`);
}

export class FileStoreHandler implements StoreHandler {
  static readonly secret: boolean = false;
  static readonly revisions = true;
  readonly type: string = "file";
  readonly secret: boolean = false;
  readonly name: string;
  readonly leases = new InProcessLeases();
  protected readonly directory: string;
  /** File mode of record files (the secret variant narrows it). */
  protected readonly fileMode: number = 0o644;
  private readonly locks = new KeyLocks();
  private readonly revisions = new RevisionCounter();

  static checkOptions(options: Record<string, unknown>): void {
    if (typeof options.directory !== "string" || options.directory === "") {
      throw new ConfigError('option "directory" (a path) is required');
    }
  }

  constructor(context: HandlerContext) {
    FileStoreHandler.checkOptions(context.options);
    this.name = context.name;
    this.directory = context.options.directory as string;
  }

  private folder(type: ModelType): string {
    return join(this.directory, type.name);
  }

  // Keys are encoded so that none can leave its folder ("../x", "a/b") or be too long a name.
  private path(type: ModelType, key: string): string {
    let name = encodeURIComponent(key).replace(/^\./, "%2E");
    if (name.length > MAX_NAME)
      name = `${name.slice(0, 100)}~${createHash("sha256").update(key).digest("hex")}`;
    return join(this.folder(type), `${name}${SUFFIX}`);
  }

  private async attempt<T>(action: string, run: () => Promise<T>): Promise<T> {
    try {
      return await run();
    } catch (err) {
      if (err instanceof StoreUnavailableError || err instanceof StoragePreconditionError)
        throw err;
      throw new StoreUnavailableError(this.name, action, withoutPath(err));
    }
  }

  /** The complete record in a temporary file of the folder; removed again if anything fails. */
  private async writeTemp(folder: string, text: string): Promise<string> {
    const temp = join(folder, `.${randomUUID()}.tmp`);
    try {
      const handle = await open(temp, "wx", this.fileMode);
      try {
        await handle.writeFile(text);
        await handle.sync();
      } finally {
        await handle.close();
      }
    } catch (err) {
      await unlink(temp).catch(() => undefined);
      throw err;
    }
    return temp;
  }

  save(
    type: ModelType,
    key: string,
    record: StoredRecord,
    condition?: WriteCondition,
  ): Promise<SaveOutcome> {
    return this.locks.run(`${type.name}/${key}`, () =>
      this.attempt(`save ${type.name} ${key}`, () => this.saveNow(type, key, record, condition)),
    );
  }

  private async saveNow(
    type: ModelType,
    key: string,
    record: StoredRecord,
    condition?: WriteCondition,
  ): Promise<SaveOutcome> {
    const folder = this.folder(type);
    await mkdir(folder, { recursive: true, mode: this.fileMode === 0o600 ? 0o700 : 0o755 });
    const current = await this.get(type, key);
    checkCondition(type, key, condition, current?.revision ?? null);
    const revision = this.revisions.next();
    const path = this.path(type, key);
    const temp = await this.writeTemp(
      folder,
      `${JSON.stringify({ ...record, [REVISION_MEMBER]: revision }, null, 2)}\n`,
    );
    try {
      if (current === null) {
        try {
          // link fails if the name exists: of two processes creating one record, one creates it.
          await link(temp, path);
          return { created: true, revision };
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
          if (condition?.ifRevision === NO_RECORD)
            throw preconditionFailed(type, key, condition, "unknown");
        }
      }
      await rename(temp, path);
      return { created: false, revision };
    } finally {
      await unlink(temp).catch(() => undefined);
    }
  }

  private async read(path: string): Promise<Stored | null> {
    let text: string;
    try {
      text = await readFile(path, "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
    // An empty file was left by an earlier version's interrupted write: no record.
    if (text === "") return null;
    const record = JSON.parse(text) as StoredRecord;
    let revision = record[REVISION_MEMBER];
    delete record[REVISION_MEMBER];
    // Files written before revisions were stored: their content is their revision.
    if (typeof revision !== "string")
      revision = `h-${createHash("sha1").update(text).digest("hex").slice(0, 16)}`;
    return { record, revision: revision as string };
  }

  get(type: ModelType, key: string): Promise<Stored | null> {
    return this.attempt(`read ${type.name} ${key}`, () => this.read(this.path(type, key)));
  }

  delete(type: ModelType, key: string): Promise<StoredRecord | null> {
    return this.locks.run(`${type.name}/${key}`, () =>
      this.attempt(`delete ${type.name} ${key}`, async () => {
        const stored = await this.read(this.path(type, key));
        if (stored === null) return null;
        await rm(this.path(type, key), { force: true });
        return stored.record;
      }),
    );
  }

  list(type: ModelType): Promise<Stored[]> {
    return this.attempt(`list ${type.name}`, async () => {
      let names: string[];
      try {
        names = await readdir(this.folder(type));
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
        throw err;
      }
      const out: Stored[] = [];
      for (const name of names.filter((n) => n.endsWith(SUFFIX) && !n.startsWith(".")).sort()) {
        const stored = await this.read(join(this.folder(type), name));
        if (stored) out.push(stored);
      }
      return out;
    });
  }

  probe(): Promise<void> {
    return this.attempt("use its directory", async () => {
      await mkdir(this.directory, { recursive: true });
      await access(this.directory, constants.W_OK);
    });
  }

  async close(): Promise<void> {
    this.leases.close();
  }
}
