/**
 * The REST server's configuration (`/etc/commissaire/commissaire.conf`): listen_interface
 * (127.0.0.1), listen_port (8000), users_file, tokens ([{"user": "robot", "token": "..."}]: a list,
 * because member names are normalised and tokens must stay as written), authentication ("none"
 * only to allow anonymous access on purpose), tls_certfile + tls_keyfile, and the bus members.
 */
import { readFileSync } from "node:fs";
import { ConfigError } from "../../config/errors.js";
import { type ConfigObject, isPlainObject } from "../../config/normalise.js";
import { loadPluginClass } from "../../config/plugin.js";
import {
  Anonymous,
  AnyOf,
  type Authenticator,
  TokenAuthenticator,
  UsersFileAuthenticator,
} from "./auth.js";

export interface ServerSettings {
  host: string;
  port: number;
  authenticator: Authenticator;
  tls?: { cert: Buffer; key: Buffer };
}

function readPem(path: unknown, member: string): Buffer {
  if (typeof path !== "string" || path === "")
    throw new ConfigError(`"${member}" must be a file path`);
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${member} ${path}: cannot be read: ${(err as Error).message}`);
  }
}

export async function serverSettings(config: ConfigObject): Promise<ServerSettings> {
  const host = config.listen_interface ?? "127.0.0.1";
  if (typeof host !== "string" || host === "")
    throw new ConfigError('"listen_interface" must be an address');
  const port = config.listen_port ?? 8000;
  if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535)
    throw new ConfigError('"listen_port" must be a port number');

  const authenticators: Authenticator[] = [];
  if (config.users_file !== undefined)
    authenticators.push(new UsersFileAuthenticator(String(config.users_file)));
  if (config.tokens !== undefined) {
    const entries: unknown[] = Array.isArray(config.tokens) ? config.tokens : [];
    const valid =
      Array.isArray(config.tokens) &&
      entries.every(
        (e) =>
          isPlainObject(e) &&
          typeof e.user === "string" &&
          typeof e.token === "string" &&
          e.token.length >= 8,
      );
    if (!valid)
      throw new ConfigError(
        '"tokens" must be a list of {"user": name, "token": at least 8 characters}',
      );
    const byToken: Record<string, string> = {};
    for (const e of entries as Array<{ user: string; token: string }>) byToken[e.token] = e.user;
    authenticators.push(new TokenAuthenticator(byToken));
  }
  if (config.authentication_plugin !== undefined)
    authenticators.push(await loadAuthenticator(config.authentication_plugin, config));
  let authenticator: Authenticator;
  if (config.authentication === "none") authenticator = new Anonymous();
  else if (authenticators.length === 0) {
    throw new ConfigError(
      'no authentication configured: give "users_file" and/or "tokens" (or "authentication": "none" to allow anonymous access)',
    );
  } else authenticator = new AnyOf(authenticators);

  const settings: ServerSettings = { host, port: port as number, authenticator };
  if (config.tls_certfile !== undefined || config.tls_keyfile !== undefined) {
    settings.tls = {
      cert: readPem(config.tls_certfile, "tls_certfile"),
      key: readPem(config.tls_keyfile, "tls_keyfile"),
    };
  }
  return settings;
}

/**
 * The plug-in point: `authentication_plugin` names a module (a path, or a package) whose default
 * export is a class built with the server's configuration, with `authenticate(authorization
 * header) => user name | null`. It is tried after the users file and the tokens.
 */
async function loadAuthenticator(spec: unknown, config: ConfigObject): Promise<Authenticator> {
  const Plugin = await loadPluginClass<new (config: ConfigObject) => Authenticator>(spec, {
    where: "authentication_plugin",
    what: "a class with authenticate()",
    methods: ["authenticate"],
  });
  return new Plugin(config);
}
