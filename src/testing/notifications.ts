/**
 * Storage notifications recorded from the moment a test starts listening, so a test waits for one
 * without racing the write that causes it.
 */
import type { Bus, StorageEvent, Subscription } from "../bus/bus.js";
import type { ModelType } from "../models/index.js";
import { waitFor } from "./wait-for.js";

export interface StorageNotification {
  event: StorageEvent;
  class: string;
  model: Record<string, unknown>;
}

export class NotificationRecorder {
  readonly seen: StorageNotification[] = [];
  private subscription: Subscription | undefined;

  /** Starts recording every `notify.storage.#` message on the bus. */
  static async start(bus: Bus): Promise<NotificationRecorder> {
    const recorder = new NotificationRecorder();
    recorder.subscription = await bus.subscribe("notify.storage.#", (body) => {
      recorder.seen.push(body as StorageNotification);
    });
    return recorder;
  }

  /**
   * The first notification (recorded since start) for that model type and event whose model
   * satisfies the predicate; waits for it up to timeoutMs.
   */
  async waitFor(
    type: ModelType | string,
    event: StorageEvent,
    predicate: (model: Record<string, unknown>) => boolean = () => true,
    timeoutMs = 5000,
  ): Promise<StorageNotification> {
    const name = typeof type === "string" ? type : type.name;
    return waitFor(
      () => this.seen.find((n) => n.class === name && n.event === event && predicate(n.model)),
      { timeoutMs, what: `a ${name} ${event} notification` },
    );
  }

  async close(): Promise<void> {
    await this.subscription?.close();
  }
}
