/**
 * The kubernetes / openshift container managers against the fake apiserver, through the real
 * client library over HTTPS with a test CA: idempotent register and remove, remove_all sparing
 * foreign nodes, TLS always verified, credentials, retries, status, cordon and uncordon.
 */
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { after, before, beforeEach, describe, test } from "node:test";
import { ContainerManagerError } from "../../src/bus/errors.js";
import { MANAGER_LABEL } from "../../src/containermgr/index.js";
import { KubernetesManager } from "../../src/containermgr/kubernetes.js";
import { captureLogger } from "../helpers/capture-logger.js";
import { FakeApiserver, nodeSchemaProblem } from "../helpers/fake-apiserver.js";
import { makeTlsFiles } from "../helpers/servers.js";

const TOKEN = "sekrit-bearer-token-4f1c";
const tls = makeTlsFiles();
const otherCa = makeTlsFiles();
const ca = readFileSync(tls.caFile, "utf8");
let api: FakeApiserver;
const log = captureLogger();

function manager(options: Record<string, unknown> = {}, name = "prod") {
  return new KubernetesManager(
    name,
    "kubernetes",
    { server_url: api.url, token: TOKEN, ca_cert: ca, retry_backoff_ms: 1, ...options },
    log.logger,
  );
}

/** -20001 with `{manager, http_status, reason}`. */
function managerError(httpStatus: number | null, reason: string) {
  return (err: unknown) => {
    assert.ok(err instanceof ContainerManagerError, String(err));
    assert.equal(err.code, -20001);
    assert.deepEqual(err.data, { manager: "prod", http_status: httpStatus, reason });
    return true;
  };
}

before(async () => {
  api = await new FakeApiserver({ tls, token: TOKEN }).start();
});
after(async () => {
  await api.stop();
  // Nothing we sent was outside the Node schema, and no secret reached a log line.
  assert.deepEqual(api.schemaProblems, []);
  assert.ok(!log.text().includes(TOKEN), "the token reached a log line");
  rmSync(tls.dir, { recursive: true, force: true });
  rmSync(otherCa.dir, { recursive: true, force: true });
});
beforeEach(() => {
  api.nodes.clear();
  api.received.length = 0;
  api.faults.length = 0;
});

describe("register and remove", () => {
  test("registering twice succeeds twice and makes one labelled Node", async () => {
    const m = manager();
    try {
      assert.deepEqual(await m.registerNode("192.0.2.10"), { node: "192.0.2.10", created: true });
      assert.deepEqual(await m.registerNode("192.0.2.10"), { node: "192.0.2.10", created: false });
      assert.equal(api.nodes.size, 1);
      assert.equal(api.nodes.get("192.0.2.10")?.metadata.labels?.[MANAGER_LABEL], "prod");
      const posts = api.received.filter((r) => r.method === "POST");
      assert.equal(posts.length, 2);
      for (const post of posts) {
        assert.equal(nodeSchemaProblem(post.body), null);
        assert.equal(post.authorization, `Bearer ${TOKEN}`);
      }
      assert.equal(await m.nodeRegistered("192.0.2.10"), true);
    } finally {
      m.close();
    }
  });

  test("removing twice succeeds twice; a node that is gone is not registered", async () => {
    const m = manager();
    try {
      await m.registerNode("192.0.2.11");
      assert.deepEqual(await m.removeNode("192.0.2.11"), { node: "192.0.2.11", removed: true });
      assert.deepEqual(await m.removeNode("192.0.2.11"), { node: "192.0.2.11", removed: false });
      await assert.rejects(m.nodeRegistered("192.0.2.11"), managerError(404, "NotFound"));
      await assert.rejects(m.getNodeStatus("192.0.2.11"), managerError(404, "NotFound"));
    } finally {
      m.close();
    }
  });

  test("remove_all deletes by our label only: foreign nodes survive", async () => {
    api.seed({ metadata: { name: "kubelet-made" } });
    api.seed({ metadata: { name: "other-made", labels: { [MANAGER_LABEL]: "staging" } } });
    api.seed({ metadata: { name: "lookalike", labels: { [MANAGER_LABEL]: "prod-2" } } });
    const m = manager();
    try {
      await m.registerNode("192.0.2.21");
      await m.registerNode("192.0.2.22");
      assert.deepEqual(
        (await m.listNodes()).map((n) => n.node),
        ["192.0.2.21", "192.0.2.22"],
      );
      assert.deepEqual((await m.removeAllNodes()).removed.sort(), ["192.0.2.21", "192.0.2.22"]);
      assert.deepEqual([...api.nodes.keys()].sort(), ["kubelet-made", "lookalike", "other-made"]);
      const listed = api.received.find(
        (r) => r.method === "GET" && r.path.includes("labelSelector"),
      );
      assert.equal(
        new URL(listed!.path, "https://x").searchParams.get("labelSelector"),
        `${MANAGER_LABEL}=prod`,
      );
      // Only our nodes were ever deleted, each with its uid as a precondition.
      const deleted = api.received.filter((r) => r.method === "DELETE");
      assert.equal(deleted.length, 2);
      for (const d of deleted)
        assert.ok((d.body as { preconditions: { uid: string } }).preconditions.uid);
      assert.deepEqual(await m.removeAllNodes(), { removed: [] });
    } finally {
      m.close();
    }
  });

  test("an invalid node name is reported at once with the apiserver's reason (422)", async () => {
    const m = manager();
    try {
      await assert.rejects(m.registerNode("Not_A_Name"), managerError(422, "Invalid"));
      assert.equal(api.received.length, 1, "a 422 is not retried");
    } finally {
      m.close();
    }
  });
});

