/**
 * The one scaffold of every binary (each service, the REST server): common options, configuration,
 * logging, the bus (waited for within the connect timeout), then one service in this process or a
 * ServiceManager of N workers, until SIGTERM/SIGINT. Exit codes: 0 clean stop, 1 runtime failure
 * or unclean stop (work had to be put back), 2 bad command line or configuration.
 */
import { Command } from "commander";
import { collectDefaultMetrics } from "prom-client";
import { packageVersion } from "../base/version.js";
import { Bus } from "../bus/bus.js";
import { BusConnectError, BusUriError } from "../bus/errors.js";
import { redactUri } from "../bus/transports/index.js";
import { ConfigError } from "../config/errors.js";
import { createLogging, loggingSettings } from "../config/logging.js";
import type { ConfigObject } from "../config/normalise.js";
import { readConfig } from "../config/read-config.js";
import {
  addCommonOptions,
  busSettings,
  type CommonOptions,
  commonOptionsOf,
} from "./common-options.js";
import type { ServiceDefinition } from "./definition.js";
import { ServiceManager, WORKER_ENV } from "./manager.js";
import { MetricsServer, type MetricsSettings, metricsSettings } from "./metrics-server.js";
import { waitForStopSignal } from "./signals.js";
import { answerMetricsAsks } from "./worker-metrics.js";

/** The configuration a ServiceManager hands its workers (JSON). */
export const WORKER_CONFIG_ENV = "COMMISSAIRE_WORKER_CONFIG";

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Errors that mean "fix the command line or the configuration": exit 2. */
export function isUsageError(err: unknown): boolean {
  return err instanceof ConfigError || err instanceof BusUriError;
}

async function configFor(
  definition: ServiceDefinition,
  options: CommonOptions,
  extra: Record<string, unknown>,
  report: (line: string) => void,
): Promise<ConfigObject> {
  // Workers take the configuration their manager read: one snapshot for all of them, etcd asked
  // once, and standard input (`-c -`), which only the manager can read, works with --workers too.
  const inherited = process.env[WORKER_CONFIG_ENV];
  let config: ConfigObject;
  if (inherited) config = JSON.parse(inherited) as ConfigObject;
  else if (options.configFile === false) config = {};
  else {
    const file = options.configFile;
    config = (
      await readConfig(definition.name, {
        ...(file !== undefined ? { configFile: file } : {}),
        report,
      })
    ).config;
  }
  return definition.options ? definition.options.apply(extra, config) : config;
}

/**
 * Runs a service with already-parsed options; resolves to the exit code. Errors are reported
 * here (stderr and the log), never thrown.
 */
