/**
 * One watcher process under load (run by bench/watcher.ts in a process of its own): a memory
 * storage service and the watcher on one memory bus, N hosts stored as active, checked through a
 * fake remote with 5-20 ms latency or over SSH to test hosts. Prints one JSON line of figures.
 */
import { loadavg } from "node:os";
import { Host, HostCreds } from "../src/models/host.js";
import type { RemoteTarget } from "../src/remote/credentials.js";
import { RemoteError } from "../src/remote/errors.js";
import type { RemoteConnector, RemoteExecutor } from "../src/remote/executor.js";
import { SshPool } from "../src/remote/pool.js";
import { WatcherService } from "../src/services/watcher/service.js";
import { percentile } from "../src/services/watcher/stats.js";
import { startTestService } from "../src/testing/index.js";

interface Job {
  hosts?: number;
  creds?: { address: string; ssh_priv_key: string; remote_user: string }[];
  intervalS: number;
  warmupS: number;
  measureS: number;
}

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A check that costs what a quick SSH round trip costs in waiting: 5-20 ms. */
class LatentRemote implements RemoteConnector {
  async open(target: { address: string }): Promise<RemoteExecutor> {
    await pause(5 + Math.random() * 15);
    return {
      address: target.address,
      hostKey: "",
      run: async () => ({
        stdout: "11111111-2222-3333-4444-555555555555\n",
        stderr: "",
        exitCode: 0,
      }),
      readFile: async () => Buffer.alloc(0),
      writeFile: async () => undefined,
      facts: async () => {
        throw new Error("not in this benchmark");
      },
      close: async () => undefined,
    };
  }
  async close(): Promise<void> {}
}

/** Why checks failed, by the remote layer's error kind (a check past its deadline: "deadline"). */
const failures: Record<string, number> = {};
const failedBy = (kind: string) => {
  failures[kind] = (failures[kind] ?? 0) + 1;
};

/** The SSH pool, counting its errors by kind. */
class CountingRemote implements RemoteConnector {
  constructor(private readonly inner: RemoteConnector) {}
  async open(target: RemoteTarget): Promise<RemoteExecutor> {
    const executor = await this.inner.open(target).catch((err: unknown) => {
      failedBy(err instanceof RemoteError ? err.kind : "other");
      throw err;
    });
    return {
      address: executor.address,
      hostKey: executor.hostKey,
      run: (command, options) =>
        executor.run(command, options).catch((err: unknown) => {
          failedBy(err instanceof RemoteError ? err.kind : "other");
          throw err;
        }),
      readFile: (path, options) => executor.readFile(path, options),
      writeFile: (path, data, options) => executor.writeFile(path, data, options),
      facts: (options) => executor.facts(options),
      close: () => executor.close(),
    };
  }
  close(): Promise<void> {
    return this.inner.close();
  }
}

const job = JSON.parse(process.argv[2]!) as Job;
const remote: RemoteConnector = job.creds
  ? new CountingRemote(new SshPool({ maxConnections: 50 }))
  : new LatentRemote();
const config = { interval: job.intervalS, check_timeout: 5, concurrency: 200 };
const t = await startTestService((bus) => new WatcherService({ bus, config, remote }), {
  storage: true,
});
const creds =
  job.creds ??
  Array.from({ length: job.hosts! }, (_, i) => ({
    address: `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`,
    ssh_priv_key: "",
    remote_user: "root",
  }));
for (let i = 0; i < creds.length; i += 500) {
  const part = creds.slice(i, i + 500);
  await t.storage.saveMany(HostCreds, part);
  await t.storage.saveMany(
    Host,
    part.map((c) => ({ address: c.address, status: "active" as const })),
  );
}
await t.service.reload();
await pause(job.warmupS * 1000);

const late: number[] = [];
const seen = new Map<string, number>();
let failed = 0;
const record = t.service.stats.recordStart.bind(t.service.stats);
t.service.stats.recordStart = (ms: number) => {
  late.push(ms);
  record(ms);
};
t.service.onCheck = (address, ok) => {
  seen.set(address, (seen.get(address) ?? 0) + 1);
  if (!ok) failed += 1;
};
const writes0 = t.service.writer.writes;
const records0 = t.service.writer.records;
const load0 = loadavg()[0]!;
const cpu0 = process.cpuUsage();
const wall0 = performance.now();
await pause(job.measureS * 1000);
const cpu = process.cpuUsage(cpu0);
const wallMs = performance.now() - wall0;
late.sort((a, b) => a - b);
const minutes = wallMs / 60_000;
const figures = {
  hosts: creds.length,
  intervalS: job.intervalS,
  checks: late.length,
  hostsChecked: seen.size,
  failed,
  latenessP50Ms: percentile(late, 50),
  latenessP99Ms: percentile(late, 99),
  cpuShare: (cpu.user + cpu.system) / 1000 / wallMs,
  rssMb: process.memoryUsage().rss / 1024 / 1024,
  storageWritesPerMinute: (t.service.writer.writes - writes0) / minutes,
  recordsWrittenPerMinute: (t.service.writer.records - records0) / minutes,
  failureKinds: failures,
  loadAverage: [load0, loadavg()[0]!],
};
await t.close();
await remote.close(); // handed in: the watcher leaves it open
process.stdout.write(`${JSON.stringify(figures)}\n`);
process.exit(0);
