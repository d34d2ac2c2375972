/** Counts the stored hosts by status, on a timer and whenever a host changes; retires a host. */
import {
  CommissaireService,
  Host,
  type ServiceDefinition,
  type ServiceOptions,
  StorageClient,
  withParams,
  z,
} from "commissaire-ts";

export class InventoryService extends CommissaireService {
  readonly name = "inventory";
  // `subscriber: this`: its subscriptions close when the service stops.
  readonly storage = new StorageClient(this.bus, { subscriber: this });
  counts: Record<string, number> = {};

  constructor(options: ServiceOptions) {
    super(options);
    const interval = Number(this.config.interval_ms ?? 60_000);
    this.every(interval, () => this.recount(), { immediate: true, jitterMs: interval / 10 });
  }

  protected override async onStart(): Promise<void> {
    await this.storage.onNotify(() => this.recount(), Host);
  }

  async recount(): Promise<void> {
    const counts: Record<string, number> = {};
    for (const host of await this.storage.list(Host)) {
      const status = host.status || "unknown";
      counts[status] = (counts[status] ?? 0) + 1;
    }
    this.counts = counts;
  }

  on_summary(): Record<string, number> {
    return this.counts;
  }

  on_retire = withParams(z.object({ address: z.string().min(1) }), async ({ address }) => {
    const host = await this.storage.getHost(address);
    const saved = await this.storage.save(Host, { ...host, status: "disassociated" });
    return saved.status;
  });
}

/** `serviceMain(inventory, "inventory-service")` makes it a binary with every common option. */
export const inventory: ServiceDefinition = {
  name: "inventory",
  description: "Counts hosts by status",
  create: ({ bus, config, logger }) => new InventoryService({ bus, config, logger }),
};
