/**
 * An authentication plug-in, as an example of the plug-in interface: OpenStack Keystone (v3).
 * An `X-Auth-Token` header is checked with the token method, a Basic header with the password
 * method (user, password, `domain`); Keystone accepts by answering with an X-Subject-Token. The
 * original's `keystonetokenauth` and `keystonepasswordauth` are mapped onto it.
 *
 * Configuration: {"authentication_plugins": [{"name": "/path/to/keystone.js",
 *   "url": "https://keystone:5000/v3/auth/tokens", "domain": "Default", "ca_file": "..."}]}
 */
import { readFileSync } from "node:fs";
import { requestJson } from "../http-json.js";
import { type Authenticator, type AuthRequest, headerOf, parseBasic } from "../request.js";

export interface KeystoneOptions {
  url?: unknown;
  domain?: unknown;
  ca_file?: unknown;
  /** "password", "token" or absent (both). */
  methods?: unknown;
}

function nameOf(body: unknown): string | null {
  const user = (body as { token?: { user?: { name?: unknown } } } | undefined)?.token?.user;
  return typeof user?.name === "string" ? user.name : null;
}

export default class KeystoneAuthenticator implements Authenticator {
  readonly challenge = 'Basic realm="commissaire"';
  private readonly url: string;
  private readonly domain: string;
  private readonly ca: Buffer | undefined;
  private readonly methods: string[];

  constructor(options: KeystoneOptions) {
    if (typeof options.url !== "string" || !/^https?:\/\//.test(options.url))
      throw new Error('"url" must be the Keystone v3 auth/tokens URL');
    this.url = options.url;
    this.domain = typeof options.domain === "string" ? options.domain : "Default";
    this.ca = typeof options.ca_file === "string" ? readFileSync(options.ca_file) : undefined;
    this.methods = typeof options.methods === "string" ? [options.methods] : ["token", "password"];
  }

  async authenticate(authorization: string | undefined, request?: AuthRequest) {
    const token = request ? headerOf(request.headers, "x-auth-token") : undefined;
    if (token && this.methods.includes("token"))
      return this.ask({ methods: ["token"], token: { id: token } }, "token");
    const basic = parseBasic(authorization);
    if (basic && this.methods.includes("password")) {
      const user = { name: basic.user, password: basic.password, domain: { name: this.domain } };
      return this.ask({ methods: ["password"], password: { user } }, basic.user);
    }
    return null;
  }

  private async ask(identity: unknown, fallbackName: string): Promise<string | null> {
    try {
      const reply = await requestJson(this.url, {
        body: { auth: { identity } },
        ...(this.ca ? { ca: this.ca } : {}),
      });
      if (reply.status < 200 || reply.status > 299 || !reply.headers["x-subject-token"])
        return null;
      return nameOf(reply.body) ?? (fallbackName === "token" ? "keystone-user" : fallbackName);
    } catch {
      return null;
    }
  }
}
