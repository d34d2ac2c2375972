/**
 * Authentication plug-ins: a module (a path, or a package) whose default export, or `PluginClass`
 * export as the original named it, is a class built with (its options, the server's
 * configuration) and having `authenticate(authorizationHeader, request)`. Plug-ins written for
 * the first form, `authenticate(authorizationHeader)`, work unchanged.
 */
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError } from "../../../config/errors.js";
import type { ConfigObject } from "../../../config/normalise.js";
import type { Authenticator } from "./request.js";

type PluginClass = new (options: ConfigObject, config: ConfigObject) => Authenticator;

export function moduleTarget(spec: string): string {
  return spec.startsWith(".") || isAbsolute(spec) ? pathToFileURL(resolve(spec)).href : spec;
}

export async function loadPlugin(
  spec: string,
  options: ConfigObject,
  config: ConfigObject,
  where: string,
): Promise<Authenticator> {
  let module: Record<string, unknown>;
  try {
    module = (await import(moduleTarget(spec))) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`${where} "${spec}": cannot be loaded: ${(err as Error).message}`);
  }
  const Plugin = module.default ?? module.PluginClass;
  if (typeof Plugin !== "function" || typeof Plugin.prototype?.authenticate !== "function") {
    throw new ConfigError(
      `${where} "${spec}": its default export must be a class with authenticate()`,
    );
  }
  try {
    return new (Plugin as PluginClass)(options, config);
  } catch (err) {
    throw new ConfigError(`${where} "${spec}": ${(err as Error).message}`);
  }
}
