/**
 * A host added through the REST server is watched once the investigator is done with it, end to
 * end on a real sshd test host: REST PUT, investigated to `disassociated`, checked by the watcher
 * (its boot_id and a newer last_check stored), `failed` while unreachable, back when reachable.
 * Storage, investigator, watcher and REST server run in this process on one memory bus.
 */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { silentLogger } from "../../src/base/logger.js";
import { InvestigatorService } from "../../src/services/investigator/service.js";
import { Anonymous } from "../../src/services/server/auth.js";
import { CommissaireServer } from "../../src/services/server/server.js";
import { WatcherService } from "../../src/services/watcher/service.js";
import { memoryBus, startTestService, type TestService, waitFor } from "../../src/testing/index.js";
import { call } from "../helpers/http.js";
import { TestHosts } from "../hosts/harness.js";

let hosts: TestHosts;
let t: TestService<WatcherService>;
let investigator: InvestigatorService;
let server: CommissaireServer;
let url: string;

before(async () => {
  hosts = await TestHosts.start([{ os: "fedora" }]);
  const remote = hosts.pool({ connectTimeoutMs: 1000, commandTimeoutMs: 5000 });
  t = await startTestService(
    (bus) => new WatcherService({ bus, remote, config: { interval: 2, check_timeout: 1 } }),
    { storage: true },
  );
  investigator = new InvestigatorService({
    bus: memoryBus(t.broker),
    remote,
    config: { recover_interval_seconds: 3600 },
  });
  await investigator.start();
  server = new CommissaireServer({
    bus: memoryBus(t.broker),
    authenticator: new Anonymous(),
    logger: silentLogger(),
  });
  const { port } = await server.listen(0, "127.0.0.1");
  url = `http://127.0.0.1:${port}`;
});
after(async () => {
  await server?.close(1000);
  await investigator?.stop(1000);
  await investigator?.bus.close();
  await t?.close();
  await hosts?.destroy();
});

test("a host PUT through REST is investigated, then watched: failed when unreachable, back after", async () => {
  const host = hosts.at(0);
  const { ssh_priv_key, remote_user } = hosts.creds(host);
  const put = await call(url, "PUT", `/api/v0/host/${host.address}`, {
    body: { ssh_priv_key, remote_user },
  });
  assert.equal(put.status, 201, JSON.stringify(put.body));
  const investigated = await waitFor(
    async () => {
      const h = await t.storage.getHost(host.address);
      return h.status === "disassociated" ? h : null;
    },
    { timeoutMs: 30_000, intervalMs: 200, what: "the investigation" },
  );
  // Only the watcher records the boot_id; its last_check comes after the investigator's.
  await waitFor(
    async () => {
      const h = await t.storage.getHost(host.address);
      return h.last_boot_id === host.bootId() && h.last_check > investigated.last_check;
    },
    { timeoutMs: 10_000, intervalMs: 200, what: "a check by the watcher" },
  );
  await host.setReachability("refuse");
  const failed = await waitFor(
    async () => {
      const h = await t.storage.getHost(host.address);
      return h.status === "failed" ? h : null;
    },
    { timeoutMs: 15_000, intervalMs: 200, what: "failed" },
  );
  assert.equal(failed.watcher_demoted_from, "disassociated");
  assert.match(failed.status_reason, /^watcher: /);
  const rest = await call(url, "GET", `/api/v0/host/${host.address}`);
  assert.equal(rest.body.status, "failed");
  await host.setReachability("pass");
  await waitFor(async () => (await t.storage.getHost(host.address)).status === "disassociated", {
    timeoutMs: 15_000,
    intervalMs: 200,
    what: "disassociated again",
  });
});
