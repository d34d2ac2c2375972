/**
 * Every OS command set against a test host of that family: facts name the set (atomic by
 * /run/ostree-booted, redhat as rhel), and the host's stubs record exactly the expected calls.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { commandSetFor, render } from "../../src/remote/index.js";
import { TestHosts } from "../hosts/harness.js";
import { TEST_OSES } from "../hosts/os-release.js";

let hosts: TestHosts;
before(async () => {
  hosts = await TestHosts.start(TEST_OSES.map((os) => ({ os, proxy: false })));
});
after(() => hosts.destroy());

const EXPECTED: Record<string, { set: string; calls: string[] }> = {
  fedora: {
    set: "fedora",
    calls: [
      "dnf -y update",
      "dnf -y install etcd flannel",
      "systemctl enable etcd",
      "systemctl restart etcd",
    ],
  },
  centos: {
    set: "centos",
    calls: [
      "yum -y update",
      "yum -y install etcd flannel",
      "systemctl enable etcd",
      "systemctl restart etcd",
    ],
  },
  rhel: {
    set: "rhel",
    calls: [
      "yum -y update",
      "yum -y install etcd flannel",
      "systemctl enable etcd",
      "systemctl restart etcd",
    ],
  },
  redhat: {
    set: "rhel",
    calls: [
      "yum -y update",
      "yum -y install etcd flannel",
      "systemctl enable etcd",
      "systemctl restart etcd",
    ],
  },
  atomic: {
    set: "atomic",
    calls: [
      "rpm-ostree upgrade",
      "rpm-ostree install etcd flannel",
      "systemctl enable etcd",
      "systemctl restart etcd",
      "rpm-ostree deploy 29.1",
    ],
  },
};

for (const [i, os] of TEST_OSES.entries()) {
  test(`${os} host: its command set, as the stubs record it`, async () => {
    const host = hosts.at(i);
    const pool = hosts.pool();
    const ex = await pool.open(hosts.target(host));
    try {
      const facts = await ex.facts();
      const set = commandSetFor(facts.os);
      assert.equal(set.name, EXPECTED[os]!.set);
      const sudo = { sudo: true };
      await ex.run(set.packageUpdate, sudo);
      await ex.run(render(set.packageInstall, { packages: ["etcd", "flannel"] }), sudo);
      await ex.run(render(set.serviceEnable, { service: "etcd" }), sudo);
      await ex.run(render(set.serviceRestart, { service: "etcd" }), sudo);
      if (set.deploy) await ex.run(render(set.deploy, { version: "29.1" }), sudo);
      const version = await ex.run(render(set.versionQuery, { package: "etcd" }), sudo);
      assert.equal(version.stdout, "1.0-1\n");
      // Each command reached its stub through sudo; the stubs' own lines, in order:
      const calls = host.calls().filter((c) => !c.startsWith("sudo "));
      assert.deepEqual(calls, [
        ...EXPECTED[os]!.calls,
        "rpm -q --queryformat %{VERSION}-%{RELEASE}\\n etcd",
      ]);
      assert.equal(
        host.calls().filter((c) => c.startsWith("sudo -n -- sh -c ")).length,
        calls.length,
      );
    } finally {
      await ex.close();
      await pool.close();
    }
  });
}
