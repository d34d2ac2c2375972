/**
 * The container manager layer without servers: options checked before any client is built (TLS
 * never off), secret options hidden from the safe form, failures classified for retries and
 * -20001, the trivial manager, and the backoff loop.
 */
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { silentLogger } from "../../src/base/logger.js";
import { ConfigError } from "../../src/config/errors.js";
import { createManager, MANAGER_LABEL, TrivialManager } from "../../src/containermgr/index.js";
import { classify } from "../../src/containermgr/kube-errors.js";
import { parseKubeOptions } from "../../src/containermgr/kube-options.js";
import { withRetries } from "../../src/containermgr/retry.js";
import { ContainerManagerConfig } from "../../src/models/index.js";
import { containerManagerService } from "../../src/services/containermgr/definition.js";
import { builtinServices } from "../../src/services/index.js";
import { nodeSelected } from "../helpers/label-selector.js";

describe("kubernetes options", () => {
  test("server_url is required and must be https without credentials", () => {
    assert.throws(() => parseKubeOptions({}), /"server_url" is required/);
    assert.throws(() => parseKubeOptions({ server_url: "http://k:6443" }), /must be an https/);
    assert.throws(() => parseKubeOptions({ server_url: "https://u:p@k:6443" }), /credentials/);
    assert.throws(() => parseKubeOptions({ server_url: "not a url" }), /not a URL/);
    const o = parseKubeOptions({ server_url: "https://k:6443", token: "t", timeout_seconds: 2 });
    assert.equal(o.serverUrl.host, "k:6443");
    assert.equal(o.timeoutMs, 2000);
    assert.equal(o.retries, 3);
  });

  test("options that would turn TLS verification off are refused by name", () => {
    for (const name of [
      "insecure",
      "skip_tls_verify",
      "tls_verify",
      "verify",
      "reject_unauthorized",
    ])
      assert.throws(
        () => parseKubeOptions({ server_url: "https://k", [name]: false }),
        (err: unknown) => err instanceof ConfigError && /cannot be turned off/.test(err.message),
      );
  });

  test("unknown options, half a client certificate, and unreadable files are refused", () => {
    assert.throws(
      () => parseKubeOptions({ server_url: "https://k", tokn: "x" }),
      /unknown option "tokn"/,
    );
    assert.throws(
      () => parseKubeOptions({ server_url: "https://k", client_cert: "PEM" }),
      /both its certificate and its key/,
    );
    assert.throws(
      () =>
        parseKubeOptions({ server_url: "https://k", certificate_ca_path: "/nonexistent/ca.pem" }),
      /certificate_ca_path.*cannot be read/,
    );
    assert.throws(
      () => parseKubeOptions({ server_url: "https://k", ca_cert: "A", certificate_ca_path: "/x" }),
      /not both/,
    );
  });

  test("a refused configuration names the manager, never the secret", async () => {
    const err = await createManager(
      { name: "prod", type: "kubernetes", options: { server_url: "http://k", token: "tok-123" } },
      silentLogger(),
    ).then(
      () => assert.fail("built"),
      (e: unknown) => e,
    );
    assert.ok(err instanceof ConfigError);
    assert.match(err.message, /^container manager "prod" \(kubernetes\): /);
    assert.doesNotMatch(err.message, /tok-123/);
    await assert.rejects(
      createManager(
        { name: "not a label!", type: "openshift", options: { server_url: "https://k" } },
        silentLogger(),
      ),
      /cannot be a label value/,
    );
  });
});

test("the safe form of a ContainerManagerConfig hides its secret options", () => {
  const config = ContainerManagerConfig.parse({
    name: "prod",
    type: "kubernetes",
    options: {
      server_url: "https://k",
      token: "t",
      password: "p",
      client_key: "k",
      bootstrap_token: "b",
      certificate_key: "c",
      certificate_key_path: "/etc/k.pem",
    },
  });
  assert.deepEqual(ContainerManagerConfig.toSafeJson(config), {
    name: "prod",
    type: "kubernetes",
    options: { server_url: "https://k", certificate_key_path: "/etc/k.pem" },
  });
  assert.equal((ContainerManagerConfig.toJson(config).options as { token: string }).token, "t");
});

