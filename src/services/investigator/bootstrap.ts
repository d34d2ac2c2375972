/**
 * Bootstrap of one host: the network and docker configuration written over SFTP (only when it
 * differs from what the host has), packages installed on non-atomic hosts, services enabled, and
 * restarted only when their configuration changed. A second run on a bootstrapped host writes
 * nothing and restarts nothing: `changed` is empty then.
 */
import type { CommandSet } from "../../remote/command-set.js";
import { render } from "../../remote/command-set.js";
import type { RemoteExecutor } from "../../remote/executor.js";

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

async function currentContent(ex: RemoteExecutor, path: string): Promise<string | null> {
  try {
    return (await ex.readFile(path, { sudo: true })).toString("utf8");
  } catch {
    return null; // absent or unreadable: written below
  }
}

export async function bootstrap(
  ex: RemoteExecutor,
  commands: CommandSet,
  plan: BootstrapPlan,
): Promise<BootstrapResult> {
  const changed: string[] = [];
  // Packages first: their installation may lay down default configuration we then replace.
  if (commands.name !== "atomic" && plan.packages.length > 0)
    await ex.run(render(commands.packageInstall, { packages: plan.packages }), { sudo: true });
  const restart = new Set<string>();
  for (const file of plan.files) {
    if ((await currentContent(ex, file.path)) === file.content) continue;
    await ex.writeFile(file.path, file.content, { sudo: true, mode: file.mode ?? 0o644 });
    changed.push(file.path);
    for (const service of file.restarts) restart.add(service);
  }
  for (const service of plan.services) {
    await ex.run(render(commands.serviceEnable, { service }), { sudo: true });
  }
  // In the plan's order (flanneld before docker: docker takes its network from flannel).
  for (const service of plan.services.filter((s) => restart.has(s))) {
    await ex.run(render(commands.serviceRestart, { service }), { sudo: true });
    changed.push(`restart ${service}`);
  }
  return { changed };
}
