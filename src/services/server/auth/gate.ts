/**
 * The door of the REST server: paths that authenticate themselves (`self_auths`) pass; an address
 * or user that failed too often is turned away (429 with Retry-After) before anything is checked;
 * otherwise the authenticators are tried in order and the first that names a user wins. A request
 * that carried credentials nobody accepted counts as a failure; one that carried none does not
 * (a client's first request, before it is challenged).
 */

import { type Authenticator, type AuthRequest, headerOf, parseBasic } from "./request.js";
import { LoginThrottle, type ThrottleOptions } from "./throttle.js";

export type Verdict =
  | { user: string }
  | { user: null; status: 401 | 429; message: string; headers: Record<string, string> };

export interface GateOptions {
  authenticators: Authenticator[];
  /** Paths (exact, as the original's `self-auths`) that are served without authentication. */
  selfAuths?: readonly string[];
  throttle?: ThrottleOptions;
}

const DEFAULT_CHALLENGE = 'Basic realm="commissaire"';

export class AuthGate {
  readonly authenticators: readonly Authenticator[];
  private readonly selfAuths: ReadonlySet<string>;
  readonly throttle: LoginThrottle;
  private readonly challenge: string;

  constructor(options: GateOptions) {
    this.authenticators = options.authenticators;
    this.selfAuths = new Set(options.selfAuths ?? []);
    this.throttle = new LoginThrottle(options.throttle);
    // One challenge: the first scheme configured (Basic before Bearer in our order).
    this.challenge =
      options.authenticators.find((a) => a.challenge !== undefined)?.challenge ?? DEFAULT_CHALLENGE;
  }

  /** A gate around one authenticator (a server built in code, such as the all-in-one mode). */
  static of(authenticator: Authenticator | AuthGate): AuthGate {
    return authenticator instanceof AuthGate
      ? authenticator
      : new AuthGate({ authenticators: [authenticator] });
  }

  async check(request: AuthRequest): Promise<Verdict> {
    if (this.selfAuths.has(request.path)) return { user: "self-auth" };
    const authorization = headerOf(request.headers, "authorization");
    const claimed = parseBasic(authorization)?.user ?? null;
    const wait = this.throttle.retryAfter(request.remoteAddress, claimed);
    if (wait > 0) {
      return {
        user: null,
        status: 429,
        message: `too many failed logins; retry in ${wait} s`,
        headers: { "retry-after": String(wait) },
      };
    }
    for (const authenticator of this.authenticators) {
      const user = await authenticator.authenticate(authorization, request);
      if (user) return { user };
    }
    const presented =
      authorization !== undefined ||
      headerOf(request.headers, "x-auth-token") !== undefined ||
      request.peerCertificate !== null;
    if (presented) this.throttle.failed(request.remoteAddress, claimed);
    return {
      user: null,
      status: 401,
      message: "authentication required",
      headers: { "www-authenticate": this.challenge },
    };
  }
}

/** Lets everyone in: only when the configuration says `"authentication": "none"`. */
export class Anonymous implements Authenticator {
  async authenticate(): Promise<string> {
    return "anonymous";
  }
}

/** The first authenticator that knows the caller wins (for plug-ins that combine others). */
export class AnyOf implements Authenticator {
  constructor(private readonly authenticators: Authenticator[]) {}

  async authenticate(authorization: string | undefined, request?: AuthRequest) {
    for (const a of this.authenticators) {
      const user = await a.authenticate(authorization, request);
      if (user) return user;
    }
    return null;
  }
}
