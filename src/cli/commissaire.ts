#!/usr/bin/env node
/** `commissaire`: the operators' and scripts' command (call, notify, listen, service). */
import { Command } from "commander";
import { packageVersion } from "../base/version.js";
import { reportFatal } from "../service/main.js";
import { allInOneCommand } from "./commands/all-in-one.js";
import { backupCommand } from "./commands/backup.js";
import { callCommand } from "./commands/call.js";
import { doctorCommand } from "./commands/doctor.js";
import { listenCommand } from "./commands/listen.js";
import { storageCommand } from "./commands/migrate-v2.js";
import { notifyCommand } from "./commands/notify.js";
import { restoreCommand } from "./commands/restore.js";
import { serviceCommand } from "./commands/service.js";
import { servicesCommand } from "./commands/services.js";
import { userCommand } from "./commands/user.js";
import { watcherCommand } from "./commands/watcher.js";
import {
  clusterCommand,
  containerManagerCommand,
  hostCommand,
  networkCommand,
} from "./operator/resources.js";

const program = new Command("commissaire")
  .description("Commissaire services: call and watch them on the message bus, or run one")
  .version(packageVersion(), "--version")
  .showHelpAfterError()
  .exitOverride();
for (const sub of [
  callCommand(),
  notifyCommand(),
  listenCommand(),
  serviceCommand(),
  servicesCommand(),
  allInOneCommand(),
  backupCommand(),
  restoreCommand(),
  doctorCommand(),
]) {
  program.addCommand(sub.exitOverride().showHelpAfterError());
}
// Operator commands on the REST API.
for (const sub of [
  clusterCommand(),
  hostCommand(),
  networkCommand(),
  containerManagerCommand(),
  userCommand(),
  watcherCommand(),
  storageCommand(),
]) {
  for (const verb of sub.commands) verb.exitOverride().showHelpAfterError();
  program.addCommand(sub.exitOverride().showHelpAfterError());
}

try {
  await program.parseAsync(process.argv);
} catch (err) {
  const code = (err as { code?: string }).code;
  if (typeof code === "string" && code.startsWith("commander.")) {
    process.exitCode =
      code === "commander.helpDisplayed" ||
      code === "commander.version" ||
      code === "commander.help"
        ? 0
        : 2;
  } else {
    process.exitCode = reportFatal("commissaire", err);
  }
}
