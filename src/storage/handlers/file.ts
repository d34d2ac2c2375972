/**
 * The `file` store handler: a directory of JSON files, one per record
 * (`<directory>/<Model>/<key>.json`), for the embedded mode. Writes are atomic (a temporary file
 * renamed over the old one); "created" is decided by an exclusive create, so two concurrent saves
 * of a new record never both report it created. Option: `directory` (required).
 */
import { randomUUID } from "node:crypto";
import { mkdir, open, readdir, readFile, rename, rm, unlink } from "node:fs/promises";
import { join } from "node:path";
import { ConfigError } from "../../config/errors.js";
import type { ModelType } from "../../models/index.js";
import type { HandlerContext, SaveOutcome, StoredRecord, StoreHandler } from "../handler.js";

const SUFFIX = ".json";

export class FileStoreHandler implements StoreHandler {
  static readonly secret: boolean = false;
  readonly type: string = "file";
  readonly secret: boolean = false;
  readonly name: string;
  protected readonly directory: string;
  /** File mode of record files (the secret variant narrows it). */
  protected readonly fileMode: number = 0o644;

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

  // Keys are addresses and names: encoded so that no key can leave its folder ("../x", "a/b").
  private path(type: ModelType, key: string): string {
    return join(this.folder(type), `${encodeURIComponent(key).replace(/^\./, "%2E")}${SUFFIX}`);
  }

  private async writeAtomically(path: string, text: string): Promise<void> {
    const temp = `${path}.${randomUUID()}.tmp`;
    const handle = await open(temp, "w", this.fileMode);
    try {
      await handle.writeFile(text);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path).catch(async (err) => {
      await unlink(temp).catch(() => undefined);
      throw err;
    });
  }

  async save(type: ModelType, key: string, record: StoredRecord): Promise<SaveOutcome> {
    await mkdir(this.folder(type), {
      recursive: true,
      mode: this.fileMode === 0o600 ? 0o700 : 0o755,
    });
    const path = this.path(type, key);
    const text = `${JSON.stringify(record, null, 2)}\n`;
    let created = false;
    try {
      // The exclusive create claims the name; the content then arrives by an atomic rename, so a
      // reader never sees a half-written record.
      await (await open(path, "wx", this.fileMode)).close();
      created = true;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== "EEXIST") throw err;
    }
    await this.writeAtomically(path, text);
    return { created };
  }

  async get(type: ModelType, key: string): Promise<StoredRecord | null> {
    let text: string;
    try {
      text = await readFile(this.path(type, key), "utf8");
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw err;
    }
    // An empty file is a record whose first write is still under way: not there yet.
    return text === "" ? null : (JSON.parse(text) as StoredRecord);
  }

  async delete(type: ModelType, key: string): Promise<StoredRecord | null> {
    const record = await this.get(type, key);
    if (record === null) return null;
    await rm(this.path(type, key), { force: true });
    return record;
  }

  async list(type: ModelType): Promise<StoredRecord[]> {
    let names: string[];
    try {
      names = await readdir(this.folder(type));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw err;
    }
    const out: StoredRecord[] = [];
    for (const name of names.filter((n) => n.endsWith(SUFFIX)).sort()) {
      const key = decodeURIComponent(name.slice(0, -SUFFIX.length));
      const record = await this.get(type, key);
      if (record) out.push(record);
    }
    return out;
  }

  async close(): Promise<void> {}
}