describe("TLS and credentials", () => {
  test("a server certificate from another CA is refused, and nothing is sent", async () => {
    const m = manager({ ca_cert: readFileSync(otherCa.caFile, "utf8") });
    try {
      await assert.rejects(
        m.registerNode("192.0.2.30"),
        managerError(null, "TLSVerificationFailed"),
      );
      assert.equal(api.received.length, 0);
    } finally {
      m.close();
    }
  });

  test("without a CA option only the system's CAs are trusted: the test CA is refused", async () => {
    const m = manager({ ca_cert: undefined });
    try {
      await assert.rejects(m.listNodes(), managerError(null, "TLSVerificationFailed"));
    } finally {
      m.close();
    }
  });

  test("NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment does not turn verification off", async () => {
    const m = manager({ ca_cert: readFileSync(otherCa.caFile, "utf8") });
    const saved = process.env.NODE_TLS_REJECT_UNAUTHORIZED;
    process.env.NODE_TLS_REJECT_UNAUTHORIZED = "0";
    try {
      await assert.rejects(m.listNodes(), managerError(null, "TLSVerificationFailed"));
      assert.equal(api.received.length, 0);
    } finally {
      if (saved === undefined) delete process.env.NODE_TLS_REJECT_UNAUTHORIZED;
      else process.env.NODE_TLS_REJECT_UNAUTHORIZED = saved;
      m.close();
    }
  });

  test("no option turns verification off", () => {
    for (const option of ["insecure_skip_tls_verify", "skip_tls_verify", "verify", "insecure"])
      assert.throws(() => manager({ [option]: true }), /TLS verification cannot be turned off/);
    assert.throws(() => manager({ server_url: "http://127.0.0.1:1" }), /must be an https/);
  });

  test("a rejected token is reported at once (401), never retried", async () => {
    const m = manager({ token: "wrong-token" });
    try {
      await assert.rejects(m.registerNode("192.0.2.31"), managerError(401, "Unauthorized"));
      assert.equal(api.received.length, 1);
    } finally {
      m.close();
    }
  });

  test("a client certificate from files authenticates", async () => {
    const certApi = await new FakeApiserver({ tls, clientCerts: true }).start();
    const m = new KubernetesManager(
      "prod",
      "openshift",
      {
        server_url: certApi.url,
        certificate_path: tls.clientCertFile,
        certificate_key_path: tls.clientKeyFile,
        certificate_ca_path: tls.caFile,
      },
      log.logger,
    );
    const anonymous = new KubernetesManager(
      "prod",
      "openshift",
      { server_url: certApi.url, certificate_ca_path: tls.caFile },
      log.logger,
    );
    try {
      assert.equal((await m.registerNode("192.0.2.32")).created, true);
      await assert.rejects(anonymous.listNodes(), managerError(401, "Unauthorized"));
    } finally {
      m.close();
      anonymous.close();
      await certApi.stop();
    }
  });
});

