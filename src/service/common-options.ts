/**
 * The options every service binary shares, and how they combine with the configuration:
 * command-line option > environment (COMMISSAIRE_BUS_URI) > etcd/file member > built-in default.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import { DEFAULT_CONNECT_TIMEOUT_MS, DEFAULT_EXCHANGE } from "../bus/bus.js";
import { ConfigError } from "../config/errors.js";
import type { ConfigObject } from "../config/normalise.js";

export const DEFAULT_BUS_URI = "redis://127.0.0.1:6379/0";
/** The environment's bus URI, used when --bus-uri is not given. */
export const BUS_URI_ENV = "COMMISSAIRE_BUS_URI";

export interface CommonOptions {
  /** A path, "-" for standard input, or false (--no-config-file): read no configuration at all. */
  configFile?: string | false;
  busUri?: string;
  busExchange?: string;
  workers: number;
  logLevel?: string;
  connectTimeoutMs: number;
  /** --metrics-port: serve GET /metrics on this port (0: any free one). */
  metricsPort?: number;
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

function portNumber(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError("must be a port number");
  return n;
}

function positiveSeconds(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError("must be a number of seconds");
  return n;
}

/** Adds the common options to a command (a service binary, or `commissaire service <name>`). */
export function addCommonOptions(
  command: Command,
  serviceName: string,
  { workers = true }: { workers?: boolean } = {},
): Command {
  command
    .option(
      "-c, --config-file <path>",
      `configuration file ("-" reads standard input) [default: /etc/commissaire/${serviceName}.conf]`,
    )
    .addOption(new Option("--config <path>", "same as --config-file").hideHelp())
    .option("--no-config-file", "read no configuration (neither the file nor etcd)")
    .option(
      "--bus-uri <uri>",
      `message bus: redis://[:password@]host:port/db, rediss://..., amqp://user:password@host:port/vhost, amqps://..., memory:// [default: $${BUS_URI_ENV}, else the configuration's bus_uri, else ${DEFAULT_BUS_URI}]`,
    )
    .option("--bus-exchange <name>", `topic exchange name [default: ${DEFAULT_EXCHANGE}]`)
    .option(
      "--connect-timeout <seconds>",
      `how long to wait for the bus at start [default: ${DEFAULT_CONNECT_TIMEOUT_MS / 1000}]`,
      positiveSeconds,
    )
    .option(
      "--metrics-port <port>",
      "serve Prometheus metrics on http://<metrics_address>:<port>/metrics [default: the configuration's metrics_port, else none]",
      portNumber,
    );
  if (workers)
    command.option(
      "--workers <n>",
      "worker processes (a dead worker is restarted)",
      positiveInt,
      1,
    );
  return command.option(
    "--log-level <level>",
    "debug, info, warning, error or critical (overrides the configuration)",
  );
}

/** Reads the parsed common options of a command. */
export function commonOptionsOf(command: Command): CommonOptions {
  const o = command.opts<{
    configFile?: string | false;
    config?: string;
    busUri?: string;
    busExchange?: string;
    workers?: number;
    logLevel?: string;
    connectTimeout?: number;
    metricsPort?: number;
  }>();
  if (o.configFile !== undefined && o.config !== undefined && o.configFile !== o.config) {
    throw new ConfigError(
      o.configFile === false
        ? "give either --config or --no-config-file, not both"
        : "give either --config-file or --config, not both",
    );
  }
  const out: CommonOptions = {
    workers: o.workers ?? 1,
    connectTimeoutMs: (o.connectTimeout ?? DEFAULT_CONNECT_TIMEOUT_MS / 1000) * 1000,
  };
  const file = o.configFile ?? o.config;
  if (file !== undefined) out.configFile = file;
  if (o.busUri !== undefined) out.busUri = o.busUri;
  if (o.busExchange !== undefined) out.busExchange = o.busExchange;
  if (o.logLevel !== undefined) out.logLevel = o.logLevel;
  if (o.metricsPort !== undefined) out.metricsPort = o.metricsPort;
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
export function busSettings(
  options: Pick<CommonOptions, "busUri" | "busExchange">,
  config: ConfigObject,
  env: NodeJS.ProcessEnv = process.env,
): BusSettings {
  const fromEnv = env[BUS_URI_ENV] === "" ? undefined : env[BUS_URI_ENV];
  return {
    busUri: options.busUri ?? fromEnv ?? stringMember(config, "bus_uri") ?? DEFAULT_BUS_URI,
    busExchange: options.busExchange ?? stringMember(config, "bus_exchange") ?? DEFAULT_EXCHANGE,
  };
}