describe("failures", () => {
  test("classified by status and Status reason; transient ones are retried", () => {
    const status = (code: number, reason?: string, headers = {}) => ({
      code,
      body: reason ? JSON.stringify({ kind: "Status", reason, message: `m ${reason}` }) : undefined,
      headers,
    });
    assert.deepEqual(classify(status(409, "AlreadyExists")), {
      httpStatus: 409,
      reason: "AlreadyExists",
      message: "m AlreadyExists",
      transient: false,
    });
    assert.equal(classify(status(401)).reason, "Unauthorized");
    assert.equal(classify(status(401)).transient, false);
    assert.equal(classify(status(503)).transient, true);
    assert.equal(
      classify(status(429, "TooManyRequests", { "retry-after": "2" })).retryAfterSeconds,
      2,
    );
    const reset = Object.assign(new Error("read ECONNRESET"), { code: "ECONNRESET" });
    assert.deepEqual(
      [classify(reset).reason, classify(reset).transient],
      ["ConnectionFailed", true],
    );
    const tls = Object.assign(new Error("self-signed"), { code: "SELF_SIGNED_CERT_IN_CHAIN" });
    assert.deepEqual(
      [classify(tls).reason, classify(tls).transient],
      ["TLSVerificationFailed", false],
    );
    const abort = Object.assign(new Error("aborted"), { name: "AbortError" });
    assert.equal(classify(abort).reason, "Timeout");
  });

  test("withRetries: transient failures retried with backoff, others thrown at once", async () => {
    let calls = 0;
    const waits: number[] = [];
    const result = await withRetries(
      async () => {
        calls++;
        if (calls < 3) throw { code: 500 };
        return "done";
      },
      { retries: 3, backoffMs: 2 },
      (_f, _a, waitMs) => waits.push(waitMs),
    );
    assert.equal(result, "done");
    assert.equal(calls, 3);
    assert.ok(waits[1]! > waits[0]! * 0.9, "the backoff grows");
    calls = 0;
    await assert.rejects(
      withRetries(
        async () => {
          calls++;
          throw { code: 404 };
        },
        { retries: 3, backoffMs: 1 },
      ),
      (err: { failure: { httpStatus: number }; attempts: number }) =>
        err.failure.httpStatus === 404 && err.attempts === 1,
    );
    assert.equal(calls, 1);
  });
});

test("the trivial manager: idempotent, in memory", async () => {
  const m = new TrivialManager("local");
  assert.deepEqual(await m.registerNode("a"), { node: "a", created: true });
  assert.deepEqual(await m.registerNode("a"), { node: "a", created: false });
  assert.equal((await m.setUnschedulable("a", true)).unschedulable, true);
  assert.equal((await m.getNodeStatus("a")).registered_by, "local");
  await assert.rejects(m.getNodeStatus("b"), { code: -20001 });
  assert.deepEqual(await m.removeNode("b"), { node: "b", removed: false });
  assert.deepEqual(await m.removeAllNodes(), { removed: ["a"] });
  assert.deepEqual(await m.listNodes(), []);
});

test("the fake apiserver's label selectors", () => {
  const labels = { [MANAGER_LABEL]: "prod", zone: "a" };
  assert.equal(nodeSelected(labels, `${MANAGER_LABEL}=prod`), true);
  assert.equal(nodeSelected(labels, `${MANAGER_LABEL}==prod,zone!=b`), true);
  assert.equal(nodeSelected(labels, `${MANAGER_LABEL}=prod-2`), false);
  assert.equal(nodeSelected(labels, "!zone"), false);
  assert.equal(nodeSelected({}, ""), true);
  assert.throws(() => nodeSelected(labels, "zone in (a)"), /unable to parse/);
});

test("`commissaire service containermgr` runs the container manager service", () => {
  assert.equal(builtinServices.containermgr, containerManagerService);
});
