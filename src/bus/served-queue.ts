/**
 * A queue being served: deliveries go to a handler, are acknowledged when it finishes (whatever it
 * returned or threw), and a graceful stop lets what is in flight finish before giving back, never
 * losing, what could not.
 */
import type { Logger } from "../base/logger.js";
import { deadlineOf, isExpired } from "./deadline.js";
import type { ConsumeOptions, Consumer, Delivery, Transport } from "./transport.js";

export type DeliveryHandler = (delivery: Delivery) => Promise<void>;

export interface DrainResult {
  /** Deliveries that finished and were acknowledged during the stop. */
  finished: number;
  /** Deliveries that did not finish in time and were put back on their queue. */
  restored: number;
}

/** What the bus counts for its owner (tests, metrics). */
export interface BusCounters {
  /** Requests dropped because their deadline had passed before a handler could start. */
  expired: number;
  /** Messages the transport took out of circulation (poison, oversized). */
  deadLettered: number;
  /** Times the broker connection was lost, and re-established (bindings declared again). */
  connectionsLost: number;
  reconnects: number;
  /** Requests handed to a handler that had been delivered before (a consumer died holding them). */
  redelivered: number;
}

export class ServedQueue {
  private readonly consumer: Consumer;
  private readonly running = new Set<Promise<void>>();
  private finishedDuringStop = 0;
  private stopping = false;

  constructor(
    transport: Transport,
    queues: string[],
    private readonly handler: DeliveryHandler,
    options: Omit<ConsumeOptions, "noAck">,
    private readonly logger: Logger,
    private readonly counters: BusCounters,
  ) {
    this.consumer = transport.consume(queues, (d) => this.run(d), { ...options, noAck: false });
  }

  get inFlight(): number {
    return this.running.size;
  }

  private run(delivery: Delivery): void {
    if (isExpired(delivery.envelope)) {
      // The caller has given up: running it now could only overwrite newer work with stale work.
      this.counters.expired += 1;
      this.logger.warn(
        {
          routingKey: delivery.routingKey,
          deadline: deadlineOf(delivery.envelope),
          lateMs: Date.now() - (deadlineOf(delivery.envelope) ?? 0),
          redelivered: delivery.redelivered,
        },
        "request past its deadline dropped",
      );
      void this.consumer
        .reject(delivery, false)
        .catch((err) => this.logger.error({ err }, "dropping an expired request failed"));
      return;
    }
    if (delivery.redelivered) this.counters.redelivered += 1;
    const task = (async () => {
      try {
        await this.handler(delivery);
      } catch (err) {
        // A handler must answer errors itself; anything that escapes is logged, and the message is
        // acknowledged all the same: redelivering a message that breaks its handler loops forever.
        this.logger.error(
          { err, routingKey: delivery.routingKey },
          "unhandled error while handling a message",
        );
      }
      await this.consumer
        .ack(delivery)
        .catch((err) => this.logger.error({ err }, "acknowledgement failed"));
      if (this.stopping) this.finishedDuringStop += 1;
    })();
    this.running.add(task);
    void task.finally(() => this.running.delete(task));
  }

  /**
   * Stops taking messages, waits up to timeoutMs for the handlers in flight, then puts back on the
   * queue whatever is still unfinished (its handler may go on, but its acknowledgement is void).
   */
  async stop(timeoutMs: number): Promise<DrainResult> {
    this.stopping = true;
    await this.consumer.stop();
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([Promise.allSettled([...this.running]), timedOut]);
    clearTimeout(timer);
    const restored = await this.consumer.restoreUnsettled();
    if (restored) this.logger.warn({ restored }, "unfinished messages put back on the queue");
    return { finished: this.finishedDuringStop, restored };
  }
}
