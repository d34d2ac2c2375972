/**
 * The original server's `authentication-plugins` member (a list of {"name": ..., options...} or an
 * object of name: options) mapped onto our built-ins. The original's plug-in modules
 * (`httpbasicauth`, `httpauthclientcert`, `keystonepasswordauth`, `keystonetokenauth`,
 * `openshiftbearertokenauth`, bare or under `commissaire_http.authentication.` /
 * `commissaire.authentication.`) each become the matching authenticator; a path or package name
 * is one of our plug-ins; a Python module we have no counterpart for is a start-up error.
 */
import { readFileSync } from "node:fs";
import { ConfigError } from "../../../config/errors.js";
import { type ConfigObject, isPlainObject } from "../../../config/normalise.js";
import { BasicAuthenticator } from "./basic.js";
import { ClientCertificateAuthenticator } from "./client-cert.js";
import KeystoneAuthenticator from "./examples/keystone.js";
import { loadPlugin } from "./plugins.js";
import type { Authenticator } from "./request.js";
import { TokenReviewAuthenticator } from "./token-review.js";
import { FixedUsers, parseUsers, UsersFile } from "./users-file.js";

export interface PluginEntry {
  name: string;
  options: ConfigObject;
  /** How errors name it: `authentication_plugins[0] "httpbasicauth"`. */
  where: string;
}

export function pluginEntries(value: unknown): PluginEntry[] {
  const member = "authentication_plugins";
  if (Array.isArray(value)) {
    return value.map((entry, i) => {
      if (!isPlainObject(entry) || typeof entry.name !== "string" || entry.name === "")
        throw new ConfigError(`${member}[${i}]: must be an object with a "name" member`);
      const { name, ...options } = entry;
      return { name: entry.name, options, where: `${member}[${i}] "${name}"` };
    });
  }
  if (isPlainObject(value)) {
    return Object.entries(value).map(([name, options]) => {
      if (options !== null && !isPlainObject(options))
        throw new ConfigError(`${member} "${name}": its options must be an object`);
      return { name, options: options ?? {}, where: `${member} "${name}"` };
    });
  }
  throw new ConfigError(`"${member}" must be a list of {"name": ...} objects or an object`);
}

const ORIGINAL =
  /^(?:commissaire_http\.authentication\.|commissaire\.authentication\.)?(httpbasicauth|httpauthclientcert|keystonepasswordauth|keystonetokenauth|openshiftbearertokenauth)$/;
const PYTHON_MODULE = /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)+$/;

function only(entry: PluginEntry, allowed: string[]): void {
  for (const key of Object.keys(entry.options))
    if (!allowed.includes(key))
      throw new ConfigError(
        `${entry.where}: unknown option "${key}" (known: ${allowed.join(", ")})`,
      );
}

function text(entry: PluginEntry, key: string, required: boolean): string | undefined {
  const value = entry.options[key];
  if (value === undefined && !required) return undefined;
  if (typeof value !== "string" || value === "")
    throw new ConfigError(`${entry.where}: "${key}" must be a non-empty string`);
  return value;
}

function file(entry: PluginEntry, key: string): Buffer | undefined {
  const path = text(entry, key, false);
  if (path === undefined) return undefined;
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`${entry.where}: ${key} ${path}: ${(err as Error).message}`);
  }
}

export interface MappingContext {
  config: ConfigObject;
  /** Whether client certificates are asked for (`tls_clientverifyfile`). */
  clientCa: boolean;
}

export async function authenticatorFor(
  entry: PluginEntry,
  context: MappingContext,
): Promise<Authenticator> {
  const known = ORIGINAL.exec(entry.name)?.[1];
  switch (known) {
    case "httpbasicauth": {
      only(entry, ["filepath", "users"]);
      const inline =
        entry.options.users === undefined
          ? new Map()
          : parseUsers(entry.options.users, `${entry.where} "users"`);
      const path = text(entry, "filepath", false);
      if (path === undefined && inline.size === 0)
        throw new ConfigError(`${entry.where}: give "filepath" (a users file) or "users"`);
      return new BasicAuthenticator(
        path === undefined ? new FixedUsers(inline) : new UsersFile(path, inline),
      );
    }
    case "httpauthclientcert": {
      only(entry, ["cn"]);
      if (!context.clientCa)
        throw new ConfigError(
          `${entry.where}: needs "tls_clientverifyfile" (and TLS) so that clients can present certificates`,
        );
      const cn = text(entry, "cn", false);
      return new ClientCertificateAuthenticator(cn === undefined ? null : [cn]);
    }
    case "keystonepasswordauth":
    case "keystonetokenauth": {
      only(entry, ["url", "domain", "ca_file"]);
      text(entry, "url", true);
      const methods = known === "keystonetokenauth" ? "token" : "password";
      try {
        return new KeystoneAuthenticator({ ...entry.options, methods });
      } catch (err) {
        throw new ConfigError(`${entry.where}: ${(err as Error).message}`);
      }
    }
    case "openshiftbearertokenauth": {
      only(entry, ["openshift_endpoint", "ca_file", "token"]);
      const url = text(entry, "openshift_endpoint", true) as string;
      if (!/^https?:\/\//.test(url))
        throw new ConfigError(`${entry.where}: "openshift_endpoint" must be an http(s) URL`);
      const ca = file(entry, "ca_file");
      const token = text(entry, "token", false);
      return new TokenReviewAuthenticator({
        url,
        ...(ca ? { ca } : {}),
        ...(token ? { reviewerToken: token } : {}),
      });
    }
    default:
      if (PYTHON_MODULE.test(entry.name) && !/\.m?js$/.test(entry.name))
        throw new ConfigError(
          `${entry.where}: a Python plug-in module cannot be loaded here; use one of the built-ins or a JavaScript module (see docs/authentication.md)`,
        );
      return loadPlugin(entry.name, entry.options, context.config, entry.where);
  }
}
