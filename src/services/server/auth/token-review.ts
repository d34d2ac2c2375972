/**
 * A bearer token checked by an endpoint. With a Kubernetes / OpenShift TokenReview URL
 * (`.../apis/authentication.k8s.io/v1/tokenreviews`) the server POSTs a TokenReview, presenting
 * its own reviewer token if one is configured, and the user is `status.user.username`. With any
 * other URL (the original `openshiftbearertokenauth`'s `openshift_endpoint`, such as
 * `/apis/user.openshift.io/v1/users/~`) the caller's token is presented in a GET and a 200 accepts
 * it (the user is `metadata.name` of the answer when there is one). Answers are cached briefly.
 */
import { CredentialCache } from "./credential-cache.js";
import { requestJson } from "./http-json.js";
import { type Authenticator, parseBearer } from "./request.js";

export interface TokenReviewOptions {
  url: string;
  /** PEM CA of the endpoint. */
  ca?: Buffer;
  /** The server's own token for the TokenReview API (a service account's). */
  reviewerToken?: string;
  timeoutMs?: number;
  cacheSeconds?: number;
}

function member(value: unknown, ...path: string[]): unknown {
  let here = value;
  for (const name of path) {
    if (typeof here !== "object" || here === null) return undefined;
    here = (here as Record<string, unknown>)[name];
  }
  return here;
}

export class TokenReviewAuthenticator implements Authenticator {
  readonly challenge = 'Bearer realm="commissaire"';
  private readonly cache: CredentialCache;
  readonly isTokenReview: boolean;

  constructor(private readonly options: TokenReviewOptions) {
    this.cache = new CredentialCache({ ttlMs: (options.cacheSeconds ?? 10) * 1000 });
    this.isTokenReview = /\/tokenreviews\/?$/.test(new URL(options.url).pathname);
  }

  async authenticate(authorization: string | undefined): Promise<string | null> {
    const token = parseBearer(authorization);
    if (token === null) return null;
    const key = this.cache.keyOf("bearer", token);
    const cached = this.cache.get(key);
    if (cached !== undefined) return cached;
    let user: string | null;
    try {
      user = this.isTokenReview ? await this.review(token) : await this.probe(token);
    } catch {
      return null; // An endpoint that cannot be reached accepts nobody.
    }
    if (user !== null) this.cache.set(key, user);
    return user;
  }

  private async review(token: string): Promise<string | null> {
    const reply = await requestJson(this.options.url, {
      body: {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenReview",
        spec: { token },
      },
      headers: this.options.reviewerToken
        ? { authorization: `Bearer ${this.options.reviewerToken}` }
        : {},
      ...this.common(),
    });
    if (reply.status < 200 || reply.status > 299) return null;
    if (member(reply.body, "status", "authenticated") !== true) return null;
    const name = member(reply.body, "status", "user", "username");
    return typeof name === "string" && name !== "" ? name : null;
  }

  private async probe(token: string): Promise<string | null> {
    const reply = await requestJson(this.options.url, {
      method: "GET",
      headers: { authorization: `Bearer ${token}` },
      ...this.common(),
    });
    if (reply.status !== 200) return null;
    const name = member(reply.body, "metadata", "name");
    return typeof name === "string" && name !== "" ? name : "openshift-user";
  }

  private common() {
    return {
      ...(this.options.ca ? { ca: this.options.ca } : {}),
      timeoutMs: this.options.timeoutMs ?? 5000,
    };
  }
}
