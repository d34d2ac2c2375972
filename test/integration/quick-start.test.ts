/**
 * The README's quick start, as a newcomer runs it: the all-in-one command from a clean data
 * directory, then a cluster and a host created with HTTP calls, then a restart that keeps both.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { waitFor } from "../../src/testing/index.js";
import { BIN, Running } from "../helpers/cli.js";
import { basic, call } from "../helpers/http.js";
import { freePort } from "../helpers/servers.js";
import { TestHosts } from "../hosts/harness.js";

const dir = mkdtempSync(join(tmpdir(), "commissaire-quickstart-"));
// The host the reader adds: a real sshd the investigator reaches and bootstraps.
let hosts: TestHosts;
before(async () => {
  hosts = await TestHosts.start([{ os: "fedora" }]);
});
after(async () => {
  await hosts?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function startAllInOne(port: number): Promise<Running> {
  const running = Running.start(
    BIN.commissaire,
    ["all-in-one", "--listen-port", String(port)],
    undefined,
    dir,
  );
  await waitFor(() => running.stdout.includes("Ctrl-C to stop."), {
    timeoutMs: 15_000,
    what: "the all-in-one start",
  });
  return running;
}

test("quick start: all-in-one from a clean data directory, a cluster and a host with HTTP calls", async () => {
  const port = await freePort();
  const first = await startAllInOne(port);
  let password: string;
  try {
    assert.match(
      first.stdout,
      new RegExp(`Commissaire is running at http://127\\.0\\.0\\.1:${port}/api/v0/`),
    );
    password = /password: (\S+)/.exec(first.stdout)![1]!;
    const base = `http://127.0.0.1:${port}`;
    const auth = basic("admin", password);
    assert.equal((await call(base, "GET", "/api/v0/clusters")).status, 401, "no anonymous access");
    const cluster = await call(base, "PUT", "/api/v0/cluster/mycluster", {
      body: { network: "default" },
      authorization: auth,
    });
    assert.equal(cluster.status, 201);
    const address = hosts.at(0).address;
    const host = await call(base, "PUT", `/api/v0/host/${address}`, {
      body: {
        ssh_priv_key: hosts.sshPrivKey,
        remote_user: "commissaire-test",
        cluster: "mycluster",
      },
      authorization: auth,
    });
    assert.equal(host.status, 201);
    const final = await waitFor(
      async () => {
        const h = await call(base, "GET", `/api/v0/host/${address}`, { authorization: auth });
        return h.body.status === "disassociated" ? h.body : null;
      },
      { timeoutMs: 15_000, what: "the host investigated to a final status" },
    );
    assert.equal(final.os, "fedora");
    const shown = await call(base, "GET", "/api/v0/cluster/mycluster", { authorization: auth });
    assert.deepEqual(shown.body.hosts, { total: 1, available: 0, unavailable: 1 });
    assert.equal(statSync(join(dir, "commissaire-data", "users.json")).mode & 0o777, 0o600);
    assert.equal(
      statSync(join(dir, "commissaire-data", "secrets", "HostCreds", `${hosts.at(0).address}.json`))
        .mode & 0o777,
      0o600,
    );
  } finally {
    assert.equal(await first.stop("SIGINT"), 0);
  }
  // Started again: same data, same credentials, no new password printed.
  const second = await startAllInOne(port);
  try {
    assert.ok(!second.stdout.includes("password:"));
    const again = await call(`http://127.0.0.1:${port}`, "GET", "/api/v0/cluster/mycluster/hosts", {
      authorization: basic("admin", password),
    });
    assert.deepEqual(again.body, [hosts.at(0).address]);
  } finally {
    assert.equal(await second.stop("SIGINT"), 0);
  }
});
