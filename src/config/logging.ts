/**
 * Logging from the `logging` and `debug` members: structured JSON lines on stderr by default,
 * readable lines on a terminal, a level overall and per component, and secrets redacted wherever
 * they would appear.
 */
import { type DestinationStream, type Level, type Logger, pino } from "pino";
import pretty from "pino-pretty";
import { ConfigError } from "./errors.js";
import { isPlainObject } from "./normalise.js";

/** Member names whose values never reach a log. */
export const SECRET_KEYS = [
  "password",
  "passwd",
  "ssh_priv_key",
  "private_key",
  "privateKey",
  "token",
  "access_token",
  "bearer_token",
  "secret",
  "authorization",
  "ETCD_PASSWORD",
  "certificate_key",
];

// pino's redaction takes explicit paths; secrets are looked for down to four levels deep.
const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [k, `*.${k}`, `*.*.${k}`, `*.*.*.${k}`]);

const PYTHON_LEVELS: Record<string, Level> = {
  critical: "fatal",
  fatal: "fatal",
  error: "error",
  warning: "warn",
  warn: "warn",
  info: "info",
  debug: "debug",
  trace: "trace",
};

/** Accepts pino's and Python's level names, any case ("WARNING" -> "warn"). */
export function parseLevel(value: unknown, where: string): Level | "silent" {
  if (typeof value === "string") {
    const v = value.trim().toLowerCase();
    if (v === "silent") return "silent";
    const level = PYTHON_LEVELS[v];
    if (level) return level;
  }
  throw new ConfigError(
    `${where}: unknown log level ${JSON.stringify(value)} (use debug, info, warning, error or critical)`,
  );
}

export interface LoggingSettings {
  level: Level | "silent";
  format: "json" | "pretty";
  /** Levels by component ("bus", "storage", ...). */
  components: Record<string, Level | "silent">;
}

/**
 * Reads the `logging` member: {"level": "info", "format": "json"|"pretty", "levels": {"bus":
 * "debug"}}; Python's dictConfig spelling ({"root": {"level"}, "loggers": {"bus": {"level"}}}) is
 * accepted too. `debug: true` sets the overall level to debug. A CLI level wins over both.
 */
export function loggingSettings(
  config: Record<string, unknown>,
  overrides: { level?: string; isTty?: boolean } = {},
): LoggingSettings {
  const section = config.logging === undefined ? {} : config.logging;
  if (!isPlainObject(section))
    throw new ConfigError('configuration member "logging" must be an object');
  let level: Level | "silent" = "info";
  if (section.level !== undefined) level = parseLevel(section.level, "logging.level");
  else if (isPlainObject(section.root) && section.root.level !== undefined)
    level = parseLevel(section.root.level, "logging.root.level");
  if (config.debug !== undefined && typeof config.debug !== "boolean") {
    throw new ConfigError('configuration member "debug" must be true or false');
  }
  if (config.debug === true) level = "debug";
  if (overrides.level !== undefined) level = parseLevel(overrides.level, "--log-level");

  const components: Record<string, Level | "silent"> = {};
  const levels = section.levels ?? section.loggers;
  if (levels !== undefined) {
    if (!isPlainObject(levels))
      throw new ConfigError("logging.levels must be an object of component: level");
    for (const [name, v] of Object.entries(levels)) {
      components[name] = parseLevel(isPlainObject(v) ? v.level : v, `logging.levels.${name}`);
    }
  }
  let format: "json" | "pretty" = overrides.isTty ? "pretty" : "json";
  if (section.format !== undefined) {
    if (section.format !== "json" && section.format !== "pretty") {
      throw new ConfigError('logging.format must be "json" or "pretty"');
    }
    format = section.format;
  }
  return { level, format, components };
}

export interface Logging {
  root: Logger;
  /** A logger for one component, at its own level when the configuration gives one. */
  forComponent(name: string): Logger;
}

export function createLogging(
  settings: LoggingSettings,
  name: string,
  destination?: DestinationStream,
): Logging {
  const levels = [settings.level, ...Object.values(settings.components)];
  const order = ["trace", "debug", "info", "warn", "error", "fatal", "silent"];
  const lowest = levels.reduce((a, b) => (order.indexOf(a) <= order.indexOf(b) ? a : b));
  const stream =
    destination ??
    (settings.format === "pretty"
      ? pretty({
          destination: 2,
          colorize: process.stderr.isTTY === true,
          sync: true,
          translateTime: "SYS:HH:MM:ss.l",
        })
      : pino.destination({ dest: 2, sync: true }));
  // The root logger's level is the lowest asked for anywhere, so a component may log below the
  // overall level; the overall level is then applied to every child that has no level of its own.
  const root = pino(
    {
      name,
      level: lowest,
      redact: { paths: REDACT_PATHS, censor: "[redacted]" },
      base: { pid: process.pid },
      // Level names ("info"), not pino's numbers: what people and log shippers search for.
      formatters: { level: (label) => ({ level: label }) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    stream,
  );
  const forComponent = (component: string): Logger =>
    root.child({ component }, { level: settings.components[component] ?? settings.level });
  const main = root.child({}, { level: settings.level });
  return { root: main, forComponent };
}
