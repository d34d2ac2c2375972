/**
 * HTTP Basic against users files in both forms: scrypt (ours) and bcrypt (the original's), the
 * same hashing work for an unknown user as for a known one, the cache of verified credentials and
 * its invalidation when the users file changes.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import bcrypt from "bcryptjs";
import { BasicAuthenticator } from "../../src/services/server/auth/basic.js";
import { CredentialCache } from "../../src/services/server/auth/credential-cache.js";
import {
  dummyLike,
  hashPassword,
  PasswordVerifier,
  parseStoredHash,
  type StoredHash,
  verifyPassword,
} from "../../src/services/server/auth/passwords.js";
import { FixedUsers, parseUsers, UsersFile } from "../../src/services/server/auth/users-file.js";
import { basic } from "../helpers/http.js";

const dir = mkdtempSync(join(tmpdir(), "commissaire-auth-basic-"));
after(() => rmSync(dir, { recursive: true, force: true }));

describe("password hashes", () => {
  test("scrypt (ours) and bcrypt $2a$ / $2b$ / $2y$ (the original's) verify", async () => {
    assert.equal(await verifyPassword("pw", await hashPassword("pw")), true);
    assert.equal(await verifyPassword("nope", await hashPassword("pw")), false);
    const b = bcrypt.hashSync("pw", 4);
    for (const prefix of ["$2a$", "$2b$", "$2y$"]) {
      const text = prefix + b.slice(4);
      assert.equal(await verifyPassword("pw", text), true, prefix);
      assert.equal(await verifyPassword("nope", text), false, prefix);
    }
  });

  test("malformed hashes are refused with a reason", () => {
    assert.match(parseStoredHash("plain") as string, /not a scrypt or bcrypt/);
    assert.match(
      parseStoredHash("scrypt$3$8$1$AAAAAAAAAAA=$AAAAAAAAAAAAAAAAAAAAAA==") as string,
      /range/,
    );
    assert.match(parseStoredHash("$2a$03$" + "a".repeat(53)) as string, /cost/);
  });

  test("the dummy hash has the kind and cost of its model", () => {
    const b = parseStoredHash(bcrypt.hashSync("pw", 5)) as StoredHash;
    const d = dummyLike(b);
    assert.equal(d.kind, "bcrypt");
    assert.equal(d.kind === "bcrypt" && d.cost, 5);
    assert.equal(typeof parseStoredHash(d.kind === "bcrypt" ? d.text : ""), "object");
  });

  test("users files: both forms, and errors naming the user", () => {
    const users = parseUsers(
      {
        a: { hash: bcrypt.hashSync("x", 4) },
        b: `scrypt$16384$8$1$${"A".repeat(22)}$${"A".repeat(43)}`,
      },
      "f",
    );
    assert.deepEqual([...users.keys()], ["a", "b"]);
    assert.throws(
      () => parseUsers({ a: { pass: "x" } }, "users file f"),
      /users file f: user "a" has no hash/,
    );
    assert.throws(() => parseUsers({ a: "md5$x" }, "f"), /user "a": not a scrypt or bcrypt hash/);
    assert.throws(() => parseUsers([], "f"), /must be a JSON object/);
  });
});

describe("Basic authenticator", () => {
  test("an unknown user costs one hash computation, like a known user with a wrong password", async () => {
    for (const hash of [await hashPassword("right"), bcrypt.hashSync("right", 4)]) {
      const verifier = new PasswordVerifier();
      const auth = new BasicAuthenticator(
        new FixedUsers(parseUsers({ alice: hash }, "t")),
        verifier,
      );
      assert.equal(await auth.authenticate(basic("alice", "wrong")), null);
      assert.equal(verifier.computations, 1);
      assert.equal(await auth.authenticate(basic("mallory", "wrong")), null);
      assert.equal(verifier.computations, 2);
      assert.equal(await auth.authenticate(basic("alice", "right")), "alice");
      assert.equal(verifier.computations, 3);
    }
  });

  test("schemes are case-insensitive; other schemes and garbage are not Basic", async () => {
    const auth = new BasicAuthenticator(
      new FixedUsers(parseUsers({ alice: await hashPassword("pw") }, "t")),
    );
    const encoded = Buffer.from("alice:pw").toString("base64");
    for (const scheme of ["Basic", "basic", "BASIC", "bAsIc"])
      assert.equal(await auth.authenticate(`${scheme} ${encoded}`), "alice", scheme);
    assert.equal(await auth.authenticate(`Bearer ${encoded}`), null);
    assert.equal(await auth.authenticate("Basic !!!"), null);
    assert.equal(await auth.authenticate(undefined), null);
  });

  test("a verified credential is answered from the cache, without hashing, and never kept in clear", async () => {
    const verifier = new PasswordVerifier();
    const cache = new CredentialCache();
    const auth = new BasicAuthenticator(
      new FixedUsers(parseUsers({ alice: await hashPassword("pw-123") }, "t")),
      verifier,
      cache,
    );
    assert.equal(await auth.authenticate(basic("alice", "pw-123")), "alice");
    assert.equal(await auth.authenticate(basic("alice", "pw-123")), "alice");
    assert.equal(verifier.computations, 1);
    assert.equal(cache.keyOf("basic", "alice", "pw-123").includes("pw-123"), false);
    // A wrong password is never a cache hit.
    assert.equal(await auth.authenticate(basic("alice", "pw-124")), null);
    assert.equal(verifier.computations, 2);
  });

  test("parallel requests with one credential share one hash computation", async () => {
    const verifier = new PasswordVerifier();
    const users = parseUsers({ alice: await hashPassword("pw") }, "t");
    const auth = new BasicAuthenticator(new FixedUsers(users), verifier);
    const answers = await Promise.all(
      Array.from({ length: 5 }, () => auth.authenticate(basic("alice", "pw"))),
    );
    assert.deepEqual(answers, Array(5).fill("alice"));
    assert.equal(verifier.computations, 1);
    const wrong = await Promise.all([
      auth.authenticate(basic("alice", "a")),
      auth.authenticate(basic("alice", "b")),
    ]);
    assert.deepEqual(wrong, [null, null]);
    assert.equal(verifier.computations, 3);
  });

  test("the cache is bounded and its entries expire", () => {
    let now = 0;
    const cache = new CredentialCache({ ttlMs: 1000, maxEntries: 3, now: () => now });
    for (const k of ["a", "b", "c", "d"]) cache.set(k, k);
    assert.equal(cache.size, 3);
    assert.equal(cache.get("a"), undefined);
    assert.equal(cache.get("d"), "d");
    now = 1000;
    assert.equal(cache.get("d"), undefined);
  });

  test("a changed users file is read again and empties the cache", async () => {
    const path = join(dir, "users.json");
    writeFileSync(path, JSON.stringify({ alice: await hashPassword("old") }));
    const verifier = new PasswordVerifier();
    const auth = new BasicAuthenticator(new UsersFile(path), verifier);
    assert.equal(await auth.authenticate(basic("alice", "old")), "alice");
    assert.equal(await auth.authenticate(basic("alice", "old")), "alice");
    assert.equal(verifier.computations, 1);
    writeFileSync(
      path,
      JSON.stringify({ alice: { hash: bcrypt.hashSync("new", 4) }, bob: await hashPassword("b") }),
    );
    assert.equal(await auth.authenticate(basic("alice", "old")), null);
    assert.equal(verifier.computations, 2);
    assert.equal(await auth.authenticate(basic("alice", "new")), "alice");
    assert.equal(await auth.authenticate(basic("bob", "b")), "bob");
    // A file broken by hand lets nobody in until it is fixed.
    writeFileSync(path, "{ not json");
    assert.equal(await auth.authenticate(basic("alice", "new")), null);
  });
});
