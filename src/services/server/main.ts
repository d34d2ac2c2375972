/** `commissaire-server`: the REST server as its own process (configuration name `commissaire`). */
import { Command } from "commander";
import { Bus } from "../../bus/bus.js";
import { redactUri } from "../../bus/transports/index.js";
import { createLogging, loggingSettings } from "../../config/logging.js";
import { readConfig } from "../../config/read-config.js";
import { busSettings } from "../../service/common-options.js";
import { EXIT_FAILURE, EXIT_OK, EXIT_USAGE, reportFatal } from "../../service/main.js";
import { packageVersion } from "../../version.js";
import {
  addOriginalServerOptions,
  applyOriginalOptions,
  configFileOption,
} from "./original-options.js";
import { CommissaireServer } from "./server.js";
import { serverSettings } from "./settings.js";

export function serverCommand(name = "commissaire-server"): Command {
  const command = new Command(name)
    .description("Commissaire REST server (/api/v0/...) on the message bus")
    .version(packageVersion(), "--version")
    .option(
      "-c, --config-file <path>",
      "configuration file [default: /etc/commissaire/commissaire.conf]",
    )
    .option("--bus-uri <uri>", "message bus URI [default: redis://127.0.0.1:6379/0]")
    .option("--bus-exchange <name>", "topic exchange name [default: commissaire]")
    .option("--listen-interface <address>", "address to listen on [default: 127.0.0.1]")
    .option("--listen-port <port>", "port to listen on [default: 8000]", (v) => Number(v))
    .option("--log-level <level>", "debug, info, warning, error or critical");
  addOriginalServerOptions(command);
  return command.action(async () => {
    const o = command.opts<{
      configFile?: string;
      busUri?: string;
      busExchange?: string;
      listenInterface?: string;
      listenPort?: number;
      logLevel?: string;
    }>();
    const source = configFileOption(command.opts());
    const read = source ? await readConfig("commissaire", source) : { config: {} };
    const config = applyOriginalOptions(command.opts(), read.config);
    if (o.listenInterface !== undefined) config.listen_interface = o.listenInterface;
    if (o.listenPort !== undefined) config.listen_port = o.listenPort;
    const settings = await serverSettings(config);
    const logging = createLogging(
      loggingSettings(config, {
        ...(o.logLevel ? { level: o.logLevel } : {}),
        isTty: process.stderr.isTTY === true,
      }),
      name,
    );
    for (const warning of settings.warnings) logging.root.warn(warning);
    const bus = busSettings(
      {
        workers: 1,
        ...(o.busUri ? { busUri: o.busUri } : {}),
        ...(o.busExchange ? { busExchange: o.busExchange } : {}),
      },
      config,
    );
    const server = new CommissaireServer({
      bus: Bus.connect(bus.busUri, {
        exchange: bus.busExchange,
        logger: logging.forComponent("bus"),
      }),
      authenticator: settings.authenticator,
      logger: logging.forComponent("server"),
      ...(settings.tls ? { tls: settings.tls } : {}),
    });
    try {
      const address = await server.listen(settings.port, settings.host);
      logging.root.info(
        {
          bus: redactUri(bus.busUri),
          url: `${server.secure ? "https" : "http"}://${address.address}:${address.port}/api/v0/`,
        },
        "server listening",
      );
    } catch (err) {
      logging.root.error({ err: (err as Error).message }, "cannot listen");
      await server.close(0);
      process.exitCode = EXIT_FAILURE;
      return;
    }
    await new Promise<void>((resolve) => {
      process.once("SIGTERM", resolve);
      process.once("SIGINT", resolve);
    });
    await server.close();
    process.exitCode = EXIT_OK;
  });
}

export async function serverMain(argv = process.argv): Promise<void> {
  const command = serverCommand().exitOverride().showHelpAfterError();
  try {
    await command.parseAsync(argv);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (typeof code === "string" && code.startsWith("commander.")) {
      process.exitCode =
        code === "commander.helpDisplayed" || code === "commander.version" ? EXIT_OK : EXIT_USAGE;
      return;
    }
    process.exitCode = reportFatal("commissaire-server", err);
  }
}
