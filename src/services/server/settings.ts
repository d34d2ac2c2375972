/**
 * The REST server's configuration (`/etc/commissaire/commissaire.conf`): listen_interface
 * (127.0.0.1), listen_port (8000), TLS (tls_certfile + tls_keyfile, or the original's tls_pemfile
 * holding both; tls_clientverifyfile: the CA of client certificates, which the server then asks
 * for), authentication (see auth/from-config.ts and docs/authentication.md), self_auths,
 * login_throttle, and the bus members. `"authentication": "none"` allows anonymous access, only on
 * purpose.
 */
import { readFileSync } from "node:fs";
import { isIP } from "node:net";
import { ConfigError } from "../../config/errors.js";
import { type ConfigObject, isPlainObject } from "../../config/normalise.js";
import { ClientCertificateAuthenticator } from "./auth/client-cert.js";
import { authenticatorsFrom } from "./auth/from-config.js";
import { Anonymous, AuthGate } from "./auth/gate.js";
import type { ThrottleOptions } from "./auth/throttle.js";

export interface ServerSettings {
  host: string;
  port: number;
  authenticator: AuthGate;
  /** PEM certificate and key; `ca`: the CA of client certificates (asked for when given). */
  tls?: { cert: Buffer; key: Buffer; ca?: Buffer };
  /** Things the operator should hear about at start-up (logged as warnings). */
  warnings: string[];
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

function tlsFrom(config: ConfigObject): ServerSettings["tls"] {
  let tls: ServerSettings["tls"];
  if (config.tls_pemfile !== undefined) {
    if (config.tls_certfile !== undefined || config.tls_keyfile !== undefined)
      throw new ConfigError('give "tls_pemfile" or "tls_certfile" + "tls_keyfile", not both');
    const pem = readPem(config.tls_pemfile, "tls_pemfile");
    tls = { cert: pem, key: pem };
  } else if (config.tls_certfile !== undefined || config.tls_keyfile !== undefined) {
    tls = {
      cert: readPem(config.tls_certfile, "tls_certfile"),
      key: readPem(config.tls_keyfile, "tls_keyfile"),
    };
  }
  if (config.tls_clientverifyfile !== undefined) {
    if (!tls)
      throw new ConfigError(
        '"tls_clientverifyfile" needs TLS ("tls_pemfile" or "tls_certfile" + "tls_keyfile")',
      );
    tls.ca = readPem(config.tls_clientverifyfile, "tls_clientverifyfile");
  }
  return tls;
}

function throttleFrom(value: unknown): ThrottleOptions {
  if (value === undefined) return {};
  const ok = (n: unknown) => n === undefined || (typeof n === "number" && n > 0);
  if (!isPlainObject(value) || !ok(value.burst) || !ok(value.refill_seconds))
    throw new ConfigError(
      '"login_throttle" must be {"burst": failures, "refill_seconds": seconds}',
    );
  return {
    ...(value.burst !== undefined ? { burst: value.burst as number } : {}),
    ...(value.refill_seconds !== undefined
      ? { refillSeconds: value.refill_seconds as number }
      : {}),
  };
}

function selfAuthsFrom(value: unknown): string[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || !value.every((p) => typeof p === "string" && p.startsWith("/")))
    throw new ConfigError('"self_auths" must be a list of paths ("/api/v0/...")');
  return value as string[];
}

export function isLoopback(host: string): boolean {
  if (host === "localhost" || host === "::1") return true;
  const v4 = host.toLowerCase().startsWith("::ffff:") ? host.slice(7) : host;
  return isIP(v4) === 4 && v4.startsWith("127.");
}

export async function serverSettings(config: ConfigObject): Promise<ServerSettings> {
  const host = config.listen_interface ?? "127.0.0.1";
  if (typeof host !== "string" || host === "")
    throw new ConfigError('"listen_interface" must be an address');
  const port = config.listen_port ?? 8000;
  if (!Number.isInteger(port) || (port as number) < 0 || (port as number) > 65535)
    throw new ConfigError('"listen_port" must be a port number');
  const tls = tlsFrom(config);

  const authenticators =
    config.authentication === "none"
      ? [new Anonymous()]
      : await authenticatorsFrom(config, tls?.ca !== undefined);
  if (authenticators.length === 0) {
    throw new ConfigError(
      'no authentication configured: give "users_file", "tokens", "client_certificates", "token_review" or "authentication_plugins" (or "authentication": "none" to allow anonymous access)',
    );
  }
  const warnings: string[] = [];
  const onlyCertificates = authenticators.every((a) => a instanceof ClientCertificateAuthenticator);
  if (!tls && !isLoopback(host) && config.authentication !== "none" && !onlyCertificates) {
    warnings.push(
      `passwords and tokens would cross the network in clear: ${host} is not a loopback address and TLS is not configured (tls_certfile + tls_keyfile, or tls_pemfile)`,
    );
  }
  const authenticator = new AuthGate({
    authenticators,
    selfAuths: selfAuthsFrom(config.self_auths),
    throttle: throttleFrom(config.login_throttle),
  });
  return { host, port: port as number, authenticator, ...(tls ? { tls } : {}), warnings };
}
