/**
 * What bootstrap writes for each kind of Network, the etcd TLS files copied when etcd uses TLS,
 * and the one script that does it on the host.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { CommandFailedError } from "../../src/remote/errors.js";
import { commandSetFor } from "../../src/remote/os-registry.js";
import {
  bootstrapChanges,
  bootstrapScript,
} from "../../src/services/investigator/bootstrap-script.js";
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

test("the bootstrap script's report: changes listed; a failing step named with its exit status", () => {
  const ok = {
    stdout: "changed /etc/a\ninstalled docker flannel\nrestarted docker\n",
    stderr: "",
    exitCode: 0,
  };
  assert.deepEqual(bootstrapChanges("192.0.2.1", ok), [
    "/etc/a",
    "install docker flannel",
    "restart docker",
  ]);
  assert.deepEqual(bootstrapChanges("192.0.2.1", { stdout: "", stderr: "", exitCode: 0 }), []);
  const failed = {
    stdout: "changed /etc/a\n",
    stderr: "systemctl: unit missing\ncommissaire-step-failed 5 systemctl enable docker\n",
    exitCode: 5,
  };
  assert.throws(
    () => bootstrapChanges("192.0.2.1", failed),
    (err: unknown) =>
      err instanceof CommandFailedError &&
      err.command === "systemctl enable docker" &&
      err.exitCode === 5 &&
      /exited 5: systemctl: unit missing$/.test(err.reason),
  );
  assert.throws(
    () => bootstrapChanges("192.0.2.1", { stdout: "", stderr: "sh: syntax", exitCode: 2 }),
    /the bootstrap script` exited 2: sh: syntax/,
  );
});

test("the bootstrap script carries file contents only in its body, never the key in clear", () => {
  const plan = bootstrapPlan(etcdNet, {
    serverUrl: "https://192.0.2.5:2379",
    tls: { ca: "CA", cert: "CERT", key: "PRIVATE-KEY-MATERIAL" },
  });
  const script = bootstrapScript(plan, commandSetFor("fedora"));
  assert.ok(!script.includes("PRIVATE-KEY-MATERIAL"));
  // Created private (umask), then moved into place.
  assert.match(
    script,
    /umask 177\n {2}base64 -d > \/etc\/flanneld\/etcd-client\.key\.commissaire-\$\$/,
  );
  assert.match(script, /rpm -q .* docker .*\|\| set -- "\$@" docker/);
  assert.match(script, /dnf -y install "\$@"/);
  assert.ok(
    !bootstrapScript(plan, commandSetFor("atomic")).includes("rpm -q"),
    "atomic: no packages",
  );
});