describe("retries", () => {
  test("a 500, a 429 and a connection reset are retried, then it succeeds", async () => {
    const m = manager();
    try {
      api.faults.push({ status: 500, reason: "InternalError" });
      await m.registerNode("192.0.2.40");
      assert.equal(api.received.length, 2);
      api.faults.push({ status: 429, reason: "TooManyRequests", retryAfter: 0 }, "reset");
      assert.equal((await m.getNodeStatus("192.0.2.40")).node, "192.0.2.40");
      assert.equal(api.received.length, 5);
    } finally {
      m.close();
    }
  });

  test("when the retries are spent, -20001 carries the apiserver's status and reason", async () => {
    const m = manager({ retries: 2 });
    try {
      for (let i = 0; i < 3; i++) api.faults.push({ status: 500, reason: "InternalError" });
      await assert.rejects(m.registerNode("192.0.2.41"), managerError(500, "InternalError"));
      assert.equal(api.received.length, 3);
    } finally {
      m.close();
    }
  });

  test("an apiserver that does not answer times out", async () => {
    const m = manager({ retries: 1, timeout_seconds: 0.2 });
    try {
      api.faults.push("hang", "hang");
      await assert.rejects(m.listNodes(), managerError(null, "Timeout"));
      assert.equal(api.received.length, 2);
    } finally {
      m.close();
    }
  });
});

describe("status, cordon and uncordon", () => {
  test("get_node_status gives Ready and the useful parts of the status", async () => {
    const m = manager();
    try {
      await m.registerNode("192.0.2.50");
      assert.equal((await m.getNodeStatus("192.0.2.50")).status, "unknown");
      api.report("192.0.2.50", true);
      const s = await m.getNodeStatus("192.0.2.50");
      assert.equal(s.status, "ok");
      assert.equal(s.ready, true);
      assert.equal(s.registered_by, "prod");
      assert.equal(s.node_info.kubelet_version, "v1.30.1");
      assert.equal(s.capacity.cpu, "4");
      assert.deepEqual(s.addresses, [{ type: "InternalIP", address: "192.0.2.50" }]);
      assert.equal(s.conditions[0]?.last_transition_time, "2026-01-02T03:04:05.000Z");
      api.report("192.0.2.50", false);
      assert.equal((await m.getNodeStatus("192.0.2.50")).status, "not_ready");
    } finally {
      m.close();
    }
  });

  test("cordon and uncordon set spec.unschedulable with a merge patch", async () => {
    const m = manager();
    try {
      await m.registerNode("192.0.2.51");
      assert.equal((await m.setUnschedulable("192.0.2.51", true)).unschedulable, true);
      assert.equal(api.nodes.get("192.0.2.51")?.spec?.unschedulable, true);
      assert.equal((await m.setUnschedulable("192.0.2.51", false)).unschedulable, false);
      assert.equal(api.nodes.get("192.0.2.51")?.spec?.unschedulable, false);
      const patches = api.received.filter((r) => r.method === "PATCH");
      assert.equal(patches.length, 2);
      for (const p of patches) assert.match(p.contentType, /^application\/merge-patch\+json/);
      await assert.rejects(m.setUnschedulable("192.0.2.99", true), managerError(404, "NotFound"));
    } finally {
      m.close();
    }
  });
});
