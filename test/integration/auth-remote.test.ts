/**
 * Authentication that needs a peer: TLS client certificates signed by the configured CA (and by
 * another), with a CN allow-list and the original's `httpauthclientcert` over `tls-pemfile`; a
 * bearer token checked by a fake Kubernetes TokenReview endpoint over HTTPS, and by a fake
 * OpenShift user endpoint (the original's `openshiftbearertokenauth`); the Keystone example
 * plug-in against a fake Keystone. Every peer listens on loopback in this process.
 */
import assert from "node:assert/strict";
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { fileURLToPath } from "node:url";
import { silentLogger } from "../../src/base/logger.js";
import { normaliseConfig } from "../../src/config/normalise.js";
import { CommissaireServer } from "../../src/services/server/server.js";
import { serverSettings } from "../../src/services/server/settings.js";
import { memoryBus } from "../../src/testing/index.js";
import { authCall } from "../helpers/auth-client.js";
import { basic } from "../helpers/http.js";
import { makeTlsFiles } from "../helpers/servers.js";

const tls = makeTlsFiles();
const other = makeTlsFiles(); // a CA the server does not trust, and its client certificate
const file = (path: string) => readFileSync(path);
const servers: Array<{ close(): unknown }> = [];

after(async () => {
  for (const s of servers) await s.close();
  rmSync(tls.dir, { recursive: true, force: true });
  rmSync(other.dir, { recursive: true, force: true });
});

async function serve(config: Record<string, unknown>): Promise<string> {
  const settings = await serverSettings(normaliseConfig(config));
  const server = new CommissaireServer({
    bus: memoryBus(),
    authenticator: settings.authenticator,
    logger: silentLogger(),
    ...(settings.tls ? { tls: settings.tls } : {}),
  });
  servers.push({ close: () => server.close(0) });
  const address = await server.listen(0, "127.0.0.1");
  return `${server.secure ? "https" : "http"}://127.0.0.1:${address.port}/api/v0/nothing`;
}

/** What the fake endpoints read of a request body (TokenReview, Keystone). */
interface FakeBody {
  kind?: string;
  apiVersion?: string;
  spec?: { token?: string };
  auth?: {
    identity?: {
      methods: string[];
      password?: { user: { name: string; password: string; domain: { name: string } } };
      token?: { id: string };
    };
  };
}

