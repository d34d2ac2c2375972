/**
 * The investigator on real sshd test hosts: each OS family ends disassociated (no container
 * manager) with its facts and the expected commands, active with a trivial container manager,
 * a second investigation changes nothing, and every failure ends failed with its reason.
 */

import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { after, before, test } from "node:test";
import { MANAGER_LABEL } from "../../src/containermgr/index.js";
import { Cluster, ContainerManagerConfig, Host, HostCreds } from "../../src/models/index.js";
import { ContainerManagerService } from "../../src/services/containermgr/service.js";
import { InvestigatorService } from "../../src/services/investigator/service.js";
import {
  callHandler,
  memoryBus,
  startTestService,
  type TestService,
} from "../../src/testing/index.js";
import { FakeApiserver } from "../helpers/fake-apiserver.js";
import { makeTlsFiles } from "../helpers/servers.js";
import { TestHosts } from "../hosts/harness.js";
import type { TestHost } from "../hosts/test-host.js";

let hosts: TestHosts;
let t: TestService<InvestigatorService>;
let containers: ContainerManagerService;

before(async () => {
  hosts = await TestHosts.start([
    { os: "fedora" },
    { os: "centos" },
    { os: "rhel" },
    { os: "atomic" },
    { os: "fedora" }, // 4: trivial container manager
    { os: "fedora" }, // 5: failures
    { os: "fedora" }, // 6: kubernetes container manager
  ]);
  t = await startTestService(
    (bus) =>
      new InvestigatorService({
        bus,
        remote: hosts.pool({ connectTimeoutMs: 1500, commandTimeoutMs: 5000 }),
        config: { recover_interval_seconds: 3600 },
      }),
    { storage: true },
  );
  containers = new ContainerManagerService({ bus: memoryBus(t.broker) });
  await containers.start();
});
after(async () => {
  await containers?.stop(1000);
  await containers?.bus.close();
  await t?.close();
  await hosts?.destroy();
});

async function addHost(host: TestHost, creds: Partial<HostCreds> = {}): Promise<void> {
  await t.storage.save(Host, { address: host.address, status: "investigating" });
  await t.storage.save(HostCreds, { ...hosts.creds(host), ...creds });
}

async function investigate(host: TestHost): Promise<Record<string, unknown>> {
  return (await callHandler(t.service, "investigate", { address: host.address })) as Record<
    string,
    unknown
  >;
}

const rpmQuery = (p: string) => `rpm -q --queryformat %{VERSION}-%{RELEASE}\\n ${p}`;

for (const [index, os, installer] of [
  [0, "fedora", "dnf -y install docker flannel"],
  [1, "centos", "yum -y install docker flannel"],
  [2, "rhel", null],
  [3, "atomic", null],
] as const) {
  test(`a ${os} host ends disassociated with its facts, bootstrapped${installer ? ", missing packages installed" : ""}`, async () => {
    const host = hosts.at(index);
    // `rpm -q` failing: the packages are missing (the stub says they are there otherwise).
    if (installer) host.failCommand("rpm", 1);
    await addHost(host);
    const result = await investigate(host);
    host.failCommand("rpm", null);
    assert.equal(result.status, "disassociated");
    const stored = await t.storage.getHost(host.address);
    assert.equal(stored.status, "disassociated");
    assert.equal(stored.os, os);
    assert.ok(stored.cpus >= 1 && stored.memory > 0 && stored.space > 0, JSON.stringify(stored));
    assert.ok(stored.last_check);
    const calls = host.calls().filter((c) => !c.startsWith("sudo "));
    const expected = [
      // One query for both; one each only when some is missing, to install only those.
      ...(os === "atomic" ? [] : [rpmQuery("docker flannel")]),
      ...(installer ? [rpmQuery("docker"), rpmQuery("flannel"), installer] : []),
      "systemctl enable flanneld docker",
      // One restart for both (one process), flanneld first.
      "systemctl restart flanneld docker",
    ];
    assert.deepEqual(calls, expected);
    // One sudo: the whole bootstrap is one session.
    assert.deepEqual(
      host.calls().filter((c) => c.startsWith("sudo ")),
      ["sudo -n -- sh -c sh -s"],
    );
    if (installer) assert.deepEqual((result.changed as string[])[0], "install docker flannel");
    assert.match(host.etcFile("sysconfig/flanneld") ?? "", /FLANNEL_ETCD_ENDPOINTS=/);
    assert.match(host.etcFile("sysconfig/docker") ?? "", /OPTIONS=/);
    // The host key was recorded on first use.
    const creds = await t.storage.get(HostCreds, { address: host.address });
    assert.equal(creds.ssh_host_key, host.hostKeyFingerprint());
  });
}

