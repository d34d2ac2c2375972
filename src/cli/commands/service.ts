/** `commissaire service <name>`: runs a built-in service, with the options of its own binary. */
import { Command } from "commander";
import { ConfigError } from "../../config/errors.js";
import { addCommonOptions, commonOptionsOf } from "../../service/common-options.js";
import { reportFatal, runService } from "../../service/main.js";
import { builtinServices } from "../../services/index.js";

export function serviceCommand(): Command {
  const names = Object.keys(builtinServices).join(", ");
  const command = new Command("service")
    .description(`run a built-in service (${names})`)
    .argument("<name>", names);
  addCommonOptions(command, "<name>");
  return command.action(async (name: string) => {
    const program = `commissaire service ${name}`;
    const definition = builtinServices[name];
    if (!definition) {
      process.exitCode = reportFatal(
        "commissaire service",
        new ConfigError(`unknown service "${name}"; built-in services: ${names}`),
      );
      return;
    }
    try {
      process.exitCode = await runService(definition, commonOptionsOf(command), program);
    } catch (err) {
      process.exitCode = reportFatal(program, err);
    }
  });
}
