/** The bus a client command (call, notify, listen) talks to: same options and precedence as a service. */
import type { Command } from "commander";
import { Bus } from "../../bus/bus.js";
import { ConfigError } from "../../config/errors.js";
import { readConfigFile } from "../../config/file-source.js";
import { createLogging, loggingSettings } from "../../config/logging.js";
import { normaliseConfig } from "../../config/normalise.js";
import { busSettings } from "../../service/common-options.js";

export function addBusOptions(command: Command): Command {
  return command
    .option("-c, --config-file <path>", "read bus_uri / bus_exchange from this JSON file")
    .option("--bus-uri <uri>", "message bus URI [default: redis://127.0.0.1:6379/0]")
    .option("--bus-exchange <name>", "topic exchange name [default: commissaire]")
    .option("--log-level <level>", "log level of the bus client (logs go to stderr)", "warning");
}

/** How long commands that need the bus wait for it before saying it cannot be reached. */
export const BUS_CONNECT_TIMEOUT_MS = 5000;

/**
 * The bus of the command's options. With `connectTimeoutMs`, waits for the broker and rejects
 * with "cannot connect to <uri>: <cause>" once it has not answered by then (commands that do
 * nothing without the bus); without it, connects in the background (`call` has its own timeout).
 */
export async function connectFromOptions(
  command: Command,
  { connectTimeoutMs }: { connectTimeoutMs?: number } = {},
): Promise<Bus> {
  const o = command.opts<{
    configFile?: string;
    busUri?: string;
    busExchange?: string;
    logLevel: string;
  }>();
  const config = o.configFile
    ? normaliseConfig((await readConfigFile(o.configFile, { explicit: true }))!)
    : {};
  const settings = busSettings(
    {
      ...(o.busUri ? { busUri: o.busUri } : {}),
      ...(o.busExchange ? { busExchange: o.busExchange } : {}),
    },
    config,
  );
  const logging = createLogging(
    loggingSettings(config, { level: o.logLevel, isTty: process.stderr.isTTY === true }),
    "commissaire",
  );
  const options = { exchange: settings.busExchange, logger: logging.forComponent("bus") };
  return connectTimeoutMs === undefined
    ? Bus.connect(settings.busUri, options)
    : Bus.open(settings.busUri, { ...options, connectTimeoutMs });
}

/** JSON params from the positional argument and --param name=value options (values as JSON when they parse). */
export function paramsFrom(
  json: string | undefined,
  pairs: string[],
): Record<string, unknown> | unknown[] {
  let params: Record<string, unknown> | unknown[] = {};
  if (json !== undefined) {
    let value: unknown;
    try {
      value = JSON.parse(json);
    } catch (err) {
      throw new ConfigError(`params: not valid JSON: ${(err as Error).message}`);
    }
    if (typeof value !== "object" || value === null)
      throw new ConfigError("params: must be a JSON object or array");
    params = value as Record<string, unknown> | unknown[];
  }
  if (pairs.length === 0) return params;
  if (Array.isArray(params))
    throw new ConfigError("--param cannot be combined with positional (array) params");
  for (const pair of pairs) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw new ConfigError(`--param ${pair}: expected name=value`);
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      // Not JSON: the text itself.
    }
    params[pair.slice(0, eq)] = value;
  }
  return params;
}
