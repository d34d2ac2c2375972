/**
 * The investigator: takes `jobs.investigate` (a notification from the REST server, ours or the
 * original's), and brings the host to a final status under its storage lease (named by the host address).
 * At start, and now and then, it takes up hosts left investigating or bootstrapping whose lease
 * expired (an investigator killed mid-host), so every host reaches a final status.
 */

import { randomUUID } from "node:crypto";
import { z } from "zod";
import { StoragePreconditionError } from "../../bus/errors.js";
import { Host } from "../../models/index.js";
import type { RemoteConnector } from "../../remote/executor.js";
import { SshPool } from "../../remote/pool.js";
import { readRemoteSettings } from "../../remote/settings.js";
import { withParams } from "../../service/handler.js";
import type { Figure } from "../../service/health.js";
import type { QueueDeclaration, ServiceOptions } from "../../service/service.js";
import { CommissaireService } from "../../service/service.js";
import { StorageClient } from "../../storage/client.js";
import { hostLeaseName } from "../../storage/host-lease.js";
import { type InvestigationResult, investigate, OPEN_STATUSES } from "./investigation.js";

const investigateParams = z.object({
  address: z.string().min(1),
  cluster_data: z.record(z.string(), z.unknown()).default({}),
  /** Ours: the cluster the REST server added the host to. */
  cluster_name: z.string().optional(),
});

export interface InvestigatorOptions extends ServiceOptions {
  /** The remote layer (an SshPool from the configuration's `remote` member by default). */
  remote?: RemoteConnector;
}

const seconds = (value: unknown, fallback: number) => {
  const n = Number(value ?? fallback);
  return Number.isFinite(n) && n > 0 ? n : fallback;
};

export class InvestigatorService extends CommissaireService {
  readonly name = "investigator";
  readonly storage = new StorageClient(this.bus, { subscriber: this });
  readonly remote: RemoteConnector;
  /** The remote layer was opened here (not handed in): this service closes it at stop. */
  private readonly ownsRemote: boolean;
  /** This process's name on the host leases. */
  readonly holder = `investigator-${randomUUID()}`;
  private readonly leaseSeconds: number;
  private readonly registerTimeoutMs: number;
  private readonly fallbackEtcdUrl: string;
  /** Hosts this process is investigating now (a second request for one waits for nothing). */
  private readonly running = new Set<string>();
  private investigations = 0;

  /** Health and metrics: investigations running now, and started since the process began. */
  override figures(): Record<string, Figure> {
    return {
      investigations_running: { help: "Hosts being investigated now", value: this.running.size },
      investigations_total: {
        help: "Investigations started by this process",
        value: this.investigations,
        type: "counter",
      },
    };
  }

  constructor(options: InvestigatorOptions) {
    super(options);
    this.ownsRemote = !options.remote;
    this.remote =
      options.remote ?? new SshPool(readRemoteSettings(this.config.remote), this.logger);
    this.leaseSeconds = seconds(this.config.lease_seconds, 60);
    this.registerTimeoutMs = seconds(this.config.register_timeout_seconds, 60) * 1000;
    this.fallbackEtcdUrl =
      typeof this.config.etcd_server_url === "string"
        ? this.config.etcd_server_url
        : "http://127.0.0.1:2379";
    const every = seconds(this.config.recover_interval_seconds, 60) * 1000;
    this.every(every, () => this.recover(), { immediate: true, jitterMs: every / 10 });
  }

  override queues(): QueueDeclaration[] {
    return [{ name: "investigator", routingKeys: ["jobs.investigate"] }];
  }

  protected override async onStop(): Promise<void> {
    // A remote layer handed in belongs to the caller, who may share it with other services.
    if (this.ownsRemote) await this.remote.close();
  }

  on_investigate = withParams(investigateParams, ({ address, cluster_data, cluster_name }) => {
    const named =
      cluster_name ?? (typeof cluster_data.name === "string" ? cluster_data.name : undefined);
    return this.investigateLeased(address, named);
  });

  /** Hosts left in an open status whose lease nobody holds: investigated again. */
  async recover(): Promise<void> {
    let hosts: Host[];
    try {
      hosts = await this.storage.list(Host);
    } catch (err) {
      this.logger.warn({ err: (err as Error).message }, "hosts not read yet");
      return;
    }
    const open = hosts.filter((h) => h.status && OPEN_STATUSES.has(h.status));
    await Promise.all(open.map((h) => this.investigateLeased(h.address, undefined)));
  }

  /** The investigation under the host's lease, renewed while it runs. */
  async investigateLeased(
    address: string,
    clusterName: string | undefined,
  ): Promise<InvestigationResult | { address: string; busy: true }> {
    if (this.running.has(address)) return { address, busy: true };
    // One lease per host, whoever works on it (the watcher and cluster execution honour it).
    const lease = hostLeaseName(address);
    try {
      await this.storage.acquireLease(lease, this.holder, this.leaseSeconds);
    } catch (err) {
      if (err instanceof StoragePreconditionError) return { address, busy: true };
      throw err;
    }
    this.running.add(address);
    this.investigations += 1;
    const renew = setInterval(
      () => {
        this.storage
          .renewLease(lease, this.holder, this.leaseSeconds)
          .catch((err: unknown) =>
            this.logger.warn({ address, err: (err as Error).message }, "host lease not renewed"),
          );
      },
      (this.leaseSeconds * 1000) / 3,
    );
    try {
      return await investigate(
        {
          bus: this.bus,
          storage: this.storage,
          remote: this.remote,
          logger: this.logger,
          registerTimeoutMs: this.registerTimeoutMs,
          fallbackEtcdUrl: this.fallbackEtcdUrl,
        },
        address,
        clusterName,
      );
    } finally {
      clearInterval(renew);
      this.running.delete(address);
      await this.storage.releaseLease(lease, this.holder).catch(() => undefined);
    }
  }
}
