/**
 * The amqp:// transport beside redis: our RPC to an echo service at 1 and 64 in flight with 1 and
 * 2 service processes, against the same run's raw amqplib request/reply on the same RabbitMQ
 * (bench/amqp-raw-server.ts). Targets (issue 21): p50 within 2x of raw at 1 in flight; at least
 * 5,000 calls/s at 64 in flight on one service process.
 * Alone: `node dist/bench/amqp.js [--quick]`.
 */
import { fileURLToPath } from "node:url";
import { RabbitServer } from "../test/helpers/rabbitmq-server.js";
import type { Measurement } from "./measure.js";
import { Proc, runLoad, SCRIPTS } from "./processes.js";

const RAW_SERVER = fileURLToPath(new URL("./amqp-raw-server.js", import.meta.url));

export async function amqpBench(quick: boolean): Promise<{ lines: string[]; figures: unknown }> {
  const timing = { durationMs: quick ? 700 : 4000, warmupMs: quick ? 200 : 1000 };
  const server = await RabbitServer.start();
  const started: Proc[] = [];
  const ready = (o: string) => o.includes("READY");
  const figures: Record<string, Measurement> = {};
  const lines = ["amqp (RabbitMQ) request/reply:"];
  const load = async (label: string, job: Record<string, unknown>) => {
    const m: Measurement = await runLoad({ ...timing, url: server.url(), ...job });
    figures[label] = m;
    return m;
  };
  const line = (label: string, m: Measurement, vs: string) =>
    lines.push(
      `  ${label.padEnd(34)} ${m.perSecond.toFixed(0).padStart(7)}/s  p50 ${m.p50Ms.toFixed(3)} ms  p99 ${m.p99Ms.toFixed(3)} ms  ${vs}`,
    );
  try {
    started.push(await Proc.start(RAW_SERVER, [server.url(), "bench-raw-requests"], ready));
    const raw1 = await load("raw x1", { kind: "amqp-raw", concurrency: 1 });
    const raw64 = await load("raw x64", { kind: "amqp-raw", concurrency: 64 });
    line("raw amqplib x1", raw1, "(baseline)");
    line("raw amqplib x64", raw64, "(baseline)");
    await started.pop()!.stop();
    for (const count of [1, 2]) {
      while (started.length < count)
        started.push(await Proc.start(SCRIPTS.echo, [server.url()], ready));
      const one = await load(`rpc x1 ${count}p`, { kind: "rpc", concurrency: 1 });
      const many = await load(`rpc x64 ${count}p`, { kind: "rpc", concurrency: 64 });
      line(
        `bus rpc x1, ${count} service proc`,
        one,
        `p50 x${(one.p50Ms / raw1.p50Ms).toFixed(2)} raw (target <= 2x)`,
      );
      line(
        `bus rpc x64, ${count} service proc`,
        many,
        `${(many.perSecond / raw64.perSecond).toFixed(2)} of raw${count === 1 ? " (target >= 5000/s)" : ""}`,
      );
    }
  } finally {
    for (const p of started) await p.stop().catch(() => undefined);
    await server.destroy();
  }
  return { lines, figures };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { lines } = await amqpBench(process.argv.includes("--quick"));
  console.log(lines.join("\n"));
}
