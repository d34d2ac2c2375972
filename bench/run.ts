/**
 * `npm run bench [-- --quick]`: the bus and the storage service against the physical limit, in one
 * run. Starts its own redis-server and etcd on free loopback ports; every figure is also given as
 * a ratio to a baseline measured in the same run (a raw Redis round trip; for storage, the bus
 * echo RPC and raw etcd get/put: bench/storage.ts).
 * Prints a table and writes it as JSON under bench/results/. Then the remote layer against plain
 * `ssh` on sshd test hosts (bench/remote.ts), and the amqp:// transport on RabbitMQ (bench/amqp.ts).
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { EtcdServer, RedisServer } from "../test/helpers/servers.js";
import { amqpBench } from "./amqp.js";
import { authBench } from "./auth.js";
import { clusterexecBench } from "./clusterexec.js";
import { faultRun } from "./faults.js";
import { investigatorBench } from "./investigator.js";
import { cpuMicros, Proc, rssMb, runLoad, SCRIPTS } from "./processes.js";
import { remoteBench } from "./remote.js";
import { storageBench, storageTable } from "./storage.js";
import { fmt, textTable } from "./table.js";
import { watcherBench } from "./watcher.js";

const quick = process.argv.includes("--quick");
const DURATION = quick ? 700 : 4000;
const WARMUP = quick ? 200 : 1000;

interface Row {
  name: string;
  concurrency: number;
  services: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
  clientCpuUsPerOp: number;
  serviceCpuUsPerOp: number | null;
  baseline?: string;
  ratio?: string;
  target?: string;
}

const rows: Row[] = [];
const notes: string[] = [];

async function run(
  name: string,
  job: Record<string, unknown>,
  services: Proc[],
  extra: Partial<Row> = {},
): Promise<Row> {
  const before = services.map((s) => cpuMicros(s.pid));
  const m = await runLoad({ durationMs: DURATION, warmupMs: WARMUP, ...job });
  const after = services.map((s) => cpuMicros(s.pid));
  // Service CPU over warmup + measurement, divided over the operations of both (estimated from the rate).
  const serviceCpu = after.reduce((sum, a, i) => sum + (a - before[i]!), 0);
  const totalOps = m.perSecond * ((DURATION + WARMUP) / 1000);
  const row: Row = {
    name,
    concurrency: job.concurrency as number,
    services: services.length,
    perSecond: m.perSecond,
    p50Ms: m.p50Ms,
    p99Ms: m.p99Ms,
    clientCpuUsPerOp: m.clientCpuUsPerOp,
    serviceCpuUsPerOp: services.length ? serviceCpu / totalOps : null,
    ...extra,
  };
  rows.push(row);
  process.stderr.write(
    `  ${name} x${row.concurrency} (${row.services} proc): ${row.perSecond.toFixed(0)}/s p50 ${row.p50Ms.toFixed(3)} ms\n`,
  );
  return row;
}

function printTable(): void {
  const header = [
    "measurement",
    "in flight",
    "procs",
    "req/s",
    "p50 ms",
    "p99 ms",
    "client CPU us/req",
    "service CPU us/req",
    "vs baseline",
    "target",
  ];
  const lines = rows.map((r) => [
    r.name,
    String(r.concurrency),
    String(r.services || "-"),
    fmt(r.perSecond, 0),
    fmt(r.p50Ms, 3),
    fmt(r.p99Ms, 3),
    fmt(r.clientCpuUsPerOp, 0),
    fmt(r.serviceCpuUsPerOp, 0),
    r.ratio ?? "",
    r.target ?? "",
  ]);
  for (const l of textTable(header, lines)) console.log(l);
  for (const n of notes) console.log(n);
}

async function main(): Promise<void> {
  process.stderr.write(
    `benchmark (${quick ? "quick" : "full"}): starting redis-server and etcd on loopback\n`,
  );
  const [redis, etcd] = await Promise.all([RedisServer.start(), EtcdServer.start()]);
  const started: Proc[] = [];
  const start = async (script: string, args: string[], ready: (o: string) => boolean) => {
    const p = await Proc.start(script, args, ready);
    started.push(p);
    return p;
  };
  const stopAll = async (procs: Proc[]) => {
    for (const p of procs) await p.stop();
  };
  try {
    // 1. Baseline: raw Redis request/reply between two processes.
    const raw = await start(SCRIPTS.raw, [redis.url(0), "bench-raw-requests"], (o) =>
      o.includes("READY"),
    );
    const raw1 = await run(
      "raw redis round trip",
      { kind: "raw", url: redis.url(0), concurrency: 1 },
      [raw],
    );
    const raw64 = await run(
      "raw redis round trip",
      { kind: "raw", url: redis.url(0), concurrency: 64 },
      [raw],
    );
    await stopAll([raw]);

    // 2 and 4. Bus RPC to an echo service, with 1, 2 and 4 service processes.
    const echo: Proc[] = [];
    const rpc: Record<number, Row> = {};
    for (const count of [1, 2, 4]) {
      while (echo.length < count)
        echo.push(await start(SCRIPTS.echo, [redis.url(1)], (o) => o.includes("READY")));
      if (count === 1) {
        await new Promise((r) => setTimeout(r, 500).unref()); // let the idle process settle before reading RSS
        notes.push(
          `idle echo service process RSS: ${fmt(rssMb(echo[0]!.pid), 1)} MB (target < 80 MB)`,
        );
        const one = await run(
          "bus rpc (echo)",
          { kind: "rpc", url: redis.url(1), concurrency: 1 },
          echo,
        );
        one.ratio = `p50 x${fmt(one.p50Ms / raw1.p50Ms)}`;
        one.target = "p50 <= 2x raw";
      }
      rpc[count] = await run(
        "bus rpc (echo)",
        { kind: "rpc", url: redis.url(1), concurrency: 64 },
        echo,
      );
      rpc[count]!.ratio = `${fmt(rpc[count]!.perSecond / raw64.perSecond)} of raw`;
      if (count === 1) rpc[count]!.target = ">= 10000/s";
      if (count > 1)
        rpc[count]!.target = `>= x1 proc (${fmt(rpc[count]!.perSecond / rpc[1]!.perSecond)})`;
    }
    await stopAll(echo);

    // 3. Storage on etcd against this run's echo RPC and raw etcd (bench/storage.ts).
    const storage = await storageBench(redis, etcd, { quick });
    notes.push(...storage.notes);
    notes.push(...(await authBench(quick)));

    // 4. Faults: consumers SIGKILLed under load.
    const faults = await faultRun(redis, SCRIPTS.fault, quick ? 5 : 20);
    const f = faults.perThousandKills;
    notes.push(
      `fault run: ${faults.kills} SIGKILLs of service processes under load (${faults.requests} requests, ${faults.answered} answered): ` +
        `lost ${faults.lost}, executed twice ${faults.executedTwice}, expired ${faults.expired}; ` +
        `per 1,000 kills: lost ${fmt(f.lost, 0)}, executed twice ${fmt(f.executedTwice, 0)}, expired ${fmt(f.expired, 0)} (target: 0 lost)`,
    );
    printTable();
    console.log(`\n${storageTable(storage.rows).join("\n")}`);
    const amqp = await amqpBench(quick);
    console.log(`\n${amqp.lines.join("\n")}`);
    const remote = await remoteBench(quick);
    console.log(`\n${remote.lines.join("\n")}`);
    console.log(`\n${(await investigatorBench(quick, remote.figures.openssh)).lines.join("\n")}`);
    console.log(`\n${(await clusterexecBench(quick)).join("\n")}`);
    const watcher = await watcherBench(quick);
    console.log(`\n${watcher.lines.join("\n")}`);
    const dir = join(fileURLToPath(new URL("../../bench/results/", import.meta.url)));
    mkdirSync(dir, { recursive: true });
    const file = join(
      dir,
      `bench-${new Date().toISOString().replace(/[:.]/g, "-")}${quick ? "-quick" : ""}.json`,
    );
    writeFileSync(
      file,
      `${JSON.stringify({ quick, node: process.version, rows, storage: storage.rows, notes, faults, amqp: amqp.figures, remote: remote.figures, watcher: watcher.figures }, null, 2)}\n`,
    );
    console.log(`\nwritten: ${file}`);
  } finally {
    for (const p of started) await p.stop().catch(() => undefined);
    await Promise.all([redis.destroy(), etcd.destroy()]);
  }
}

await main();
