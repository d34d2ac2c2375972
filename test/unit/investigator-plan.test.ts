/** What bootstrap writes for each kind of Network, and the etcd TLS files copied when etcd uses TLS. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { bootstrapPlan } from "../../src/services/investigator/plan.js";

const etcdNet = { name: "default", type: "flannel_etcd" as const, options: {} };

test("flannel_etcd: the etcd endpoint, no TLS files without TLS", () => {
  const plan = bootstrapPlan(etcdNet, { serverUrl: "http://192.0.2.5:2379" });
  assert.deepEqual(
    plan.files.map((f) => f.path),
    ["/etc/sysconfig/flanneld", "/etc/sysconfig/docker"],
  );
  assert.match(plan.files[0]!.content, /^FLANNEL_ETCD_ENDPOINTS="http:\/\/192\.0\.2\.5:2379"$/m);
  assert.deepEqual(plan.services, ["flanneld", "docker"], "docker enabled too");
});

test("flannel_etcd over TLS: CA, certificate and key copied, the key private, named in flanneld's options", () => {
  const plan = bootstrapPlan(etcdNet, {
    serverUrl: "https://192.0.2.5:2379",
    tls: { ca: "CA", cert: "CERT", key: "KEY" },
  });
  const byPath = new Map(plan.files.map((f) => [f.path, f]));
  assert.equal(byPath.get("/etc/flanneld/etcd-ca.crt")?.content, "CA");
  assert.equal(byPath.get("/etc/flanneld/etcd-client.crt")?.content, "CERT");
  assert.equal(byPath.get("/etc/flanneld/etcd-client.key")?.mode, 0o600);
  assert.match(
    byPath.get("/etc/sysconfig/flanneld")!.content,
    /-etcd-keyfile=\/etc\/flanneld\/etcd-client\.key/,
  );
});

test("flannel_server: the server's address; none is an error naming the network", () => {
  const plan = bootstrapPlan(
    { name: "n", type: "flannel_server", options: { address: "192.0.2.9:8080" } },
    null,
  );
  assert.match(plan.files[0]!.content, /--remote=192\.0\.2\.9:8080/);
  assert.throws(
    () => bootstrapPlan({ name: "n", type: "flannel_server", options: {} }, null),
    /network "n" \(flannel_server\) has no address/,
  );
});
