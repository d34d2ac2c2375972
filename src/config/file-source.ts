/** Reading a configuration file (or standard input for "-"): a JSON object, or a clear error. */
import { readFile } from "node:fs/promises";
import { ConfigError } from "./errors.js";
import { type ConfigObject, isPlainObject } from "./normalise.js";

export const DEFAULT_CONFIG_DIR = "/etc/commissaire";

export function defaultConfigPath(serviceName: string): string {
  return `${DEFAULT_CONFIG_DIR}/${serviceName}.conf`;
}

async function readStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin)
    chunks.push(typeof chunk === "string" ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString("utf8");
}

/** Parses configuration text; `where` names the source in every error. */
export function parseConfigText(text: string, where: string): ConfigObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`${where}: not valid JSON: ${(err as Error).message}`);
  }
  if (!isPlainObject(value)) {
    const got = Array.isArray(value) ? "an array" : value === null ? "null" : `a ${typeof value}`;
    throw new ConfigError(`${where}: must be a JSON object, got ${got}`);
  }
  return value;
}

/**
 * Reads the file at `path` ("-" = standard input). Returns null when the file is missing and the
 * path was not given explicitly (a missing default file means "use the defaults").
 */
export async function readConfigFile(
  path: string,
  options: { explicit: boolean; stdin?: NodeJS.ReadableStream },
): Promise<ConfigObject | null> {
  if (path === "-") {
    return parseConfigText(await readStdin(options.stdin ?? process.stdin), "standard input");
  }
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && !options.explicit) return null;
    const reason =
      code === "ENOENT"
        ? "no such file"
        : code === "EACCES"
          ? "permission denied"
          : code === "EISDIR"
            ? "is a directory"
            : (err as Error).message;
    throw new ConfigError(`configuration file ${path}: cannot be read: ${reason}`);
  }
  return parseConfigText(text, `configuration file ${path}`);
}
