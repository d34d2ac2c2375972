/**
 * A host rebooted through its OS command set: the connection drops, the host comes back with a
 * new boot_id, and the same executor reconnects by itself.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { commandSetFor, RemoteError } from "../../src/remote/index.js";
import { waitFor } from "../../src/testing/index.js";
import { TestHosts } from "../hosts/harness.js";

let hosts: TestHosts;
before(async () => {
  hosts = await TestHosts.start([{ os: "atomic", rebootDownMs: 500 }]);
});
after(() => hosts.destroy());

test("reboot: the command's connection drops, the executor reconnects to the new boot", async () => {
  const host = hosts.at(0);
  const pool = hosts.pool({ connectTimeoutMs: 2000 });
  const ex = await pool.open(hosts.target(host));
  try {
    const before = await ex.facts();
    assert.equal(before.bootId, host.bootId());
    const commands = commandSetFor(before.os);
    await assert.rejects(ex.run(commands.reboot, { sudo: true }), (err: unknown) => {
      assert.ok(err instanceof RemoteError);
      assert.equal(err.kind, "unreachable");
      assert.match(err.message, /command `systemctl reboot`: connection lost/);
      return true;
    });
    const after = await waitFor(
      () =>
        ex.facts().then(
          (f) => (f.bootId !== before.bootId ? f : null),
          () => null,
        ),
      { timeoutMs: 20_000, intervalMs: 100, what: "the host back with a new boot_id" },
    );
    assert.equal(after.bootId, host.bootId());
    assert.equal(after.machineId, before.machineId, "the same host");
    assert.ok(host.calls().includes("systemctl reboot"));
    assert.equal(pool.inner.connections.open, 1, "the executor kept its one connection");
  } finally {
    await ex.close();
    await pool.close();
  }
});
