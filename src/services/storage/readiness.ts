/**
 * Waiting for the stores: every handler is probed until it answers. Until all do, the service
 * says in its log which one it is waiting for, and requests are answered with -32603 "store
 * <name> unavailable" (`data.unavailable: true`, which the REST server turns into 503).
 */
import type { Logger } from "../../base/logger.js";
import { InternalError } from "../../bus/errors.js";
import type { StoreHandler } from "../../storage/handler.js";

const FIRST_RETRY_MS = 200;
const MAX_RETRY_MS = 5000;
/** A store still not answering is mentioned again this often. */
const REMIND_MS = 30_000;

export function storeUnavailable(store: string, cause?: string): InternalError {
  return new InternalError(`store ${store} unavailable${cause ? `: ${cause}` : ""}`, {
    store,
    unavailable: true,
  });
}

export class StoreReadiness {
  private readonly waiting = new Set<string>();
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private resolveReady: () => void = () => undefined;
  readonly ready: Promise<void>;

  constructor(
    private readonly handlers: ReadonlyMap<string, StoreHandler>,
    private readonly logger: Logger,
  ) {
    for (const name of handlers.keys()) this.waiting.add(name);
    this.ready = new Promise((resolve) => (this.resolveReady = resolve));
  }

  /**
   * Probes until every store answers; resolves `ready` then. The first round is awaited (up to
   * `firstRoundMs`), so a service whose stores answer at once never refuses a request.
   */
  async start(firstRoundMs = 2000): Promise<void> {
    this.stopped = false;
    const lastSaid = new Map<string, number>();
    let delay = FIRST_RETRY_MS;
    const round = async () => {
      for (const name of [...this.waiting]) {
        try {
          await this.handlers.get(name)!.probe();
          this.waiting.delete(name);
          if (lastSaid.has(name)) this.logger.info({ store: name }, "store answers now");
        } catch (err) {
          const said = lastSaid.get(name);
          if (said === undefined || Date.now() - said >= REMIND_MS) {
            lastSaid.set(name, Date.now());
            this.logger.warn(
              { store: name, err: (err as Error).message },
              `waiting for store ${name} to answer`,
            );
          }
        }
      }
      if (this.stopped) return;
      if (this.waiting.size === 0) return this.resolveReady();
      this.timer = setTimeout(() => void round(), delay);
      delay = Math.min(delay * 2, MAX_RETRY_MS);
    };
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      round(),
      new Promise((resolve) => {
        timer = setTimeout(resolve, firstRoundMs);
      }),
    ]);
    clearTimeout(timer);
  }

  /** Throws -32603 "store <name> unavailable" while one of these stores has not answered yet. */
  check(stores: readonly string[]): void {
    const first = stores.find((name) => this.waiting.has(name));
    if (first !== undefined) throw storeUnavailable(first);
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }
}
