/** `commissaire service <name>`: runs a built-in service, with the options of its own binary. */
import { Command } from "commander";
import { addCommonOptions, commonOptionsOf } from "../../service/common-options.js";
import { runService } from "../../service/main.js";
import { builtinServices } from "../../services/index.js";

export function serviceCommand(): Command {
  const names = Object.keys(builtinServices).join(", ");
  const command = new Command("service")
    .description(`run a built-in service (${names})`)
    .argument("<name>", names);
  addCommonOptions(command, "<name>");
  return command.action(async (name: string) => {
    const definition = builtinServices[name];
    if (!definition) throw new Error(`unknown service "${name}"; built-in services: ${names}`);
    process.exitCode = await runService(
      definition,
      commonOptionsOf(command),
      `commissaire service ${name}`,
    );
  });
}
