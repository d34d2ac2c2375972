/**
 * The gate in front of the REST API: first authenticator that accepts wins, self-auths paths,
 * plug-ins of both forms, throttling of failed logins per address and per user (429 with
 * Retry-After) that leaves other users and addresses alone.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { AuthGate } from "../../src/services/server/auth/gate.js";
import type { Authenticator, AuthRequest } from "../../src/services/server/auth/request.js";
import { LoginThrottle } from "../../src/services/server/auth/throttle.js";
import { TokenAuthenticator } from "../../src/services/server/auth/tokens.js";
import { basic } from "../helpers/http.js";

function request(authorization?: string, extra: Partial<AuthRequest> = {}): AuthRequest {
  return {
    method: "GET",
    path: "/api/v0/clusters",
    headers: authorization ? { authorization } : {},
    remoteAddress: "127.0.0.1",
    peerCertificate: null,
    certificateAuthorized: false,
    ...extra,
  };
}

/** Accepts "Basic" user `name` with password "right" (no hashing: the gate is what is tested). */
class Fixed implements Authenticator {
  readonly challenge = 'Basic realm="commissaire"';
  calls = 0;
  constructor(private readonly name: string) {}
  async authenticate(authorization: string | undefined) {
    this.calls++;
    return authorization === basic(this.name, "right") ? this.name : null;
  }
}

describe("auth gate", () => {
  test("the first authenticator that accepts wins; later ones are not asked", async () => {
    const first = new Fixed("alice");
    const second = new Fixed("bob");
    const gate = new AuthGate({ authenticators: [first, second] });
    assert.deepEqual(await gate.check(request(basic("alice", "right"))), { user: "alice" });
    assert.equal(second.calls, 0);
    assert.deepEqual(await gate.check(request(basic("bob", "right"))), { user: "bob" });
    assert.equal(second.calls, 1);
  });

  test("failure is 401 with a WWW-Authenticate challenge of a configured scheme", async () => {
    const tokensOnly = new AuthGate({
      authenticators: [new TokenAuthenticator({ "t-12345678": "robot" })],
    });
    const verdict = await tokensOnly.check(request("bearer t-wrong"));
    assert.equal(verdict.user, null);
    assert.equal(verdict.user === null && verdict.status, 401);
    assert.deepEqual(verdict.user === null && verdict.headers, {
      "www-authenticate": 'Bearer realm="commissaire"',
    });
    assert.deepEqual(await tokensOnly.check(request("BEARER t-12345678")), { user: "robot" });
  });

  test("self-auths paths pass without credentials, others do not", async () => {
    const gate = new AuthGate({
      authenticators: [new Fixed("alice")],
      selfAuths: ["/api/v0/secrets"],
    });
    assert.equal(
      (await gate.check(request(undefined, { path: "/api/v0/secrets" }))).user,
      "self-auth",
    );
    assert.equal((await gate.check(request(undefined, { path: "/api/v0/secrets/x" }))).user, null);
  });

  test("plug-ins of the first form get the header; of the new form, the whole request too", async () => {
    const seen: Array<AuthRequest | undefined> = [];
    const legacy = {
      authenticate: async (h: string | undefined) => (h === "Token abc" ? "old" : null),
    };
    const modern: Authenticator = {
      authenticate: async (_h, req) => {
        seen.push(req);
        return req?.headers["x-auth-token"] === "k" && req.method === "PUT" ? "new" : null;
      },
    };
    const gate = new AuthGate({ authenticators: [legacy, modern] });
    assert.deepEqual(await gate.check(request("Token abc")), { user: "old" });
    const put = request(undefined, { method: "PUT", headers: { "x-auth-token": "k" } });
    assert.deepEqual(await gate.check(put), { user: "new" });
    assert.equal(seen.at(-1)?.path, "/api/v0/clusters");
  });

  test("a flood against one user from one address is throttled; others go on", async () => {
    const alice = new Fixed("alice");
    const gate = new AuthGate({
      authenticators: [alice, new Fixed("bob")],
      throttle: { burst: 5, refillSeconds: 60 },
    });
    const flood = { remoteAddress: "127.0.0.2" };
    for (let i = 0; i < 5; i++)
      assert.equal((await gate.check(request(basic("alice", `guess${i}`), flood))).user, null);
    const callsBefore = alice.calls;
    const blocked = await gate.check(request(basic("alice", "right"), flood));
    assert.equal(blocked.user === null && blocked.status, 429);
    assert.ok(blocked.user === null && Number(blocked.headers["retry-after"]) >= 1);
    assert.equal(alice.calls, callsBefore, "a throttled attempt checks nothing");
    // The same address for another user: the address is throttled.
    assert.equal((await gate.check(request(basic("bob", "right"), flood))).user, null);
    // Another address, another user: untouched.
    assert.deepEqual(await gate.check(request(basic("bob", "right"))), { user: "bob" });
    // Another address, the attacked user: throttled per user.
    const perUser = await gate.check(
      request(basic("alice", "right"), { remoteAddress: "127.0.0.3" }),
    );
    assert.equal(perUser.user === null && perUser.status, 429);
  });

  test("requests without credentials are not failures", async () => {
    const gate = new AuthGate({ authenticators: [new Fixed("alice")], throttle: { burst: 2 } });
    for (let i = 0; i < 5; i++) assert.equal((await gate.check(request())).user, null);
    assert.deepEqual(await gate.check(request(basic("alice", "right"))), { user: "alice" });
  });
});

describe("login throttle", () => {
  test("buckets refill with time; Retry-After says when", () => {
    let now = 0;
    const t = new LoginThrottle({ burst: 2, refillSeconds: 10, now: () => now });
    t.failed("a", "u");
    t.failed("a", "u");
    assert.equal(t.retryAfter("a", null), 10);
    assert.equal(t.retryAfter("b", "u"), 10);
    assert.equal(t.retryAfter("b", "v"), 0);
    now = 4000;
    assert.equal(t.retryAfter("a", null), 6);
    now = 10_000;
    assert.equal(t.retryAfter("a", "u"), 0);
  });

  test("it remembers a bounded number of addresses and users", () => {
    const t = new LoginThrottle({ burst: 1, maxEntries: 10 });
    for (let i = 0; i < 100; i++) t.failed(`10.0.0.${i}`, null);
    assert.equal(t.retryAfter("10.0.0.99", null) > 0, true);
    assert.equal(t.retryAfter("10.0.0.0", null), 0);
  });
});
