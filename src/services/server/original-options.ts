/**
 * The original commissaire-server's command-line flags that ours lacked (`--no-config-file` is
 * common to every binary, in the scaffold): `-i` / `-p` (short for --listen-interface / --listen-port), `--debug`, `--tls-pemfile`,
 * `--tls-clientverifyfile`, `--authentication-plugin MODULE:key=value,...` and `--self-auth PATH`
 * (both repeatable). `addOriginalServerOptions` declares them; `applyOriginalOptions` maps the
 * parsed values onto configuration members (flags win over the file, as everywhere).
 */
import { type Command, Option } from "commander";
import { ConfigError } from "../../config/errors.js";
import { type ConfigObject, isPlainObject } from "../../config/normalise.js";

const collect = (value: string, previous: string[] = []) => [...previous, value];

export function addOriginalServerOptions(command: Command): Command {
  return command
    .addOption(new Option("-i <address>", "same as --listen-interface").hideHelp())
    .addOption(new Option("-p <port>", "same as --listen-port").hideHelp())
    .option("--debug", "debug-level logs")
    .option("--tls-pemfile <path>", "PEM file with the server's certificate and key (HTTPS)")
    .option(
      "--tls-clientverifyfile <path>",
      "CA file of client certificates (asks clients for one)",
    )
    .option(
      "--authentication-plugin <module:key=value,...>",
      "authentication plug-in and its options (repeatable)",
      collect,
    )
    .option("--self-auth <path>", "a path served without authentication (repeatable)", collect);
}

/** `module:key=value,key=value` as an `authentication_plugins` entry. */
export function parsePluginFlag(flag: string): ConfigObject {
  const colon = flag.indexOf(":");
  const name = colon < 0 ? flag : flag.slice(0, colon);
  if (name === "") throw new ConfigError(`--authentication-plugin ${flag}: no module name`);
  const entry: ConfigObject = { name };
  if (colon < 0) return entry;
  for (const pair of flag.slice(colon + 1).split(",")) {
    if (pair === "") continue;
    const eq = pair.indexOf("=");
    if (eq <= 0)
      throw new ConfigError(`--authentication-plugin ${flag}: "${pair}" is not key=value`);
    entry[pair.slice(0, eq).replaceAll("-", "_")] = pair.slice(eq + 1);
  }
  return entry;
}

function asList(value: unknown): unknown[] | unknown {
  if (isPlainObject(value))
    return Object.entries(value).map(([name, options]) => ({
      name,
      ...(isPlainObject(options) ? options : {}),
    }));
  return value;
}

/** The configuration with the original flags applied (a new object; `config` is left as it was). */
export function applyOriginalOptions(
  opts: Record<string, unknown>,
  config: ConfigObject,
): ConfigObject {
  const out: ConfigObject = { ...config };
  if (typeof opts.i === "string") out.listen_interface = opts.i;
  if (typeof opts.p === "string") {
    const port = Number(opts.p);
    if (!Number.isInteger(port)) throw new ConfigError(`-p ${opts.p}: not a port number`);
    out.listen_port = port;
  }
  if (opts.debug === true) out.debug = true;
  if (typeof opts.tlsPemfile === "string") out.tls_pemfile = opts.tlsPemfile;
  if (typeof opts.tlsClientverifyfile === "string")
    out.tls_clientverifyfile = opts.tlsClientverifyfile;
  const plugins = opts.authenticationPlugin;
  if (Array.isArray(plugins) && plugins.length > 0) {
    const existing =
      out.authentication_plugins === undefined ? [] : asList(out.authentication_plugins);
    if (!Array.isArray(existing))
      throw new ConfigError(
        '"authentication_plugins" must be a list of {"name": ...} objects or an object',
      );
    out.authentication_plugins = [...existing, ...plugins.map((p) => parsePluginFlag(String(p)))];
  }
  const selfAuths = opts.selfAuth;
  if (Array.isArray(selfAuths) && selfAuths.length > 0) {
    const existing = Array.isArray(out.self_auths) ? out.self_auths : [];
    out.self_auths = [...existing, ...selfAuths];
  }
  return out;
}
