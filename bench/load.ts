/**
 * A load generator in its own process: one kind of operation, closed loop, prints one JSON line
 * with the Measurement. argv: JSON { kind, url, concurrency, durationMs, warmupMs, hosts? }.
 */
import { randomUUID } from "node:crypto";
import { Redis } from "ioredis";
import { Bus } from "../src/bus/bus.js";
import { EtcdClient } from "../src/config/etcd-client.js";
import { rawAmqpOp } from "./amqp-raw-client.js";
import { measure } from "./measure.js";

interface Job {
  kind:
    | "raw"
    | "amqp-raw"
    | "amqp-raw-durable"
    | "rpc"
    | "save"
    | "get"
    | "list"
    | "etcd-put"
    | "etcd-get";
  url: string;
  concurrency: number;
  durationMs: number;
  warmupMs: number;
  /** For get: how many hosts are stored (addresses 10.0.<i/256>.<i%256>). */
  hosts?: number;
}

const job = JSON.parse(process.argv[2]!) as Job;
const PAYLOAD = "x".repeat(600);
const address = (i: number) => `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`;

async function rawOp(): Promise<{ op: (i: number) => Promise<unknown>; close: () => void }> {
  const command = new Redis(job.url);
  const blocking = new Redis(job.url);
  const replies = `bench-raw-reply-${randomUUID()}`;
  const waiting = new Map<string, () => void>();
  let open = true;
  void (async () => {
    while (open) {
      const popped = await blocking.brpop(replies, 1).catch(() => null);
      if (!popped) continue;
      const raw = popped[1];
      const id = raw.slice(raw.indexOf("\t") + 1, raw.indexOf("\t", raw.indexOf("\t") + 1));
      waiting.get(id)?.();
      waiting.delete(id);
    }
  })();
  return {
    op: (i) =>
      new Promise<void>((resolve) => {
        const id = String(i);
        waiting.set(id, resolve);
        void command.lpush("bench-raw-requests", `${replies}\t${id}\t${PAYLOAD}`);
      }),
    close: () => {
      open = false;
      command.disconnect();
      blocking.disconnect();
    },
  };
}

async function main(): Promise<void> {
  let op: (i: number) => Promise<unknown>;
  let close: () => Promise<void> | void;
  if (job.kind === "raw") {
    ({ op, close } = await rawOp());
  } else if (job.kind === "amqp-raw" || job.kind === "amqp-raw-durable") {
    const durable = job.kind === "amqp-raw-durable";
    const queue = durable ? "bench-raw-durable-requests" : "bench-raw-requests";
    ({ op, close } = await rawAmqpOp(job.url, queue, PAYLOAD, durable));
  } else if (job.kind === "etcd-put" || job.kind === "etcd-get") {
    // The client the storage service itself uses, so the ratio shows the service's own overhead.
    const etcd = new EtcdClient({ hosts: [job.url] });
    const value = JSON.stringify({
      address: "10.0.0.1",
      status: "active",
      os: "fedora",
      cpus: 4,
      memory: 8,
      space: 100,
      last_check: "",
      source: "",
    });
    await etcd.put("/bench/raw/0", value);
    op =
      job.kind === "etcd-put"
        ? (i) => etcd.put(`/bench/raw/${i % 1000}`, value)
        : () => etcd.get("/bench/raw/0");
    close = () => etcd.close();
  } else {
    const bus = Bus.connect(job.url, { timeoutMs: 30_000 });
    close = () => bus.close();
    const hosts = job.hosts ?? 1000;
    if (job.kind === "rpc") op = () => bus.request("bench.echo", { data: PAYLOAD });
    else if (job.kind === "save") {
      // Over the stored hosts' addresses, so the store keeps its size for the list measurement.
      op = (i) =>
        bus.request("storage.save", {
          model_type_name: "Host",
          model_json_data: { address: address(i % hosts), os: "fedora", cpus: i % 64 },
        });
    } else if (job.kind === "get") {
      op = (i) =>
        bus.request("storage.get", {
          model_type_name: "Host",
          model_json_data: { address: address(i % hosts) },
        });
    } else op = () => bus.request("storage.list", { model_type_name: "Hosts" });
  }
  const result = await measure(op, job);
  await close();
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}

await main();