test("a second investigation changes nothing and says so", async () => {
  const host = hosts.at(0);
  await t.storage.save(
    Host,
    { address: host.address, status: "investigating" },
    { members: ["status"] },
  );
  const before = host.calls().length;
  const result = await investigate(host);
  assert.equal(result.status, "disassociated");
  assert.deepEqual(result.changed, []);
  assert.ok(
    !host
      .calls()
      .slice(before)
      .some((c) => c.includes("restart")),
    String(host.calls()),
  );
});

/**
 * Adds the host and investigates it until it is active: the container manager service hears of a
 * new manager through a notification, so the first investigations may come before it (deadline).
 */
async function investigateUntilActive(host: TestHost): Promise<void> {
  await addHost(host);
  let result: Record<string, unknown> = {};
  const deadline = Date.now() + 10_000;
  do {
    await t.storage.save(
      Host,
      { address: host.address, status: "investigating" },
      { members: ["status"] },
    );
    result = await investigate(host);
  } while (result.status !== "active" && Date.now() < deadline);
  assert.equal(result.status, "active", String(result.status_reason));
  assert.equal((await t.storage.getHost(host.address)).status, "active");
}

test("with a trivial container manager the host ends active", async () => {
  const host = hosts.at(4);
  await t.storage.save(ContainerManagerConfig, { name: "trivial1", type: "trivial" });
  await t.storage.save(Cluster, {
    name: "c1",
    container_manager: "trivial1",
    hostset: [host.address],
  });
  await investigateUntilActive(host);
});

test("with a kubernetes container manager the host ends active and is a Node on the apiserver", async () => {
  const token = "investigator-flow-token";
  const tls = makeTlsFiles();
  const api = await new FakeApiserver({ tls, token }).start();
  try {
    const host = hosts.at(6);
    await t.storage.save(ContainerManagerConfig, {
      name: "kube1",
      type: "kubernetes",
      options: { server_url: api.url, token, ca_cert: readFileSync(tls.caFile, "utf8") },
    });
    await t.storage.save(Cluster, {
      name: "c2",
      container_manager: "kube1",
      hostset: [host.address],
    });
    await investigateUntilActive(host);
    const registered = [...api.nodes.values()].filter(
      (n) => n.metadata.labels?.[MANAGER_LABEL] === "kube1",
    );
    assert.equal(registered.length, 1, "one Node, labelled with its manager");
    assert.ok(JSON.stringify(registered[0]).includes(host.address), "the Node is the host");
    assert.deepEqual(api.schemaProblems, []);
  } finally {
    await api.stop();
    rmSync(tls.dir, { recursive: true, force: true });
  }
});

const failures: [string, (h: TestHost) => Promise<Partial<HostCreds> | undefined>, RegExp][] = [
  [
    "wrong key",
    async (h) => {
      h.refuseKey(true);
      return undefined;
    },
    /refused the SSH key/,
  ],
  [
    "refused connection",
    async (h) => {
      await h.setReachability("refuse");
      return undefined;
    },
    /connect.*(refused|unreachable)/,
  ],
  [
    "timeout",
    async (h) => {
      await h.setReachability("blackhole");
      return undefined;
    },
    /timed out/,
  ],
  [
    "changed host key",
    async () => ({ ssh_host_key: "SHA256:AAAAnotthekeyofthishostAAAAAAAAAAAAAAAAAAAA" }),
    /host key changed/,
  ],
  [
    "failing bootstrap step",
    async (h) => {
      h.failCommand("systemctl", 3);
      return undefined;
    },
    /bootstrap: a command failed/,
  ],
];

for (const [what, arrange, reason] of failures) {
  test(`${what}: the host ends failed with the reason`, async () => {
    const host = hosts.at(5);
    try {
      const creds = await arrange(host);
      await addHost(host, creds ?? { ssh_host_key: "" });
      const result = await investigate(host);
      assert.equal(result.status, "failed");
      const stored = await t.storage.getHost(host.address);
      assert.equal(stored.status, "failed");
      assert.match(stored.status_reason, reason);
      assert.ok(!stored.status_reason.includes(hosts.creds(host).ssh_priv_key.slice(0, 40)));
    } finally {
      host.refuseKey(false);
      host.failCommand("systemctl", null);
      await host.setReachability("pass");
    }
  });
}
