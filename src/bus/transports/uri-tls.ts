/**
 * The TLS options of a bus URI, spelled as redis-py and kombu spell them (`ssl_ca_certs`,
 * `ssl_certfile`, `ssl_keyfile`, `ssl_cert_reqs=none`), for every transport with a TLS scheme.
 * Files are read here so that a bad path fails at start-up, naming the option.
 */
import { readFileSync } from "node:fs";
import type { ConnectionOptions } from "node:tls";

/** Takes the ssl_* parameters off `parsed` (so the client library never sees them). */
export function takeTlsOptions(parsed: URL, tlsScheme: string): ConnectionOptions | undefined {
  const take = (name: string): string | null => {
    const value = parsed.searchParams.get(name);
    parsed.searchParams.delete(name);
    return value;
  };
  const ca = take("ssl_ca_certs");
  const cert = take("ssl_certfile");
  const key = take("ssl_keyfile");
  const reqs = take("ssl_cert_reqs");
  if (parsed.protocol !== `${tlsScheme}:`) {
    if (ca || cert || key || reqs)
      throw new Error(`bus URI: ssl_* options need the ${tlsScheme}:// scheme`);
    return undefined;
  }
  const file = (path: string, what: string): Buffer => {
    try {
      return readFileSync(path);
    } catch (err) {
      throw new Error(`bus URI: ${what}=${path}: cannot be read: ${(err as Error).message}`);
    }
  };
  const tls: ConnectionOptions = {};
  if (ca) tls.ca = file(ca, "ssl_ca_certs");
  if (cert) tls.cert = file(cert, "ssl_certfile");
  if (key) tls.key = file(key, "ssl_keyfile");
  if (reqs !== null && ["none", "cert_none"].includes(reqs.toLowerCase()))
    tls.rejectUnauthorized = false;
  return tls;
}
