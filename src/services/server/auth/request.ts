/**
 * What an authenticator sees of a request: method, path, headers, the peer's address and its TLS
 * client certificate. Plug-ins of the first form take only the Authorization header; the request
 * comes as a second argument, so both forms share one interface.
 */
import type { IncomingHttpHeaders, IncomingMessage } from "node:http";
import type { PeerCertificate, TLSSocket } from "node:tls";

export interface AuthRequest {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  remoteAddress: string;
  /** The client certificate, when the connection is TLS and the client sent one. */
  peerCertificate: PeerCertificate | null;
  /** True when that certificate chains to the configured client CA (`tls_clientverifyfile`). */
  certificateAuthorized: boolean;
}

export interface Authenticator {
  /** The user name the request proves, or null. */
  authenticate(authorization: string | undefined, request?: AuthRequest): Promise<string | null>;
  /** The WWW-Authenticate challenge for a scheme this authenticator reads, if any. */
  readonly challenge?: string;
}

export function requestOf(req: IncomingMessage, path: string): AuthRequest {
  const socket = req.socket as Partial<TLSSocket>;
  let peerCertificate: PeerCertificate | null = null;
  if (typeof socket.getPeerCertificate === "function") {
    const cert = socket.getPeerCertificate();
    // An empty object means the client sent none.
    if (cert && Object.keys(cert).length > 0) peerCertificate = cert;
  }
  return {
    method: req.method ?? "GET",
    path,
    headers: req.headers,
    remoteAddress: req.socket.remoteAddress ?? "",
    peerCertificate,
    certificateAuthorized: socket.authorized === true,
  };
}

/** Scheme (lower case: schemes are case-insensitive, RFC 7235) and credentials of a header. */
export function parseAuthorization(
  header: string | undefined,
): { scheme: string; credentials: string } | null {
  if (!header) return null;
  const match = /^\s*([A-Za-z0-9!#$%&'*+.^_`|~-]+)\s+(\S.*?)\s*$/.exec(header);
  if (!match) return null;
  return { scheme: match[1]!.toLowerCase(), credentials: match[2]! };
}

/** User and password of a Basic header, or null. */
export function parseBasic(header: string | undefined): { user: string; password: string } | null {
  const parsed = parseAuthorization(header);
  if (parsed?.scheme !== "basic") return null;
  if (!/^[A-Za-z0-9+/]+=*$/.test(parsed.credentials)) return null;
  const decoded = Buffer.from(parsed.credentials, "base64").toString("utf8");
  const colon = decoded.indexOf(":");
  if (colon < 0) return null;
  return { user: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

/** The token of a Bearer header, or null. */
export function parseBearer(header: string | undefined): string | null {
  const parsed = parseAuthorization(header);
  return parsed && parsed.scheme === "bearer" ? parsed.credentials : null;
}

/** One header's value (the first, when repeated). */
export function headerOf(headers: IncomingHttpHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}