/** A fake identity endpoint: `answer` decides from the request and its JSON body. */
async function fakeEndpoint(
  secure: boolean,
  answer: (req: IncomingMessage, body: FakeBody, res: ServerResponse) => void,
): Promise<string> {
  const handler = (req: IncomingMessage, res: ServerResponse) => {
    let text = "";
    req.on("data", (c) => (text += c));
    req.on("end", () => answer(req, (text ? JSON.parse(text) : {}) as FakeBody, res));
  };
  const server: Server = secure
    ? createHttpsServer({ cert: file(tls.certFile), key: file(tls.keyFile) }, handler)
    : createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  servers.push({ close: () => new Promise((r) => server.close(r)) });
  return `${secure ? "https" : "http"}://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const json = (res: ServerResponse, status: number, body: unknown, headers = {}) => {
  res.writeHead(status, { "content-type": "application/json", ...headers });
  res.end(JSON.stringify(body));
};

describe("TLS client certificates", () => {
  let url: string;
  let pemUrl: string;
  const ca = file(tls.caFile);
  const good = { ca, cert: file(tls.clientCertFile), key: file(tls.clientKeyFile) };
  const foreign = { ca, cert: file(other.clientCertFile), key: file(other.clientKeyFile) };
  before(async () => {
    url = await serve({
      tls_certfile: tls.certFile,
      tls_keyfile: tls.keyFile,
      tls_clientverifyfile: tls.caFile,
      client_certificates: { allowed_cns: ["client"] },
      tokens: [{ user: "robot", token: "robot-token-1" }],
    });
    const pem = join(tls.dir, "server-both.pem");
    writeFileSync(pem, Buffer.concat([file(tls.certFile), file(tls.keyFile)]));
    pemUrl = await serve({
      "tls-pemfile": pem,
      "tls-clientverifyfile": tls.caFile,
      "authentication-plugins": [{ name: "httpauthclientcert", cn: "client" }],
    });
  });

  test("a certificate signed by the configured CA logs in as its CN", async () => {
    assert.equal((await authCall(url, good)).status, 404);
  });

  test("a certificate of another CA, or none, does not; other methods still work without one", async () => {
    assert.equal((await authCall(url, foreign)).status, 401);
    assert.equal((await authCall(url, { ca })).status, 401);
    assert.equal(
      (await authCall(url, { ca, headers: { authorization: "Bearer robot-token-1" } })).status,
      404,
    );
  });

  test("a certificate of the right CA with a CN not allowed is refused", async () => {
    // The server's own certificate is signed by the same CA (CN "server") and allows clientAuth.
    const server = { ca, cert: file(tls.certFile), key: file(tls.keyFile) };
    assert.equal((await authCall(url, server)).status, 401);
  });

  test("the original's httpauthclientcert over tls-pemfile", async () => {
    assert.equal((await authCall(pemUrl, good)).status, 404);
    assert.equal((await authCall(pemUrl, foreign)).status, 401);
  });
});

describe("bearer tokens checked by an endpoint", () => {
  test("a Kubernetes TokenReview over HTTPS with the server's reviewer token and CA", async () => {
    let reviews = 0;
    const endpoint = await fakeEndpoint(true, (req, body, res) => {
      reviews++;
      assert.equal(req.method, "POST");
      assert.equal(req.headers.authorization, "Bearer reviewer-token");
      assert.equal(body.kind, "TokenReview");
      assert.equal(body.apiVersion, "authentication.k8s.io/v1");
      const ok = body.spec?.token === "good-token";
      json(res, 201, {
        kind: "TokenReview",
        status: ok
          ? { authenticated: true, user: { username: "system:serviceaccount:ops:robot" } }
          : { authenticated: false },
      });
    });
    const tokenFile = join(tls.dir, "reviewer-token");
    writeFileSync(tokenFile, "reviewer-token\n");
    const url = await serve({
      token_review: {
        url: `${endpoint}/apis/authentication.k8s.io/v1/tokenreviews`,
        ca_file: tls.caFile,
        token_file: tokenFile,
      },
    });
    const reply = await authCall(url, { headers: { authorization: "Bearer good-token" } });
    assert.equal(reply.status, 404);
    assert.equal(
      (await authCall(url, { headers: { authorization: "bearer good-token" } })).status,
      404,
    );
    assert.equal(reviews, 1, "the second request is answered from the cache");
    const refused = await authCall(url, { headers: { authorization: "Bearer bad-token" } });
    assert.equal(refused.status, 401);
    assert.equal(refused.headers["www-authenticate"], 'Bearer realm="commissaire"');
  });

  test("an endpoint whose certificate is not trusted accepts nobody", async () => {
    const endpoint = await fakeEndpoint(true, (_req, _body, res) =>
      json(res, 201, { status: { authenticated: true, user: { username: "x" } } }),
    );
    const url = await serve({
      token_review: {
        url: `${endpoint}/apis/authentication.k8s.io/v1/tokenreviews`,
        ca_file: other.caFile,
      },
    });
    assert.equal(
      (await authCall(url, { headers: { authorization: "Bearer good-token" } })).status,
      401,
    );
  });

  test("the original's openshiftbearertokenauth: the token presented to the user endpoint", async () => {
    const endpoint = await fakeEndpoint(true, (req, _body, res) => {
      if (req.headers.authorization === "Bearer os-token")
        json(res, 200, { kind: "User", metadata: { name: "developer" } });
      else json(res, 401, { kind: "Status" });
    });
    const url = await serve({
      "authentication-plugins": [
        {
          name: "openshiftbearertokenauth",
          "openshift-endpoint": `${endpoint}/apis/user.openshift.io/v1/users/~`,
          ca_file: tls.caFile,
        },
      ],
    });
    assert.equal(
      (await authCall(url, { headers: { authorization: "Bearer os-token" } })).status,
      404,
    );
    assert.equal((await authCall(url, { headers: { authorization: "Bearer other" } })).status, 401);
  });
});

describe("the Keystone example plug-in", () => {
  let keystone: string;
  before(async () => {
    keystone = await fakeEndpoint(false, (req, body, res) => {
      const identity = body.auth?.identity;
      if (req.url !== "/v3/auth/tokens" || !identity) return json(res, 404, {});
      const password = identity.password?.user;
      if (
        identity.methods[0] === "password" &&
        password?.name === "alice" &&
        password.password === "pw" &&
        password.domain.name === "Ops"
      )
        return json(res, 201, { token: { user: { name: "alice" } } }, { "x-subject-token": "t-1" });
      if (identity.methods[0] === "token" && identity.token?.id === "ks-token")
        return json(res, 201, { token: { user: { name: "bob" } } }, { "x-subject-token": "t-2" });
      json(res, 401, { error: { code: 401 } });
    });
  });

  test("loaded by path: X-Auth-Token and Basic checked against Keystone", async () => {
    const plugin = fileURLToPath(
      new URL("../../src/services/server/auth/examples/keystone.js", import.meta.url),
    );
    const url = await serve({
      authentication_plugins: [{ name: plugin, url: `${keystone}/v3/auth/tokens`, domain: "Ops" }],
    });
    assert.equal((await authCall(url, { headers: { "x-auth-token": "ks-token" } })).status, 404);
    assert.equal((await authCall(url, { headers: { "x-auth-token": "other" } })).status, 401);
    assert.equal(
      (await authCall(url, { headers: { authorization: basic("alice", "pw") } })).status,
      404,
    );
    assert.equal(
      (await authCall(url, { headers: { authorization: basic("alice", "no") } })).status,
      401,
    );
  });

  test("the original's keystonepasswordauth and keystonetokenauth map onto it", async () => {
    const url = await serve({
      "authentication-plugins": {
        "commissaire_http.authentication.keystonepasswordauth": {
          url: `${keystone}/v3/auth/tokens`,
          domain: "Ops",
        },
        keystonetokenauth: { url: `${keystone}/v3/auth/tokens` },
      },
    });
    assert.equal(
      (await authCall(url, { headers: { authorization: basic("alice", "pw") } })).status,
      404,
    );
    assert.equal((await authCall(url, { headers: { "x-auth-token": "ks-token" } })).status, 404);
  });
});
