/**
 * Bootstrap of one host: the network and docker configuration written (only when it differs
 * from what the host has), packages that are missing installed on non-atomic hosts, services
 * enabled, and restarted only when their configuration changed. A second run on a bootstrapped
 * host writes nothing and restarts nothing: `changed` is empty then.
 */
import type { CommandSet } from "../../remote/command-set.js";
import type { RemoteExecutor } from "../../remote/executor.js";
import { bootstrapChanges, bootstrapScript } from "./bootstrap-script.js";

export interface BootstrapFile {
  path: string;
  content: string;
  mode?: number;
  /** Services restarted when this file changes. */
  restarts: string[];
}

export interface BootstrapPlan {
  files: BootstrapFile[];
  packages: string[];
  services: string[];
}

export interface BootstrapResult {
  /** Files written and services restarted; empty when the host already had everything. */
  changed: string[];
}

/**
 * Runs the plan on the host in one session (bootstrap-script.ts), as root. The script is the
 * command's standard input: `sh -s` reads it from there.
 */
export async function bootstrap(
  ex: RemoteExecutor,
  commands: CommandSet,
  plan: BootstrapPlan,
): Promise<BootstrapResult> {
  const script = bootstrapScript(plan, commands);
  const result = await ex.run("sh -s", { sudo: true, check: false, stdin: script });
  return { changed: bootstrapChanges(ex.address, result) };
}
