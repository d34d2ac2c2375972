/**
 * Metrics of a service run as N workers (`--workers N --metrics-port P`): the manager alone listens
 * on the port; at each scrape it asks every worker over the fork IPC channel for its figures
 * (prom-client's JSON form) and serves their sum (prom-client's AggregatorRegistry: counters and
 * histograms summed, so requests_total is the service's whole). A worker that does not answer
 * within the deadline is left out of that scrape.
 */
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import {
  AggregatorRegistry,
  type MetricObjectWithValues,
  type MetricValue,
  type Registry,
} from "prom-client";

const ASK = "commissaire.metrics.ask";
const ANSWER = "commissaire.metrics.answer";
export const WORKER_METRICS_TIMEOUT_MS = 2000;

type WorkerMetrics = MetricObjectWithValues<MetricValue<string>>[];

interface Ask {
  type: typeof ASK;
  id: string;
}
interface Answer {
  type: typeof ANSWER;
  id: string;
  metrics: WorkerMetrics;
}

const isAsk = (m: unknown): m is Ask =>
  typeof m === "object" && m !== null && (m as { type?: unknown }).type === ASK;
const isAnswer = (m: unknown): m is Answer =>
  typeof m === "object" && m !== null && (m as { type?: unknown }).type === ANSWER;

/** In a worker: answers the manager's asks with this registry. Returns how to stop answering. */
export function answerMetricsAsks(registry: Registry): () => void {
  const send = process.send?.bind(process);
  if (!send) return () => undefined;
  const onMessage = (message: unknown) => {
    if (!isAsk(message)) return;
    void registry.getMetricsAsJSON().then((metrics) => {
      if (process.connected) send({ type: ANSWER, id: message.id, metrics } satisfies Answer);
    });
  };
  process.on("message", onMessage);
  // Removing the listener lets go of the IPC channel: it no longer keeps a stopped worker alive.
  return () => process.off("message", onMessage);
}

function askOne(child: ChildProcess, timeoutMs: number): Promise<WorkerMetrics | undefined> {
  if (!child.connected) return Promise.resolve(undefined);
  const id = randomUUID();
  return new Promise((resolve) => {
    const done = (value: WorkerMetrics | undefined) => {
      clearTimeout(timer);
      child.off("message", onMessage);
      resolve(value);
    };
    const onMessage = (message: unknown) => {
      if (isAnswer(message) && message.id === id) done(message.metrics);
    };
    const timer = setTimeout(() => done(undefined), timeoutMs);
    child.on("message", onMessage);
    child.send({ type: ASK, id } satisfies Ask, (err) => err && done(undefined));
  });
}

/** The workers' figures summed, in the text exposition format. */
export async function aggregateWorkers(
  children: ChildProcess[],
  timeoutMs = WORKER_METRICS_TIMEOUT_MS,
): Promise<{ contentType: string; text: string; answered: number }> {
  const answers = (await Promise.all(children.map((c) => askOne(c, timeoutMs)))).filter(
    (a): a is WorkerMetrics => a !== undefined,
  );
  const registry = AggregatorRegistry.aggregate(answers);
  return {
    contentType: registry.contentType,
    text: await registry.metrics(),
    answered: answers.length,
  };
}
