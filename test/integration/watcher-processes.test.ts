/**
 * Two `commissaire-watcher-service` processes on a real Redis share real sshd test hosts through
 * shard leases; one is SIGKILLed: once its leases expire the other checks every host, and no host
 * is ever checked twice in one interval.
 */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { fileURLToPath } from "node:url";
import { Bus } from "../../src/bus/bus.js";
import { Host, HostCreds } from "../../src/models/host.js";
import { StorageClient } from "../../src/storage/client.js";
import { waitFor } from "../../src/testing/index.js";
import { BIN, Running } from "../helpers/cli.js";
import { RedisServer } from "../helpers/servers.js";
import { TestHosts } from "../hosts/harness.js";

const WATCHER = fileURLToPath(new URL("../../src/cli/watcher-service.js", import.meta.url));
const INTERVAL_MS = 2000;
let redis: RedisServer;
let hosts: TestHosts;
let dir: string;
let bus: Bus;
const running: Running[] = [];

interface Check {
  address: string;
  at: number;
  /** When it was due: a host's due times are the same in every process, one per interval. */
  due: number;
  process: number;
}

function checks(): Check[] {
  return running.flatMap((r, process) =>
    r
      .logs()
      .filter((l) => l.msg === "host checked")
      .map((l) => ({
        address: String(l.address),
        at: Number(l.at),
        due: Number(l.due),
        process,
      })),
  );
}

before(async () => {
  [redis, hosts] = await Promise.all([
    RedisServer.start(),
    // 12 hosts: the chance that all fall into one process's half of the shards is 2^-11.
    TestHosts.start(Array.from({ length: 12 }, () => ({ proxy: false }))),
  ]);
  dir = mkdtempSync(join(tmpdir(), "commissaire-watcher-"));
  const conf = (name: string, value: object) => {
    writeFileSync(join(dir, name), JSON.stringify({ bus_uri: redis.url(), ...value }));
    return join(dir, name);
  };
  const storage = Running.start(BIN.storage, [
    "-c",
    conf("storage.conf", {
      storage_handlers: [
        { type: "memory", name: "models", models: ["*"] },
        { type: "secret_memory", name: "secrets", models: ["HostCreds"] },
      ],
    }),
  ]);
  running.push(storage);
  await storage.waitForLog("storage", (r) => r.msg === "service started");
  bus = await Bus.connect(redis.url());
  const client = new StorageClient(bus);
  for (const host of hosts.hosts) {
    await client.save(HostCreds, hosts.creds(host));
    await client.save(Host, { address: host.address, status: "active" });
  }
  const watcherConf = conf("watcher.conf", { interval: INTERVAL_MS / 1000, check_timeout: 1 });
  for (let i = 0; i < 2; i++) {
    const w = Running.start(WATCHER, ["-c", watcherConf, "--log-level", "debug"]);
    running.push(w);
    // A process start takes seconds on a loaded machine (module loading): a longer deadline.
    await w.waitForLog("watcher", (r) => r.msg === "service started", 40_000);
  }
});
after(async () => {
  for (const r of running) await r.stop("SIGKILL").catch(() => undefined);
  await bus?.close();
  await Promise.all([redis?.destroy(), hosts?.destroy()]);
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test("two processes share the hosts; one SIGKILLed, the other checks them all, none twice", async () => {
  const addresses = hosts.hosts.map((h) => h.address);
  // Both processes know each other once each checks some hosts and not others.
  await waitFor(
    () => {
      const recent = checks().filter((c) => c.at > Date.now() - 1.5 * INTERVAL_MS);
      return (
        new Set(recent.map((c) => c.process)).size === 2 &&
        addresses.every((a) => recent.some((c) => c.address === a))
      );
    },
    { timeoutMs: 20_000, intervalMs: 100, what: "both processes checking" },
  );
  const killedAt = Date.now();
  await running[2]!.stop("SIGKILL");
  // Shard leases of 3 s renewed every second: free 3 s after the kill, taken within a second
  // more, every host checked within one interval after that.
  const deadline = killedAt + 3000 + 2 * INTERVAL_MS;
  await waitFor(
    () =>
      addresses.every((a) =>
        checks().some((c) => c.address === a && c.process === 1 && c.at > killedAt + 3000),
      ),
    {
      // Slack for a loaded machine, where checks over SSH and process wake-ups run late: what
      // is checked is that the survivor takes every host, not how fast.
      timeoutMs: deadline - Date.now() + 20_000,
      intervalMs: 100,
      what: "every host checked by the survivor",
    },
  );
  // Each interval has one due time per host: two checks of one due time are a double check.
  for (const a of addresses) {
    const of = checks().filter((c) => c.address === a);
    assert.ok(of.length >= 2, `${a} checked ${of.length} times`); // before the kill and after
    const dues = of.map((c) => c.due);
    assert.equal(new Set(dues).size, dues.length, `${a} checked twice in one interval: ${dues}`);
  }
});