export async function runService(
  definition: ServiceDefinition,
  options: CommonOptions,
  program: string,
  extra: Record<string, unknown> = {},
): Promise<number> {
  let config: ConfigObject;
  let logging: ReturnType<typeof createLogging>;
  let bus: { busUri: string; busExchange: string };
  let metricsAt: MetricsSettings | undefined;
  // Where the configuration came from is said once logging exists, as a log line like any other
  // (a plain-text line in the middle of a JSON log breaks whoever reads it).
  const said: string[] = [];
  try {
    config = await configFor(definition, options, extra, (line) => said.push(line));
    logging = createLogging(
      loggingSettings(config, {
        ...(options.logLevel ? { level: options.logLevel } : {}),
        isTty: process.stderr.isTTY === true,
      }),
      program,
    );
    bus = busSettings(options, config);
    metricsAt = metricsSettings(options.metricsPort, config);
  } catch (err) {
    for (const line of said) process.stderr.write(`${line}\n`);
    return reportFatal(program, err);
  }
  const logger = logging.root;
  for (const line of said) logger.info(line);

  if (options.workers > 1 && process.env[WORKER_ENV] === undefined) {
    logger.info({ workers: options.workers }, `${definition.name}: starting workers`);
    const manager = new ServiceManager({
      script: process.argv[1]!,
      args: process.argv.slice(2),
      count: options.workers,
      logger: logging.forComponent("manager"),
      env: { [WORKER_CONFIG_ENV]: JSON.stringify(config) },
      ...(metricsAt ? { metrics: metricsAt } : {}),
    });
    return manager.run();
  }

  logger.info(
    { bus: redactUri(bus.busUri), exchange: bus.busExchange },
    `${definition.name}: connecting`,
  );
  let opened: Bus;
  try {
    opened = await Bus.open(bus.busUri, {
      exchange: bus.busExchange,
      logger: logging.forComponent("bus"),
      connectTimeoutMs: options.connectTimeoutMs,
    });
  } catch (err) {
    if (err instanceof BusConnectError) logger.error({ err: err.message }, "bus unreachable");
    return reportFatal(program, err);
  }
  // Listening for the stop signal before starting: a SIGTERM that arrives while the service
  // starts stops it gracefully once started, instead of killing the process mid-start.
  const stopSignal = waitForStopSignal(logger);
  const closeMetrics: (() => unknown)[] = [];
  try {
    const service = await definition.create({ bus: opened, config, logger, logging });
    await service.start();
    const registry = service.metrics?.registry;
    // The process's own figures, once, on the registry that is exposed.
    const exposed = metricsAt || process.env[WORKER_ENV] !== undefined;
    if (registry && exposed && !registry.getSingleMetric("process_start_time_seconds"))
      collectDefaultMetrics({ register: registry });
    if (registry && process.env[WORKER_ENV] !== undefined)
      closeMetrics.push(answerMetricsAsks(registry));
    else if (registry && metricsAt) {
      const server = new MetricsServer(
        async () => ({ contentType: registry.contentType, text: await registry.metrics() }),
        logging.forComponent("metrics"),
      );
      await server.listen(metricsAt);
      closeMetrics.push(() => server.close());
    }
    const signal = await stopSignal;
    logger.info({ signal }, `${definition.name}: stopping`);
    const result = await service.stop();
    const clean = (result as { clean?: unknown } | undefined)?.clean !== false;
    return clean ? EXIT_OK : EXIT_FAILURE;
  } catch (err) {
    logger.error({ err }, `${definition.name}: failed`);
    return reportFatal(program, err);
  } finally {
    for (const close of closeMetrics) await close();
    await opened.close();
  }
}

/** Reports a start-up error the way every binary does, and gives its exit code. */
export function reportFatal(program: string, err: unknown): number {
  const usage = isUsageError(err);
  const message = err instanceof Error ? err.message : String(err);
  process.stderr.write(`${program}: ${usage ? "" : "error: "}${message}\n`);
  return usage ? EXIT_USAGE : EXIT_FAILURE;
}

/** Adds a definition's options (common and its own) to a command and runs it as its action. */
export function defineServiceCommand(
  command: Command,
  definition: ServiceDefinition,
  program: string,
): Command {
  addCommonOptions(command, definition.name, { workers: definition.workers !== false });
  definition.options?.add(command);
  return command.action(async () => {
    let options: CommonOptions;
    try {
      options = commonOptionsOf(command);
    } catch (err) {
      process.exitCode = reportFatal(program, err);
      return;
    }
    process.exitCode = await runService(definition, options, program, command.opts());
  });
}

/** A command for one service binary (`commissaire-<name>-service`, `commissaire-server`). */
export function serviceCommand(definition: ServiceDefinition, program: string): Command {
  const command = new Command(program)
    .description(definition.description)
    .version(packageVersion(), "--version");
  command.showHelpAfterError().exitOverride();
  return defineServiceCommand(command, definition, program);
}

/** The exit code for an error commander threw (it printed the message, help or version). */
export function commanderExitCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown }).code;
  if (typeof code !== "string" || !code.startsWith("commander.")) return undefined;
  return ["commander.helpDisplayed", "commander.version", "commander.help"].includes(code)
    ? EXIT_OK
    : EXIT_USAGE;
}

/** Entry point of a service binary. */
export async function serviceMain(
  definition: ServiceDefinition,
  program: string,
  argv = process.argv,
): Promise<void> {
  const command = serviceCommand(definition, program);
  try {
    await command.parseAsync(argv);
  } catch (err) {
    process.exitCode = commanderExitCode(err) ?? reportFatal(program, err);
  }
  if (process.exitCode !== undefined) {
    // Whatever is left (a half-open socket after a failed start) must not keep the process alive.
    setTimeout(() => process.exit(), 2000).unref();
  }
}
