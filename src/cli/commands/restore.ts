/**
 * `commissaire restore FILE`: loads a backup into an empty store through the storage service.
 * The whole archive is read, decrypted and validated first, so a wrong passphrase or a damaged
 * archive writes nothing. A store that holds any record is refused unless --force (then records
 * of the archive replace those with the same keys; others are left alone); without --force every
 * write is create-only, so a record written meanwhile by someone else is never overwritten.
 */
import { Command } from "commander";
import { ConfigError } from "../../config/errors.js";
import type { ModelType } from "../../models/index.js";
import { readArchive } from "../backup/archive.js";
import { readPassphrase } from "../backup/passphrase.js";
import { listAll, saveAll, storedTypes } from "../backup/store.js";
import { addBusOptions, BUS_CONNECT_TIMEOUT_MS, connectFromOptions } from "./bus-client.js";
import { reportStoreFailure, timeoutOption } from "./store-command.js";

export function restoreCommand(): Command {
  const command = new Command("restore")
    .description("load a backup archive into an empty store")
    .argument("<file>", "an archive written by `commissaire backup`")
    .option(
      "--passphrase-file <file>",
      "passphrase of the secrets [env COMMISSAIRE_BACKUP_PASSPHRASE]",
    )
    .option("--force", "restore into a store that already holds records (same keys are replaced)");
  timeoutOption(command);
  addBusOptions(command);
  return command.action(async (file: string) => {
    const o = command.opts<{ passphraseFile?: string; force?: boolean; timeout: string }>();
    const timeoutMs = Number(o.timeout) * 1000;
    const { records } = readArchive(file, readPassphrase(o.passphraseFile));
    const byType = new Map<ModelType, Record<string, unknown>[]>();
    for (const { type, record } of records) {
      const list = byType.get(type) ?? [];
      list.push(record);
      byType.set(type, list);
    }
    const bus = await connectFromOptions(command, { connectTimeoutMs: BUS_CONNECT_TIMEOUT_MS });
    try {
      if (!o.force) {
        for (const type of storedTypes()) {
          const held = (await listAll(bus, type, timeoutMs)).length;
          if (held)
            throw new ConfigError(
              `the store is not empty (${held} ${type.name} records): restore only into an empty store, or give --force`,
            );
        }
      }
      const counts: string[] = [];
      for (const [type, list] of byType) {
        await saveAll(bus, type, list, { createOnly: !o.force, timeoutMs });
        counts.push(`${list.length} ${type.name}`);
      }
      process.stdout.write(`restored ${file}: ${counts.join(", ") || "no records"}\n`);
      process.exitCode = 0;
    } catch (err) {
      process.exitCode = reportStoreFailure(err);
    } finally {
      await bus.close(250);
    }
  });
}
