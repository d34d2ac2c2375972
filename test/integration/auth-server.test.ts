/**
 * The server binary with the original Commissaire's configuration and flags: a users file in the
 * original bcrypt form made by `commissaire user`, `authentication-plugins`, `self-auths`,
 * `--no-config-file` with `--authentication-plugin`, start-up errors naming the member, a users
 * file changed while the server runs, and a guessing flood that is throttled while a legitimate
 * user's requests go on being served.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { waitFor } from "../../src/testing/index.js";
import { authCall } from "../helpers/auth-client.js";
import { BIN, Running, run } from "../helpers/cli.js";
import { basic } from "../helpers/http.js";
import { freePort } from "../helpers/servers.js";

const dir = mkdtempSync(join(tmpdir(), "commissaire-auth-server-"));
const usersFile = join(dir, "users.json");
const running: Running[] = [];

async function startServer(args: string[]): Promise<string> {
  const server = Running.start(BIN.server, args);
  running.push(server);
  const listening = await server.waitForLog("the server", (r) => r.msg === "server listening");
  return listening.url as string;
}

const user = (args: string[], password?: string) =>
  run(
    BIN.commissaire,
    ["user", ...args, "--users-file", usersFile],
    password === undefined ? {} : { input: `${password}\n` },
  );

before(async () => {
  const added = await user(["add", "a", "--bcrypt", "--cost", "4"], "pw-a");
  assert.equal(added.code, 0, added.stderr);
  assert.equal((await user(["add", "b"], "pw-b")).code, 0);
});
after(async () => {
  for (const server of running) await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe("commissaire user", () => {
  test("writes the original's bcrypt form or ours, in a file only its owner reads", () => {
    const users = JSON.parse(readFileSync(usersFile, "utf8"));
    assert.match(users.a.hash, /^\$2[ab]\$04\$/);
    assert.match(users.b, /^scrypt\$/);
    assert.equal(statSync(usersFile).mode & 0o777, 0o600);
  });

  test("refuses what it cannot do, with the exit code saying why", async () => {
    const again = await user(["add", "a"], "x");
    assert.equal(again.code, 1);
    assert.match(again.stderr, /user "a" already exists/);
    assert.equal((await user(["passwd", "nobody"], "x")).code, 1);
    assert.equal((await user(["remove", "nobody"])).code, 1);
    assert.equal((await user(["add", "c"], "")).code, 2);
    const onCommandLine = await run(BIN.commissaire, [
      "user",
      "add",
      "c",
      "--users-file",
      usersFile,
      "--password",
      "x",
    ]);
    assert.equal(onCommandLine.code, 2);
    const broken = join(dir, "broken.json");
    writeFileSync(broken, '{"x": {"pass": 1}}');
    const bad = await run(BIN.commissaire, ["user", "add", "c", "--users-file", broken], {
      input: "pw\n",
    });
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /broken\.json: user "x" has no hash/);
  });
});

describe("the original configuration", () => {
  let base: string;
  before(async () => {
    const conf = join(dir, "commissaire.conf");
    writeFileSync(
      conf,
      JSON.stringify({
        "listen-interface": "127.0.0.1",
        "listen-port": await freePort(),
        "bus-uri": "memory://",
        "authentication-plugins": [
          { name: "commissaire_http.authentication.httpbasicauth", filepath: usersFile },
        ],
        "self-auths": ["/api/v0/secrets"],
        "login-throttle": { burst: 5, "refill-seconds": 60 },
        debug: false,
      }),
    );
    base = await startServer(["-c", conf]);
  });
  const get = (auth?: string, path = "/api/v0/nothing", localAddress?: string) =>
    authCall(new URL(path, base).href, {
      ...(auth ? { headers: { authorization: auth } } : {}),
      ...(localAddress ? { localAddress } : {}),
    });

  test("bcrypt and scrypt users log in; the scheme's case does not matter; failures are 401", async () => {
    // Past the door, the path is unknown: 404 means authenticated.
    assert.equal((await get(basic("a", "pw-a"))).status, 404);
    assert.equal((await get(basic("b", "pw-b").replace("Basic", "basic"))).status, 404);
    const refused = await get(basic("a", "wrong"));
    assert.equal(refused.status, 401);
    assert.equal(refused.headers["www-authenticate"], 'Basic realm="commissaire"');
    assert.equal((await get()).status, 401);
  });

  test("self-auths paths are served without credentials", async () => {
    assert.equal((await get(undefined, "/api/v0/secrets")).status, 404);
  });

  test("a password changed or a user removed while the server runs takes effect at once", async () => {
    assert.equal((await user(["add", "c"], "pw-c1")).code, 0);
    assert.equal((await get(basic("c", "pw-c1"))).status, 404);
    assert.equal((await user(["passwd", "c", "--bcrypt", "--cost", "4"], "pw-c2")).code, 0);
    assert.equal((await get(basic("c", "pw-c1"))).status, 401);
    assert.equal((await get(basic("c", "pw-c2"))).status, 404);
    assert.equal((await user(["remove", "c"])).code, 0);
    assert.equal((await get(basic("c", "pw-c2"))).status, 401);
  });

  test("a guessing flood is throttled (429, Retry-After) while a legitimate user is served", async () => {
    let legitimate = 0;
    let stop = false;
    const served = (async () => {
      while (!stop) {
        assert.equal((await get(basic("b", "pw-b"))).status, 404);
        legitimate++;
      }
    })();
    const statuses: number[] = [];
    const flood = async () => {
      for (let i = 0; i < 25; i++) {
        const reply = await get(basic("a", `guess-${i}`), "/api/v0/nothing", "127.0.0.2");
        statuses.push(reply.status);
        if (reply.status === 429) assert.ok(Number(reply.headers["retry-after"]) >= 1);
      }
    };
    await Promise.all([flood(), flood()]);
    await waitFor(() => legitimate >= 5, { timeoutMs: 10_000, what: "legitimate requests" });
    stop = true;
    await served;
    assert.ok(statuses.filter((s) => s === 401).length <= 5, `${statuses}`);
    assert.ok(statuses.filter((s) => s === 429).length >= 45, `${statuses}`);
    // The attacked user from another address is throttled too; the right password does not lift it.
    assert.equal((await get(basic("a", "pw-a"))).status, 429);
  });
});

describe("the original flags", () => {
  test("--no-config-file with --authentication-plugin, -i and -p", async () => {
    const port = await freePort();
    const base = await startServer([
      "--no-config-file",
      "--bus-uri",
      "memory://",
      "-i",
      "127.0.0.1",
      "-p",
      String(port),
      "--authentication-plugin",
      `httpbasicauth:filepath=${usersFile}`,
    ]);
    assert.equal(new URL(base).port, String(port));
    assert.equal(
      (
        await authCall(new URL("/api/v0/x", base).href, {
          headers: { authorization: basic("a", "pw-a") },
        })
      ).status,
      404,
    );
  });

  test("what cannot be honoured stops the server with exit 2, naming the member", async () => {
    const conf = join(dir, "bad.conf");
    writeFileSync(
      conf,
      JSON.stringify({ "authentication-plugins": [{ name: "keystonetokenauth" }] }),
    );
    const result = await run(BIN.server, ["-c", conf, "--bus-uri", "memory://"]);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /authentication_plugins\[0\] "keystonetokenauth": "url" must be/);
    const flag = await run(BIN.server, [
      "--no-config-file",
      "--bus-uri",
      "memory://",
      "--authentication-plugin",
      "mycorp.auth.ldap",
    ]);
    assert.equal(flag.code, 2);
    assert.match(flag.stderr, /"mycorp.auth.ldap": a Python plug-in module cannot be loaded/);
  });
});
