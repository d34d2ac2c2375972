/**
 * HTTP Basic against users (a file, inline users, or both). An unknown user's password is checked
 * against a dummy hash of the same kind and cost, so both answers take the same time; a credential
 * verified a moment ago is answered from the cache, and one being verified is not hashed twice
 * (a client's parallel first requests share one computation).
 */
import { CredentialCache } from "./credential-cache.js";
import { PasswordVerifier } from "./passwords.js";
import { type Authenticator, parseBasic } from "./request.js";
import { UsersFile, type UsersSource } from "./users-file.js";

export class BasicAuthenticator implements Authenticator {
  readonly challenge = 'Basic realm="commissaire"';
  private lastVersion = -1;
  private readonly inFlight = new Map<string, Promise<boolean>>();

  constructor(
    private readonly source: UsersSource,
    readonly verifier = new PasswordVerifier(),
    readonly cache = new CredentialCache(),
  ) {}

  async authenticate(authorization: string | undefined): Promise<string | null> {
    const credentials = parseBasic(authorization);
    if (!credentials) return null;
    const { user, password } = credentials;
    const table = this.source.current();
    if (table.version !== this.lastVersion) {
      // The users changed: nothing verified against the old ones stands.
      this.cache.clear();
      this.lastVersion = table.version;
    }
    const key = this.cache.keyOf("basic", user, password);
    if (this.cache.get(key) === user) return user;
    const stored = table.users.get(user);
    const flightKey = `${table.version} ${key}`;
    let pending = this.inFlight.get(flightKey);
    if (!pending) {
      pending = this.verifier
        .verify(password, stored ?? table.dummy)
        .finally(() => this.inFlight.delete(flightKey));
      this.inFlight.set(flightKey, pending);
    }
    const ok = await pending;
    if (!ok || !stored || this.source.current().version !== table.version) return null;
    this.cache.set(key, user);
    return user;
  }
}

/** Basic against a users file read at construction (a bad file throws ConfigError). */
export class UsersFileAuthenticator extends BasicAuthenticator {
  constructor(readonly path: string) {
    super(new UsersFile(path));
  }
}
