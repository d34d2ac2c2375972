/**
 * What every operator command shares: how to reach the server (--server, --username, --password,
 * --token, --ca-file), --json for scripts, and exit codes: 0 done, 1 the server refused (its
 * status and message on stderr), 2 bad command line or settings, 3 server unreachable.
 */
import type { Command } from "commander";
import { ConfigError } from "../../config/errors.js";
import { parseConfigText } from "../../config/file-source.js";
import { HttpFailure, RestClient, Unreachable } from "./rest-client.js";
import { clientSettings } from "./settings.js";

export function addClientOptions(command: Command): Command {
  return command
    .option(
      "--server <url>",
      "REST server [env COMMISSAIRE_SERVER, ~/.commissaire.json, default http://127.0.0.1:8000]",
    )
    .option("--username <name>", "user for HTTP Basic [env COMMISSAIRE_USERNAME]")
    .option("--password <password>", "its password [env COMMISSAIRE_PASSWORD]")
    .option("--token <token>", "bearer token instead of a user [env COMMISSAIRE_TOKEN]")
    .option("--ca-file <path>", "CA certificate for an https server [env COMMISSAIRE_CA_FILE]")
    .option("--json", "print the server's JSON instead of a table");
}

/** Runs `action` with a client built from the command's options, mapping failures to exit codes. */
export async function withClient(
  command: Command,
  action: (client: RestClient, json: boolean) => Promise<string | undefined>,
): Promise<void> {
  // Options may be given on the resource command or the verb: the verb's win.
  const o = { ...command.parent?.opts(), ...command.opts() } as {
    server?: string;
    username?: string;
    password?: string;
    token?: string;
    caFile?: string;
    json?: boolean;
  };
  try {
    const client = new RestClient(clientSettings(o));
    const output = await action(client, o.json === true);
    if (output !== undefined) process.stdout.write(`${output}\n`);
    process.exitCode = 0;
  } catch (err) {
    if (err instanceof HttpFailure) {
      process.stderr.write(`error ${err.status}: ${err.message}\n`);
      process.exitCode = 1;
    } else if (err instanceof Unreachable) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exitCode = 3;
    } else if (err instanceof ConfigError) {
      process.stderr.write(`error: ${err.message}\n`);
      process.exitCode = 2;
    } else throw err;
  }
}

export const jsonText = (value: unknown) => JSON.stringify(value, null, 2);

/** Parses an --options value: a JSON object. */
export function jsonObject(value: string, what: string): Record<string, unknown> {
  return parseConfigText(value, what);
}
