/**
 * Per-OS command sets: the data shape and how a template becomes a command. A template names its
 * values in lower-case braces ({packages}, {service}, {version}, {package}; rpm's %{TAGS} are left
 * alone); each value is shell-quoted, and
 * a list (packages) becomes several quoted arguments. All of them need root: run them with sudo.
 */
import { quote } from "./shell.js";

export interface CommandSet {
  /** The name facts give (HostFacts.os). */
  name: string;
  /** Other os-release IDs that mean this set (redhat for rhel). */
  aliases?: string[];
  packageUpdate: string;
  packageInstall: string;
  serviceEnable: string;
  serviceRestart: string;
  reboot: string;
  /** Prints the installed version of {package}. */
  versionQuery: string;
  /** Moves the host to {version} (rpm-ostree hosts only). */
  deploy?: string;
}

export type CommandName = Exclude<keyof CommandSet, "name" | "aliases">;

/**
 * The command with its values filled in and quoted; a value the template lacks is an error.
 * `shellText` values go in as they are, unquoted: for a script that fills them at run time
 * (`{ packages: '"$@"' }`: the packages the script found missing). Never put data there.
 */
export function render(
  template: string,
  values: Record<string, string | string[]> = {},
  shellText: Record<string, string> = {},
): string {
  return template.replace(/(?<!%)\{([a-z_]+)\}/g, (_, name: string) => {
    const text = shellText[name];
    if (text !== undefined) return text;
    const value = values[name];
    if (value === undefined)
      throw new Error(`command template "${template}" needs a value for {${name}}`);
    const list = Array.isArray(value) ? value : [value];
    if (list.length === 0 || list.some((v) => v === ""))
      throw new Error(`command template "${template}": {${name}} must not be empty`);
    return list.map(quote).join(" ");
  });
}
