/**
 * Who may use the REST API: the pieces under auth/, gathered for the server and for people who
 * write plug-ins. Users file (JSON): {"alice": "scrypt$N$r$p$salt$hash"} (`hashPassword` makes the
 * value) or the original's {"alice": {"hash": "$2a$12$..."}}.
 */
import type { IncomingMessage } from "node:http";
import { AuthGate, type Verdict } from "./auth/gate.js";
import { type Authenticator, requestOf } from "./auth/request.js";

export { BasicAuthenticator, UsersFileAuthenticator } from "./auth/basic.js";
export { ClientCertificateAuthenticator } from "./auth/client-cert.js";
export { CredentialCache } from "./auth/credential-cache.js";
export { Anonymous, AnyOf, AuthGate, type Verdict } from "./auth/gate.js";
export {
  hashPassword,
  hashPasswordBcrypt,
  PasswordVerifier,
  verifyPassword,
} from "./auth/passwords.js";
export type { Authenticator, AuthRequest } from "./auth/request.js";
export { TokenReviewAuthenticator } from "./auth/token-review.js";
export { TokenAuthenticator } from "./auth/tokens.js";

/** The gate the server checks every request at (one per server, so throttling spans requests). */
export function gateOf(authenticator: Authenticator | AuthGate): AuthGate {
  return AuthGate.of(authenticator);
}

export function authorize(gate: AuthGate, req: IncomingMessage, path: string): Promise<Verdict> {
  return gate.check(requestOf(req, path));
}

/**
 * HTTPS options: with a client CA, the server asks every client for a certificate but lets one
 * without in (it may still log in otherwise); whether a certificate chains to the CA is then
 * what the client-certificate authenticator looks at.
 */
export function httpsOptions(tls: { cert: Buffer; key: Buffer; ca?: Buffer }) {
  return {
    cert: tls.cert,
    key: tls.key,
    ...(tls.ca ? { ca: tls.ca, requestCert: true, rejectUnauthorized: false } : {}),
  };
}
