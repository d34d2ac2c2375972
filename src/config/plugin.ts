/**
 * Loading a plug-in class named in a configuration: a module path (relative to the working
 * directory, or absolute) or a package name, whose default export (or one of the named exports
 * given) is a class with the methods the plug-in point needs. Every failure is a ConfigError that
 * names the configuration member and the module.
 */
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError } from "./errors.js";

export interface PluginPoint {
  /** The configuration member naming the module, for messages ("authentication_plugin"). */
  where: string;
  /** What the class must have, in words, for messages ("a class with authenticate()"). */
  what: string;
  /** Instance methods the class must have. */
  methods: readonly string[];
  /** Named exports tried after `default` ("StoreHandler"). */
  exportNames?: readonly string[];
}

type Constructor = abstract new (...args: never[]) => unknown;

function hasMethods(value: unknown, methods: readonly string[]): value is Constructor {
  if (typeof value !== "function") return false;
  const proto = (value as { prototype?: Record<string, unknown> }).prototype;
  return proto !== undefined && methods.every((m) => typeof proto[m] === "function");
}

export async function loadPluginClass<C extends Constructor>(
  spec: unknown,
  point: PluginPoint,
): Promise<C> {
  if (typeof spec !== "string" || spec === "")
    throw new ConfigError(`${point.where} must be a module path or package name`);
  const target =
    spec.startsWith(".") || isAbsolute(spec) ? pathToFileURL(resolve(spec)).href : spec;
  let module: Record<string, unknown>;
  try {
    module = (await import(target)) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(
      `${point.where}: cannot load plug-in module "${spec}": ${(err as Error).message}`,
    );
  }
  for (const name of ["default", ...(point.exportNames ?? [])]) {
    if (hasMethods(module[name], point.methods)) return module[name] as C;
  }
  const exports = ["the default export", ...(point.exportNames ?? []).map((n) => `"${n}"`)];
  throw new ConfigError(
    `${point.where}: plug-in module "${spec}" must export ${point.what} (${exports.join(" or ")})`,
  );
}
