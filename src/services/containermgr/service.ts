/**
 * The containermgr service: `container.*` calls routed to the container manager they name. The
 * managers themselves (kubernetes, openshift, trivial) live in src/containermgr/.
 */
import { z } from "zod";
import { ContainerManagerConfig } from "../../models/index.js";
import { withParams } from "../../service/handler.js";
import type { QueueDeclaration, ServiceOptions } from "../../service/service.js";
import { CommissaireService } from "../../service/service.js";
import { StorageClient } from "../../storage/client.js";
import { ManagerSet } from "./managers.js";

const managerName = z.string().min(1);
const address = z.string().min(1);
const onNode = z.object({ container_manager_name: managerName, address });
const onManager = z.object({ container_manager_name: managerName });

export const DEFAULT_REFRESH_SECONDS = 60;

export class ContainerManagerService extends CommissaireService {
  readonly name = "containermgr";
  readonly storage = new StorageClient(this.bus, { subscriber: this });
  readonly managers: ManagerSet;

  constructor(options: ServiceOptions) {
    super(options);
    this.managers = new ManagerSet(this.storage, this.logger);
    // A full reload now and then heals what a missed notification (storage restarted, bus
    // down for a while) left stale.
    const seconds = Number(this.config.refresh_interval_seconds ?? DEFAULT_REFRESH_SECONDS);
    const interval = Number.isFinite(seconds) && seconds > 0 ? seconds * 1000 : 60_000;
    this.every(interval, () => this.managers.reload(), { jitterMs: interval / 10 });
  }

  override queues(): QueueDeclaration[] {
    return [{ name: "containermgr", routingKeys: ["container.*"] }];
  }

  protected override async onStart(): Promise<void> {
    // Subscribed before the first read, so no change falls between the two.
    await this.storage.onNotify(
      (event, model) => this.managers.changed(String(model.name), event === "deleted"),
      ContainerManagerConfig,
    );
    try {
      await this.managers.reload();
    } catch (err) {
      // Storage may start after us: the periodic reload picks the managers up then.
      this.logger.warn({ err: (err as Error).message }, "container managers not read yet");
    }
  }

  protected override async onStop(): Promise<void> {
    this.managers.close();
  }

  on_node_registered = withParams(onNode, ({ container_manager_name, address }) =>
    this.managers.get(container_manager_name).nodeRegistered(address),
  );

  on_register_node = withParams(onNode, ({ container_manager_name, address }) =>
    this.managers.get(container_manager_name).registerNode(address),
  );

  on_remove_node = withParams(onNode, ({ container_manager_name, address }) =>
    this.managers.get(container_manager_name).removeNode(address),
  );

  on_remove_all_nodes = withParams(onManager, ({ container_manager_name }) =>
    this.managers.get(container_manager_name).removeAllNodes(),
  );

  on_get_node_status = withParams(onNode, ({ container_manager_name, address }) =>
    this.managers.get(container_manager_name).getNodeStatus(address),
  );

  /** Ours: marks the node unschedulable (before a reboot, say). */
  on_cordon_node = withParams(onNode, ({ container_manager_name, address }) =>
    this.managers.get(container_manager_name).setUnschedulable(address, true),
  );

  /** Ours: makes the node schedulable again. */
  on_uncordon_node = withParams(onNode, ({ container_manager_name, address }) =>
    this.managers.get(container_manager_name).setUnschedulable(address, false),
  );

  /** Ours: the nodes this manager registered, with their status. */
  on_list_nodes = withParams(onManager, ({ container_manager_name }) =>
    this.managers.get(container_manager_name).listNodes(),
  );
}
