/** The backup passphrase: from --passphrase-file, else $COMMISSAIRE_BACKUP_PASSPHRASE. */
import { readFileSync } from "node:fs";
import { ConfigError } from "../../config/errors.js";

export const PASSPHRASE_ENV = "COMMISSAIRE_BACKUP_PASSPHRASE";

export function readPassphrase(file: string | undefined, env = process.env): string {
  let passphrase: string | undefined;
  if (file !== undefined) {
    try {
      // The first line: a file written with `echo` ends with a newline that is not part of it.
      passphrase = readFileSync(file, "utf8").split(/\r?\n/)[0];
    } catch (err) {
      throw new ConfigError(`--passphrase-file ${file}: cannot be read: ${(err as Error).message}`);
    }
    if (!passphrase) throw new ConfigError(`--passphrase-file ${file}: the first line is empty`);
    return passphrase;
  }
  passphrase = env[PASSPHRASE_ENV];
  if (!passphrase)
    throw new ConfigError(
      `secrets are encrypted with a passphrase: give --passphrase-file FILE or set ${PASSPHRASE_ENV}`,
    );
  return passphrase;
}
