/**
 * The server's authentication configuration: the original's `authentication-plugins` (list and
 * object forms, bare and full module names), `self-auths`, `tls-pemfile`, its command-line flags,
 * clear start-up errors naming the member, and the warning about credentials in clear.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, test } from "node:test";
import bcrypt from "bcryptjs";
import { Command } from "commander";
import { normaliseConfig } from "../../src/config/normalise.js";
import { addCommonOptions, commonOptionsOf } from "../../src/service/common-options.js";
import { BasicAuthenticator } from "../../src/services/server/auth/basic.js";
import { ClientCertificateAuthenticator } from "../../src/services/server/auth/client-cert.js";
import KeystoneAuthenticator from "../../src/services/server/auth/examples/keystone.js";
import { TokenReviewAuthenticator } from "../../src/services/server/auth/token-review.js";
import {
  addOriginalServerOptions,
  applyOriginalOptions,
  parsePluginFlag,
} from "../../src/services/server/original-options.js";
import { serverSettings } from "../../src/services/server/settings.js";
import { basic } from "../helpers/http.js";
import { makeTlsFiles } from "../helpers/servers.js";

const dir = mkdtempSync(join(tmpdir(), "commissaire-auth-config-"));
after(() => rmSync(dir, { recursive: true, force: true }));
const usersFile = join(dir, "users.json");
writeFileSync(usersFile, JSON.stringify({ a: { hash: bcrypt.hashSync("pw-a", 4) } }));

const settingsOf = (config: Record<string, unknown>) => serverSettings(normaliseConfig(config));

describe("the original configuration", () => {
  test("list form with inline users (the original's sample) and self-auths", async () => {
    const s = await settingsOf({
      "listen-interface": "127.0.0.1",
      "authentication-plugins": [
        { name: "httpbasicauth", users: { b: { hash: bcrypt.hashSync("pw-b", 4) } } },
      ],
      "self-auths": ["/api/v0/secrets"],
    });
    const [auth] = s.authenticator.authenticators;
    assert.ok(auth instanceof BasicAuthenticator);
    assert.equal(await auth.authenticate(basic("b", "pw-b")), "b");
    assert.equal(
      (
        await s.authenticator.check({
          method: "GET",
          path: "/api/v0/secrets",
          headers: {},
          remoteAddress: "",
          peerCertificate: null,
          certificateAuthorized: false,
        })
      ).user,
      "self-auth",
    );
  });

  test("object form, full module names, every original plug-in mapped onto a built-in", async () => {
    const tls = makeTlsFiles();
    try {
      const s = await settingsOf({
        "tls-certfile": tls.certFile,
        "tls-keyfile": tls.keyFile,
        "tls-clientverifyfile": tls.caFile,
        "authentication-plugins": {
          "commissaire_http.authentication.httpbasicauth": { filepath: usersFile },
          "commissaire.authentication.httpauthclientcert": { cn: "ops" },
          keystonepasswordauth: { url: "http://127.0.0.1:5000/v3/auth/tokens", domain: "D" },
          keystonetokenauth: { url: "http://127.0.0.1:5000/v3/auth/tokens" },
          openshiftbearertokenauth: {
            "openshift-endpoint": "https://127.0.0.1:8443/apis/user.openshift.io/v1/users/~",
          },
        },
      });
      const kinds = s.authenticator.authenticators.map((a) => a.constructor.name);
      assert.deepEqual(kinds, [
        BasicAuthenticator.name,
        ClientCertificateAuthenticator.name,
        KeystoneAuthenticator.name,
        KeystoneAuthenticator.name,
        TokenReviewAuthenticator.name,
      ]);
      assert.equal(await s.authenticator.authenticators[0]!.authenticate(basic("a", "pw-a")), "a");
      assert.ok(s.tls?.ca);
    } finally {
      rmSync(tls.dir, { recursive: true, force: true });
    }
  });

  test("what cannot be honoured is a start-up error naming the member", async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [
        { "authentication-plugins": [{ filepath: usersFile }] },
        /authentication_plugins\[0\]: must be an object with a "name"/,
      ],
      [{ "authentication-plugins": "httpbasicauth" }, /"authentication_plugins" must be a list/],
      [
        { "authentication-plugins": [{ name: "mycorp.auth.ldap" }] },
        /authentication_plugins\[0\] "mycorp.auth.ldap": a Python plug-in module cannot be loaded/,
      ],
      [
        {
          "authentication-plugins": [{ name: "httpbasicauth", filepath: usersFile, colour: "red" }],
        },
        /unknown option "colour"/,
      ],
      [{ "authentication-plugins": [{ name: "httpbasicauth" }] }, /give "filepath"/],
      [
        { "authentication-plugins": [{ name: "httpauthclientcert" }] },
        /needs "tls_clientverifyfile"/,
      ],
      [
        { "authentication-plugins": [{ name: "keystonetokenauth" }] },
        /"url" must be a non-empty string/,
      ],
      [
        { "authentication-plugins": [{ name: "openshiftbearertokenauth" }] },
        /"openshift_endpoint" must be/,
      ],
      [
        {
          "authentication-plugins": [
            { name: "httpbasicauth", filepath: join(dir, "missing.json") },
          ],
        },
        /users file .*missing.json/,
      ],
      [
        { "authentication-plugins": [{ name: "./no-such-plugin.js" }] },
        /"\.\/no-such-plugin\.js": cannot load plug-in module/,
      ],
      [
        { "tls-clientverifyfile": usersFile, users_file: usersFile },
        /"tls_clientverifyfile" needs TLS/,
      ],
      [{ "tls-pemfile": usersFile, "tls-certfile": usersFile, users_file: usersFile }, /not both/],
      [{ client_certificates: true, users_file: usersFile }, /"client_certificates" needs TLS/],
      [{ users_file: usersFile, self_auths: ["api"] }, /"self_auths" must be a list of paths/],
      [{ users_file: usersFile, login_throttle: { burst: -1 } }, /"login_throttle"/],
      [{ token_review: { url: "ftp://x" } }, /"token_review" must be/],
      [{}, /no authentication configured/],
    ];
    for (const [config, message] of cases)
      await assert.rejects(settingsOf(config), message, JSON.stringify(config));
  });

  test("credentials in clear on a non-loopback interface are warned about", async () => {
    const open = await settingsOf({ listen_interface: "0.0.0.0", users_file: usersFile });
    assert.match(open.warnings.join("\n"), /cross the network in clear: 0\.0\.0\.0/);
    assert.deepEqual(
      (await settingsOf({ listen_interface: "127.0.0.1", users_file: usersFile })).warnings,
      [],
    );
    assert.deepEqual(
      (await settingsOf({ listen_interface: "::1", users_file: usersFile })).warnings,
      [],
    );
    const mapped = await settingsOf({
      listen_interface: "::ffff:127.0.0.2",
      users_file: usersFile,
    });
    assert.deepEqual(mapped.warnings, []);
    const any = await settingsOf({ listen_interface: "::", users_file: usersFile });
    assert.equal(any.warnings.length, 1);
    const tls = makeTlsFiles();
    try {
      const pem = join(tls.dir, "both.pem");
      writeFileSync(pem, Buffer.concat([readFileSync(tls.certFile), readFileSync(tls.keyFile)]));
      const secure = await settingsOf({
        listen_interface: "0.0.0.0",
        users_file: usersFile,
        "tls-pemfile": pem,
      });
      assert.deepEqual(secure.warnings, []);
      assert.ok(secure.tls?.cert.equals(secure.tls.key));
    } finally {
      rmSync(tls.dir, { recursive: true, force: true });
    }
  });
});

describe("the original command-line flags", () => {
  const parse = (args: string[]) => {
    const command = addOriginalServerOptions(
      addCommonOptions(new Command(), "commissaire").exitOverride(),
    );
    command.parse(args, { from: "user" });
    return command;
  };

  test("--authentication-plugin (repeatable), --self-auth, -i, -p, --debug, TLS files", () => {
    const opts = parse([
      "--authentication-plugin",
      "httpbasicauth:filepath=conf/users.json",
      "--authentication-plugin",
      "keystonetokenauth:url=https://127.0.0.1:5000/v3/auth/tokens",
      "--self-auth",
      "/api/v0/secrets",
      "-i",
      "127.0.0.2",
      "-p",
      "8123",
      "--debug",
      "--tls-pemfile",
      "/p.pem",
      "--tls-clientverifyfile",
      "/ca.pem",
    ]).opts();
    const config = applyOriginalOptions(opts, {
      authentication_plugins: { httpauthclientcert: { cn: "x" } },
      self_auths: ["/a"],
    });
    assert.deepEqual(config, {
      authentication_plugins: [
        { name: "httpauthclientcert", cn: "x" },
        { name: "httpbasicauth", filepath: "conf/users.json" },
        { name: "keystonetokenauth", url: "https://127.0.0.1:5000/v3/auth/tokens" },
      ],
      self_auths: ["/a", "/api/v0/secrets"],
      listen_interface: "127.0.0.2",
      listen_port: 8123,
      debug: true,
      tls_pemfile: "/p.pem",
      tls_clientverifyfile: "/ca.pem",
    });
  });

  test("--no-config-file reads nothing; -c names the file; neither reads the default", () => {
    assert.equal(commonOptionsOf(parse(["--no-config-file"])).configFile, false);
    assert.equal(commonOptionsOf(parse(["-c", "/x.conf"])).configFile, "/x.conf");
    assert.equal(commonOptionsOf(parse([])).configFile, undefined);
    assert.throws(
      () => commonOptionsOf(parse(["--no-config-file", "--config", "/x.conf"])),
      /either --config or --no-config-file/,
    );
  });

  test("plug-in flags: names alone, dashes normalised, bad pairs refused", () => {
    assert.deepEqual(parsePluginFlag("httpauthclientcert"), { name: "httpauthclientcert" });
    assert.deepEqual(parsePluginFlag("openshiftbearertokenauth:openshift-endpoint=https://h/x"), {
      name: "openshiftbearertokenauth",
      openshift_endpoint: "https://h/x",
    });
    assert.throws(() => parsePluginFlag("httpbasicauth:filepath"), /"filepath" is not key=value/);
    assert.throws(() => parsePluginFlag(":a=b"), /no module name/);
  });
});
