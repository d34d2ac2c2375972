/**
 * The options every service binary shares, and how they combine with the configuration:
 * command-line option > etcd/file member > built-in default.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import { DEFAULT_EXCHANGE } from "../bus/bus.js";
import { ConfigError } from "../config/errors.js";
import type { ConfigObject } from "../config/normalise.js";

export const DEFAULT_BUS_URI = "redis://127.0.0.1:6379/0";

export interface CommonOptions {
  configFile?: string;
  busUri?: string;
  busExchange?: string;
  workers: number;
  logLevel?: string;
}

export interface BusSettings {
  busUri: string;
  busExchange: string;
}

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError("must be a positive whole number");
  return n;
}

/** Adds the common options to a command (a service binary, or `commissaire service <name>`). */
export function addCommonOptions(command: Command, serviceName: string): Command {
  return command
    .option(
      "-c, --config-file <path>",
      `configuration file ("-" reads standard input) [default: /etc/commissaire/${serviceName}.conf]`,
    )
    .addOption(new Option("--config <path>", "same as --config-file").hideHelp())
    .option(
      "--bus-uri <uri>",
      `message bus: redis://[:password@]host:port/db, rediss://..., memory:// [default: ${DEFAULT_BUS_URI}]`,
    )
    .option("--bus-exchange <name>", `topic exchange name [default: ${DEFAULT_EXCHANGE}]`)
    .option("--workers <n>", "worker processes (a dead worker is restarted)", positiveInt, 1)
    .option(
      "--log-level <level>",
      "debug, info, warning, error or critical (overrides the configuration)",
    );
}

/** Reads the parsed common options of a command. */
export function commonOptionsOf(command: Command): CommonOptions {
  const o = command.opts<{
    configFile?: string;
    config?: string;
    busUri?: string;
    busExchange?: string;
    workers: number;
    logLevel?: string;
  }>();
  if (o.configFile !== undefined && o.config !== undefined && o.configFile !== o.config) {
    throw new ConfigError("give either --config-file or --config, not both");
  }
  const out: CommonOptions = { workers: o.workers };
  const file = o.configFile ?? o.config;
  if (file !== undefined) out.configFile = file;
  if (o.busUri !== undefined) out.busUri = o.busUri;
  if (o.busExchange !== undefined) out.busExchange = o.busExchange;
  if (o.logLevel !== undefined) out.logLevel = o.logLevel;
  return out;
}

function stringMember(config: ConfigObject, name: string): string | undefined {
  const value = config[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string" || value === "") {
    throw new ConfigError(
      `configuration member "${name}" must be a non-empty string, got ${JSON.stringify(value)}`,
    );
  }
  return value;
}

/** bus_uri and bus_exchange by precedence. */
export function busSettings(options: CommonOptions, config: ConfigObject): BusSettings {
  return {
    busUri: options.busUri ?? stringMember(config, "bus_uri") ?? DEFAULT_BUS_URI,
    busExchange: options.busExchange ?? stringMember(config, "bus_exchange") ?? DEFAULT_EXCHANGE,
  };
}
