/**
 * Verified reboots with a scripted host: one probe command gives the boot_id and systemd's state;
 * a host still starting is waited for, a degraded one refused, the same boot_id is no reboot.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import {
  DEFAULT_VERIFY,
  verifyHealthy,
  waitForNewBoot,
} from "../../src/services/clusterexec/verify.js";
import { FakeRemote } from "../../src/testing/index.js";

const settings = { ...DEFAULT_VERIFY, rebootTimeoutMs: 2000, probeIntervalMs: 10, stabilityMs: 0 };
const target = { address: "192.0.2.1", sshPrivKey: "", remoteUser: "root" };

/** A host answering the probe with each of `answers` in turn (the last one repeating). */
async function scripted(answers: string[]) {
  const remote = new FakeRemote().on("boot_id", () => ({
    stdout: `${answers.length > 1 ? answers.shift() : answers[0]}\n`,
  }));
  return { remote, ex: await remote.open(target) };
}

test("a host back on a new boot but still starting is waited for until it runs", async () => {
  const { remote, ex } = await scripted([
    "old running",
    "new starting",
    "new starting",
    "new running",
  ]);
  const back = await waitForNewBoot(ex, "old", settings);
  assert.deepEqual(back, { bootId: "new", state: "running" });
  assert.equal(remote.commands().length, 4, "one command per probe");
  await verifyHealthy(ex, back.bootId, settings, back);
});

test("degraded is refused unless accepted; the same boot_id is a reboot that did not happen", async () => {
  const { ex } = await scripted(["new degraded"]);
  const back = await waitForNewBoot(ex, "old", settings);
  await assert.rejects(verifyHealthy(ex, back.bootId, settings, back), /says "degraded"/);
  await verifyHealthy(
    ex,
    back.bootId,
    { ...settings, acceptedStates: ["running", "degraded"] },
    back,
  );
  const same = await scripted(["old running"]);
  await assert.rejects(
    waitForNewBoot(same.ex, "old", { ...settings, rebootTimeoutMs: 100 }),
    /same boot_id old \(the reboot did not happen\)/,
  );
});
