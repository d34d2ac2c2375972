/**
 * The authentication members of the server's configuration, as authenticators in the order they
 * are tried: `users_file`, `tokens`, `client_certificates`, `token_review`,
 * `authentication_plugin`, then the original's `authentication_plugins` in their own order.
 */
import { readFileSync } from "node:fs";
import { ConfigError } from "../../../config/errors.js";
import { type ConfigObject, isPlainObject } from "../../../config/normalise.js";
import { UsersFileAuthenticator } from "./basic.js";
import { ClientCertificateAuthenticator } from "./client-cert.js";
import { authenticatorFor, pluginEntries } from "./original-plugins.js";
import { loadPlugin } from "./plugins.js";
import type { Authenticator } from "./request.js";
import { TokenReviewAuthenticator } from "./token-review.js";
import { TokenAuthenticator } from "./tokens.js";

function readText(path: unknown, member: string): string {
  if (typeof path !== "string" || path === "")
    throw new ConfigError(`"${member}" must be a file path`);
  try {
    return readFileSync(path, "utf8");
  } catch (err) {
    throw new ConfigError(`${member} ${path}: cannot be read: ${(err as Error).message}`);
  }
}

function tokensFrom(value: unknown): TokenAuthenticator {
  const entries: unknown[] = Array.isArray(value) ? value : [];
  const valid =
    Array.isArray(value) &&
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
  return new TokenAuthenticator(byToken);
}

function clientCertificatesFrom(value: unknown, clientCa: boolean): ClientCertificateAuthenticator {
  if (!clientCa)
    throw new ConfigError(
      '"client_certificates" needs TLS and "tls_clientverifyfile" (the CA of client certificates)',
    );
  if (value === true) return new ClientCertificateAuthenticator(null);
  const cns = isPlainObject(value) ? value.allowed_cns : undefined;
  const valid =
    isPlainObject(value) &&
    (cns === undefined || (Array.isArray(cns) && cns.every((c) => typeof c === "string")));
  if (!valid)
    throw new ConfigError('"client_certificates" must be true or {"allowed_cns": [names]}');
  return new ClientCertificateAuthenticator((cns as string[] | undefined) ?? null);
}

function tokenReviewFrom(value: unknown): TokenReviewAuthenticator {
  const where = '"token_review"';
  if (!isPlainObject(value) || typeof value.url !== "string" || !/^https?:\/\//.test(value.url))
    throw new ConfigError(
      `${where} must be {"url": "https://.../tokenreviews", "ca_file"?, "token_file"?}`,
    );
  const seconds = value.cache_seconds;
  if (seconds !== undefined && (typeof seconds !== "number" || seconds < 0))
    throw new ConfigError(`${where}: "cache_seconds" must be a number of seconds`);
  const ca =
    value.ca_file === undefined
      ? undefined
      : Buffer.from(readText(value.ca_file, "token_review.ca_file"));
  const token =
    value.token_file === undefined
      ? undefined
      : readText(value.token_file, "token_review.token_file").trim();
  return new TokenReviewAuthenticator({
    url: value.url,
    ...(ca ? { ca } : {}),
    ...(token ? { reviewerToken: token } : {}),
    ...(seconds !== undefined ? { cacheSeconds: seconds } : {}),
  });
}

/** `clientCa`: whether the server asks clients for certificates. */
export async function authenticatorsFrom(
  config: ConfigObject,
  clientCa: boolean,
): Promise<Authenticator[]> {
  const list: Authenticator[] = [];
  if (config.users_file !== undefined) {
    if (typeof config.users_file !== "string" || config.users_file === "")
      throw new ConfigError('"users_file" must be a file path');
    list.push(new UsersFileAuthenticator(config.users_file));
  }
  if (config.tokens !== undefined) list.push(tokensFrom(config.tokens));
  if (config.client_certificates !== undefined && config.client_certificates !== false)
    list.push(clientCertificatesFrom(config.client_certificates, clientCa));
  if (config.token_review !== undefined) list.push(tokenReviewFrom(config.token_review));
  if (config.authentication_plugin !== undefined) {
    const spec = config.authentication_plugin;
    if (typeof spec !== "string" || spec === "")
      throw new ConfigError('"authentication_plugin" must be a module path or package name');
    // The first form's plug-ins were built with the configuration as their only argument.
    list.push(await loadPlugin(spec, config, config, "authentication_plugin"));
  }
  if (config.authentication_plugins !== undefined)
    for (const entry of pluginEntries(config.authentication_plugins))
      list.push(await authenticatorFor(entry, { config, clientCa }));
  return list;
}
