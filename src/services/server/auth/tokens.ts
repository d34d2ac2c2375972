/** Static bearer tokens from the configuration (`tokens`), compared in constant time. */
import { createHash, timingSafeEqual } from "node:crypto";
import { type Authenticator, parseBearer } from "./request.js";

const digest = (text: string) => createHash("sha256").update(text).digest();

export class TokenAuthenticator implements Authenticator {
  readonly challenge = 'Bearer realm="commissaire"';
  private readonly tokens: Array<{ digest: Buffer; user: string }>;

  /** `tokens`: token -> user name. */
  constructor(tokens: Record<string, string>) {
    this.tokens = Object.entries(tokens).map(([token, user]) => ({ digest: digest(token), user }));
  }

  async authenticate(authorization: string | undefined): Promise<string | null> {
    const token = parseBearer(authorization);
    if (token === null) return null;
    // Digests have one length, so the comparison says nothing about the tokens' lengths.
    const given = digest(token);
    let user: string | null = null;
    for (const known of this.tokens) if (timingSafeEqual(known.digest, given)) user ??= known.user;
    return user;
  }
}
