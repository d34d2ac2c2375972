/**
 * TLS client certificates: a certificate that chains to the client CA (`tls_clientverifyfile`)
 * proves its subject's common name, optionally only the names of an allow-list.
 */
import type { Authenticator, AuthRequest } from "./request.js";

export class ClientCertificateAuthenticator implements Authenticator {
  constructor(private readonly allowedCns: readonly string[] | null = null) {}

  async authenticate(_authorization: string | undefined, request?: AuthRequest) {
    if (!request?.certificateAuthorized || !request.peerCertificate) return null;
    const subjectCn: unknown = request.peerCertificate.subject?.CN;
    const cn = Array.isArray(subjectCn) ? subjectCn[0] : subjectCn;
    if (typeof cn !== "string" || cn === "") return null;
    if (this.allowedCns && !this.allowedCns.includes(cn)) return null;
    return cn;
  }
}
