/**
 * A remote layer handed to the investigator or clusterexec belongs to the caller (it may be
 * shared with other services): stopping the service leaves it open. One the service opened
 * itself is closed at stop.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { SshPool } from "../../src/remote/pool.js";
import { ClusterExecService } from "../../src/services/clusterexec/service.js";
import { InvestigatorService } from "../../src/services/investigator/service.js";
import { FakeRemote, startTestService } from "../../src/testing/index.js";

class CountingRemote extends FakeRemote {
  closes = 0;
  override async close(): Promise<void> {
    this.closes++;
  }
}

test("the investigator leaves a remote layer it was handed open at stop", async () => {
  const remote = new CountingRemote();
  const t = await startTestService(
    (bus) => new InvestigatorService({ bus, remote, config: { recover_interval_seconds: 3600 } }),
    { storage: true },
  );
  await t.close();
  assert.equal(remote.closes, 0);
});

test("clusterexec leaves a connector it was handed open at stop", async () => {
  const connector = new CountingRemote();
  const t = await startTestService((bus) => new ClusterExecService({ bus, connector }), {
    storage: true,
  });
  await t.close();
  assert.equal(connector.closes, 0);
});

test("a pool the service opened itself is closed at stop", async () => {
  const original = SshPool.prototype.close;
  let closes = 0;
  SshPool.prototype.close = async function (this: SshPool) {
    closes++;
    return original.call(this);
  };
  try {
    const t1 = await startTestService(
      (bus) => new InvestigatorService({ bus, config: { recover_interval_seconds: 3600 } }),
      { storage: true },
    );
    await t1.close();
    const t2 = await startTestService((bus) => new ClusterExecService({ bus }), {
      storage: true,
    });
    await t2.close();
    assert.equal(closes, 2);
  } finally {
    SshPool.prototype.close = original;
  }
});
