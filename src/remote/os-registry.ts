/**
 * Every command set in ./os/, loaded once: adding an OS is adding one file there that exports
 * `commands` (a CommandSet). Lookup goes by name or alias.
 */
import { readdirSync } from "node:fs";
import type { CommandSet } from "./command-set.js";

async function loadAll(): Promise<Map<string, CommandSet>> {
  const dir = new URL("./os/", import.meta.url);
  const byName = new Map<string, CommandSet>();
  for (const file of readdirSync(dir)
    .filter((f) => f.endsWith(".js"))
    .sort()) {
    const module: { commands?: CommandSet } = await import(new URL(file, dir).href);
    const set = module.commands;
    if (!set?.name)
      throw new Error(`remote/os/${file} does not export a command set as "commands"`);
    for (const name of [set.name, ...(set.aliases ?? [])]) {
      if (byName.has(name))
        throw new Error(`remote/os/${file}: OS name "${name}" is already taken`);
      byName.set(name, set);
    }
  }
  return byName;
}

const sets = await loadAll();

/** Names and aliases of every known OS. */
export function knownOses(): string[] {
  return [...sets.keys()].sort();
}

/** The command set of an OS (HostFacts.os or an alias); an unknown OS is an error in words. */
export function commandSetFor(os: string): CommandSet {
  const set = sets.get(os.toLowerCase());
  if (!set) throw new Error(`no command set for OS "${os}" (known: ${knownOses().join(", ")})`);
  return set;
}
