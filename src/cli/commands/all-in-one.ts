/** `commissaire all-in-one` (also `npm start`): the whole system in one process, for a quick start. */
import { Command, InvalidArgumentError } from "commander";
import { createLogging, loggingSettings } from "../../config/logging.js";
import { ADMIN_USER, DEFAULT_DATA_DIR, startAllInOne } from "../../services/all-in-one.js";
import { parentGone } from "./parent-watch.js";

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError("must be a port number");
  return n;
}

export function allInOneCommand(): Command {
  const command = new Command("all-in-one")
    .description(
      "run the storage service and the REST server in one process (memory bus, file store)",
    )
    .option("--data-dir <path>", "where records, secrets and users live", DEFAULT_DATA_DIR)
    .option("--listen-interface <address>", "address to listen on", "127.0.0.1")
    .option("--listen-port <port>", "port to listen on", port, 8000)
    .option("--log-level <level>", "debug, info, warning, error or critical", "warning");
  return command.action(async () => {
    const o = command.opts<{
      dataDir: string;
      listenInterface: string;
      listenPort: number;
      logLevel: string;
    }>();
    const logging = createLogging(
      loggingSettings({}, { level: o.logLevel, isTty: process.stderr.isTTY === true }),
      "commissaire",
    );
    const system = await startAllInOne({
      dataDir: o.dataDir,
      host: o.listenInterface,
      port: o.listenPort,
      logger: logging.root,
    });
    const lines = [`Commissaire is running at ${system.url}`];
    if (system.generatedPassword) {
      lines.push(`  user: ${ADMIN_USER}`, `  password: ${system.generatedPassword}`);
      lines.push(
        `  (shown once; the hash is in ${system.usersFile}: delete it to get a new password)`,
      );
    } else {
      lines.push(
        `  user: ${ADMIN_USER}, with the password shown on the first start (delete ${system.usersFile} to get a new one)`,
      );
    }
    lines.push(`  try: curl -u ${ADMIN_USER}:PASSWORD ${system.url}clusters`, "Ctrl-C to stop.");
    process.stdout.write(`${lines.join("\n")}\n`);
    await Promise.race([
      new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      }),
      parentGone(),
    ]);
    await system.stop();
  });
}
