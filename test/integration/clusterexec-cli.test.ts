/**
 * The operator's commands for cluster operations, as a separate process against the REST server:
 * a restart followed host by host to its end, the operation shown, a second one refused (409),
 * pause and abort through REST.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { silentLogger } from "../../src/base/logger.js";
import { Cluster, ClusterRestart, Host, HostCreds } from "../../src/models/index.js";
import type { HostResult, OperationRecord } from "../../src/services/clusterexec/records.js";
import { ClusterExecService } from "../../src/services/clusterexec/service.js";
import { hashPassword, UsersFileAuthenticator } from "../../src/services/server/auth.js";
import { CommissaireServer } from "../../src/services/server/server.js";
import { memoryBus, startTestService, type TestService, waitFor } from "../../src/testing/index.js";
import { BIN, run } from "../helpers/cli.js";
import { TestHosts } from "../hosts/harness.js";
import type { TestHost } from "../hosts/test-host.js";

let hosts: TestHosts;
let t: TestService<ClusterExecService>;
let server: CommissaireServer;
let dir: string;
let env: NodeJS.ProcessEnv;
const cli = (...args: string[]) => run(BIN.commissaire, args, { env });

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "commissaire-clusterexec-cli-"));
  hosts = await TestHosts.start([{ os: "fedora" }, { os: "centos" }]);
  const byAddress = new Map(hosts.hosts.map((h) => [h.address, h]));
  t = await startTestService(
    (bus) =>
      new ClusterExecService({
        bus,
        config: {
          // The deadline of a host the 409 test holds down on purpose (it lets it through).
          reboot_timeout: 30,
          // A second of stability wait per host leaves the next test time to pause the restart.
          stability_wait: 1,
          probe_interval: 0.1,
          control_poll_ms: 50,
        },
        connector: hosts.pool({ connectTimeoutMs: 1000 }),
        targetFor: (creds) => hosts.target(byAddress.get(creds.address)!),
      }),
    { storage: true },
  );
  const usersFile = join(dir, "users.json");
  writeFileSync(usersFile, JSON.stringify({ admin: await hashPassword("pw-for-the-test") }));
  server = new CommissaireServer({
    bus: memoryBus(t.broker),
    authenticator: new UsersFileAuthenticator(usersFile),
    logger: silentLogger(),
  });
  const { port } = await server.listen(0, "127.0.0.1");
  writeFileSync(
    join(dir, ".commissaire.json"),
    JSON.stringify({
      server: `http://127.0.0.1:${port}`,
      username: "admin",
      password: "pw-for-the-test",
    }),
  );
  env = {
    HOME: dir,
    COMMISSAIRE_SERVER: undefined,
    COMMISSAIRE_USERNAME: undefined,
    COMMISSAIRE_PASSWORD: undefined,
    COMMISSAIRE_TOKEN: undefined,
  };
  for (const h of hosts.hosts) {
    await t.storage.save(Host, { address: h.address, status: "active" });
    await t.storage.save(HostCreds, hosts.creds(h));
  }
  await t.storage.save(Cluster, { name: "c1", hostset: hosts.hosts.map((h) => h.address) });
});
after(async () => {
  await server?.close(1000);
  await t?.close();
  await hosts?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

test("cluster restart --follow prints each host's phases and ends finished", async () => {
  const r = await cli("cluster", "restart", "c1", "--batch", "1", "--follow");
  assert.equal(r.code, 0, r.stderr);
  for (const h of hosts.hosts) {
    assert.match(r.stdout, new RegExp(`^${h.address.replaceAll(".", "\\.")} rebooting$`, "m"));
    assert.match(r.stdout, new RegExp(`^${h.address.replaceAll(".", "\\.")} done$`, "m"));
    assert.equal(h.calls().filter((c) => c === "systemctl reboot").length, 1);
  }
  assert.match(r.stdout, /^restart of c1: finished$/m);
  const shown = await cli("cluster", "operation", "c1");
  assert.equal(shown.code, 0, shown.stderr);
  assert.match(shown.stdout, /^restart of c1: finished$/m);
  assert.equal(shown.stdout.match(/ done +\d+\.\ds/g)?.length, 2);
});

test("a second operation is refused with 409; pause and abort reach the running one", async () => {
  const [held, other] = hosts.hosts as [TestHost, TestHost];
  const reboots = (h: TestHost) => h.calls().filter((c) => c === "systemctl reboot").length;
  const otherReboots = reboots(other);
  const first = await cli("cluster", "restart", "c1", "--batch", "1", "--json");
  assert.equal(first.code, 0, first.stderr);
  assert.equal(JSON.parse(first.stdout).status, "in_process");
  // The operation held in the first host's reboot, whatever the CLI's pace: the host cannot
  // answer until it is let through, so the operation is surely running through the steps below.
  await waitFor(
    async () => {
      const r = (await t.storage.get(ClusterRestart, { name: "c1" })) as OperationRecord;
      return (r.hosts[held.address] as HostResult | undefined)?.phase === "rebooting";
    },
    { timeoutMs: 20_000, what: "the first host's reboot" },
  );
  await held.setReachability("refuse");
  const paused = await cli("cluster", "pause", "c1");
  assert.equal(paused.code, 0, paused.stderr);
  const second = await cli("cluster", "upgrade", "c1");
  assert.notEqual(second.code, 0, `${second.stdout}${second.stderr}`);
  assert.match(second.stderr, /409|already running/);
  const aborted = await cli("cluster", "abort", "c1");
  assert.equal(aborted.code, 0, aborted.stderr);
  const shown = await cli("cluster", "operation", "c1", "--json");
  const record = JSON.parse(shown.stdout) as { control: string };
  assert.equal(record.control, "abort");
  await held.setReachability("pass");
  // Paused in its first host, then aborted: that host's turn ends, the second never starts.
  const ended = await waitFor(
    async () => {
      const r = JSON.parse((await cli("cluster", "operation", "c1", "--json")).stdout) as {
        status: string;
        aborted: boolean;
        restarted: string[];
      };
      return r.status === "in_process" ? null : r;
    },
    { timeoutMs: 20_000, what: "the aborted restart to end" },
  );
  assert.equal(ended.status, "failed");
  assert.equal(ended.aborted, true);
  assert.deepEqual(ended.restarted, [held.address]);
  assert.equal(reboots(other), otherReboots, "the second host was not rebooted");
  const bad = await cli("cluster", "restart", "c1", "--batch", "0");
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /--batch/);
});
