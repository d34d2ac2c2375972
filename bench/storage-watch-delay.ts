/**
 * Watch delay: one etcd store handler saves a Host, another (its own connections and watch, as a
 * second storage process has) waits until its cache holds that revision. Prints one JSON line.
 * argv: JSON { url, writes }.
 */
import { Host } from "../src/models/index.js";
import { EtcdStoreHandler } from "../src/storage/handlers/etcd.js";

export interface WatchDelay {
  writes: number;
  /** From the start of a save until the other handler's cache has it. */
  p50Ms: number;
  p99Ms: number;
  /** The save itself (until etcd confirmed it to the writer). */
  saveP50Ms: number;
}

const percentile = (values: number[], p: number) =>
  [...values].sort((a, b) => a - b)[
    Math.min(values.length - 1, Math.floor((p / 100) * values.length))
  ]!;

if (process.argv[2]) {
  const { url, writes } = JSON.parse(process.argv[2]) as { url: string; writes: number };
  const handler = (name: string) =>
    new EtcdStoreHandler({ name, options: { server_url: url }, env: {} });
  const [writer, reader] = [handler("writer"), handler("reader")];
  await Promise.all([writer.probe(), reader.probe()]);
  const delays: number[] = [];
  const saves: number[] = [];
  for (let i = 0; i < writes; i++) {
    const record = Host.toJson(Host.parse({ address: "10.255.0.1", cpus: i % 64 }));
    const started = performance.now();
    const { revision } = await writer.save(Host, "10.255.0.1", record);
    saves.push(performance.now() - started);
    await reader.reads!.list(Host, { minRevision: revision });
    delays.push(performance.now() - started);
  }
  await Promise.all([writer.close(), reader.close()]);
  const result: WatchDelay = {
    writes,
    p50Ms: percentile(delays, 50),
    p99Ms: percentile(delays, 99),
    saveP50Ms: percentile(saves, 50),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
}
