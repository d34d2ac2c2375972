/**
 * Authentication plug-ins: a module (a path, or a package) whose default export, or `PluginClass`
 * export as the original named it, is a class built with (its options, the server's
 * configuration) and having `authenticate(authorizationHeader, request)`. Plug-ins written for
 * the first form, `authenticate(authorizationHeader)`, work unchanged.
 */
import { ConfigError } from "../../../config/errors.js";
import type { ConfigObject } from "../../../config/normalise.js";
import { loadPluginClass } from "../../../config/plugin.js";
import type { Authenticator } from "./request.js";

type PluginClass = new (options: ConfigObject, config: ConfigObject) => Authenticator;

export async function loadPlugin(
  spec: string,
  options: ConfigObject,
  config: ConfigObject,
  where: string,
): Promise<Authenticator> {
  const Plugin = await loadPluginClass<PluginClass>(spec, {
    where: `${where} "${spec}"`,
    what: "a class with authenticate()",
    methods: ["authenticate"],
    exportNames: ["PluginClass"],
  });
  try {
    return new Plugin(options, config);
  } catch (err) {
    throw new ConfigError(`${where} "${spec}": ${(err as Error).message}`);
  }
}
