/**
 * `commissaire backup --out FILE`: every model and every secret the storage service holds, in one
 * archive (src/cli/backup/archive.ts), secrets sealed with the passphrase. Written to a temporary
 * file beside FILE (mode 0600) and renamed at the end: a failed backup leaves no half archive.
 * Exit codes: 0 written, 1 storage answered with an error, 2 bad command line or passphrase,
 * 3 no answer from storage.
 */
import { closeSync, openSync, renameSync, rmSync, writeSync } from "node:fs";
import { Command } from "commander";
import { ConfigError } from "../../config/errors.js";
import { ArchiveWriter } from "../backup/archive.js";
import { readPassphrase } from "../backup/passphrase.js";
import { listAll, storedTypes } from "../backup/store.js";
import { addBusOptions, BUS_CONNECT_TIMEOUT_MS, connectFromOptions } from "./bus-client.js";
import { reportStoreFailure, timeoutOption } from "./store-command.js";

export function backupCommand(): Command {
  const command = new Command("backup")
    .description("write every model and secret in storage to one archive (secrets encrypted)")
    .requiredOption("-o, --out <file>", "the archive to write")
    .option(
      "--passphrase-file <file>",
      "passphrase for the secrets [env COMMISSAIRE_BACKUP_PASSPHRASE]",
    );
  timeoutOption(command);
  addBusOptions(command);
  return command.action(async () => {
    const o = command.opts<{ out: string; passphraseFile?: string; timeout: string }>();
    const timeoutMs = Number(o.timeout) * 1000;
    const writer = new ArchiveWriter(readPassphrase(o.passphraseFile));
    const bus = await connectFromOptions(command, { connectTimeoutMs: BUS_CONNECT_TIMEOUT_MS });
    const partial = `${o.out}.partial`;
    let fd: number | undefined;
    try {
      try {
        fd = openSync(partial, "w", 0o600);
      } catch (err) {
        throw new ConfigError(`--out ${o.out}: cannot be written: ${(err as Error).message}`);
      }
      writeSync(fd, `${writer.headerLine()}\n`);
      const counts: string[] = [];
      for (const type of storedTypes()) {
        const records = await listAll(bus, type, timeoutMs);
        for (const record of records) writeSync(fd, `${writer.recordLine(type, record)}\n`);
        if (records.length) counts.push(`${records.length} ${type.name}`);
      }
      closeSync(fd);
      fd = undefined;
      renameSync(partial, o.out);
      process.stdout.write(`wrote ${o.out}: ${counts.join(", ") || "no records"}\n`);
      process.exitCode = 0;
    } catch (err) {
      process.exitCode = reportStoreFailure(err);
    } finally {
      if (fd !== undefined) closeSync(fd);
      if (process.exitCode !== 0) rmSync(partial, { force: true });
      await bus.close(250);
    }
  });
}
