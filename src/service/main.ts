/**
 * The body of every service binary: common options, configuration, logging, then one service in
 * this process or a ServiceManager of N workers. Exit codes: 0 clean stop, 1 unclean stop or
 * runtime failure, 2 bad command line or configuration.
 */
import { Command } from "commander";
import { Bus } from "../bus/bus.js";
import { redactUri } from "../bus/transports/index.js";
import { ConfigError } from "../config/errors.js";
import { createLogging, loggingSettings } from "../config/logging.js";
import type { ConfigObject } from "../config/normalise.js";
import { readConfig } from "../config/read-config.js";
import { packageVersion } from "../version.js";
import {
  addCommonOptions,
  busSettings,
  type CommonOptions,
  commonOptionsOf,
} from "./common-options.js";
import type { ServiceDefinition } from "./definition.js";
import { ServiceManager, WORKER_ENV } from "./manager.js";

/** The configuration a ServiceManager hands its workers (JSON). */
export const WORKER_CONFIG_ENV = "COMMISSAIRE_WORKER_CONFIG";

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;

/** Runs a service with already-parsed common options; resolves to the exit code. */
export async function runService(
  definition: ServiceDefinition,
  options: CommonOptions,
  program: string,
): Promise<number> {
  // Workers take the configuration their manager read: one snapshot for all of them, etcd asked
  // once, and standard input (`-c -`), which only the manager can read, works with --workers too.
  const inherited = process.env[WORKER_CONFIG_ENV];
  const config: ConfigObject = inherited
    ? (JSON.parse(inherited) as ConfigObject)
    : (
        await readConfig(
          definition.name,
          options.configFile !== undefined ? { configFile: options.configFile } : {},
        )
      ).config;
  const settings = loggingSettings(config, {
    ...(options.logLevel ? { level: options.logLevel } : {}),
    isTty: process.stderr.isTTY === true,
  });
  const { busUri, busExchange } = busSettings(options, config);
  const logging = createLogging(settings, program);
  const logger = logging.root;

  if (options.workers > 1 && process.env[WORKER_ENV] === undefined) {
    logger.info({ workers: options.workers }, `${definition.name}: starting workers`);
    const manager = new ServiceManager({
      script: process.argv[1]!,
      args: process.argv.slice(2),
      count: options.workers,
      logger: logging.forComponent("manager"),
      env: { [WORKER_CONFIG_ENV]: JSON.stringify(config) },
    });
    return manager.run();
  }

  logger.info({ bus: redactUri(busUri), exchange: busExchange }, `${definition.name}: connecting`);
  const bus = Bus.connect(busUri, { exchange: busExchange, logger: logging.forComponent("bus") });
  try {
    const service = await definition.create({ bus, config, logger, logging });
    return await service.run();
  } catch (err) {
    logger.error({ err }, `${definition.name}: failed`);
    await bus.close().catch(() => undefined);
    return EXIT_FAILURE;
  }
}

/** Reports a start-up error the way every binary does, and gives its exit code. */
export function reportFatal(program: string, err: unknown): number {
  const usage = err instanceof ConfigError;
  process.stderr.write(
    `${program}: ${usage ? "" : "error: "}${(err as Error).message ?? String(err)}\n`,
  );
  return usage ? EXIT_USAGE : EXIT_FAILURE;
}

/** A command for one service binary (`commissaire-<name>-service`). */
export function serviceCommand(definition: ServiceDefinition, program: string): Command {
  const command = new Command(program)
    .description(definition.description)
    .version(packageVersion(), "--version");
  addCommonOptions(command, definition.name);
  command.showHelpAfterError().exitOverride();
  return command.action(async () => {
    process.exitCode = await runService(definition, commonOptionsOf(command), program);
  });
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
    const code = (err as { code?: string; exitCode?: number }).code;
    if (typeof code === "string" && code.startsWith("commander.")) {
      // commander already printed the message (or the help / version text).
      process.exitCode =
        code === "commander.helpDisplayed" || code === "commander.version" ? EXIT_OK : EXIT_USAGE;
      return;
    }
    process.exitCode = reportFatal(program, err);
  }
  if (process.exitCode !== undefined) {
    // Whatever is left (a half-open socket after a failed start) must not keep the process alive.
    setTimeout(() => process.exit(), 2000).unref();
  }
}
