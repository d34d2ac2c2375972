/**
 * Where `storage migrate-v2` writes: the store handlers a storage service would run, built from
 * the storage configuration by the same rules (`-c`, default /etc/commissaire/storage.conf, or
 * etcd key /commissaire/config/storage when ETCD_MACHINES is set; without either, etcd at
 * http://127.0.0.1:2379 and Custodia for secrets). `--to URL` puts every model that is not a
 * secret on the etcd at URL instead; secrets stay with the configuration's secret store.
 */
import { readConfig } from "../../config/read-config.js";
import { modelTypes } from "../../models/index.js";
import { storedModelNames } from "../../services/storage/definition.js";
import { HandlerRouter } from "../../services/storage/router.js";
import type { StoreHandler } from "../../storage/handler.js";
import {
  createHandlers,
  defineHandlers,
  type HandlerDefinition,
  storableFrom,
} from "../../storage/handler-registry.js";
import { EtcdStoreHandler } from "../../storage/handlers/etcd.js";
import type { MigrationTarget } from "../../storage/migrate-v2/migrate.js";

export interface Target extends MigrationTarget {
  handlers: ReadonlyMap<string, StoreHandler>;
  definitions: readonly HandlerDefinition[];
  close(): Promise<void>;
}

export interface TargetOptions {
  configFile?: string;
  to?: EtcdTarget;
  env: NodeJS.ProcessEnv;
  report: (line: string) => void;
}

/** `--to` and its TLS files, as the etcd handler's options. */
export interface EtcdTarget {
  url: string;
  caPath?: string;
  certPath?: string;
  keyPath?: string;
}

function withEtcdAt(to: EtcdTarget, definitions: HandlerDefinition[]): HandlerDefinition[] {
  const secrets = definitions.filter((d) => d.handlerClass.secret === true);
  const taken = new Set(secrets.map((d) => d.name));
  let name = "etcd";
  for (let n = 1; taken.has(name); n++) name = `etcd-${n}`;
  const models = storedModelNames().filter((m) => modelTypes.get(m)?.secret !== true);
  const options: Record<string, unknown> = { server_url: to.url };
  if (to.caPath) options.certificate_ca_path = to.caPath;
  if (to.certPath) options.certificate_path = to.certPath;
  if (to.keyPath) options.certificate_key_path = to.keyPath;
  EtcdStoreHandler.checkOptions(options);
  return [{ name, type: "etcd", handlerClass: EtcdStoreHandler, options, models }, ...secrets];
}

export async function buildTarget(options: TargetOptions): Promise<Target> {
  const { config } = await readConfig("storage", {
    ...(options.configFile !== undefined ? { configFile: options.configFile } : {}),
    env: options.env,
    report: options.report,
  });
  let definitions = await defineHandlers(
    config,
    storableFrom(modelTypes.values(), storedModelNames()),
  );
  if (options.to !== undefined) definitions = withEtcdAt(options.to, definitions);
  const handlers = createHandlers(definitions, options.env);
  const router = new HandlerRouter(handlers, definitions);
  return {
    handlers,
    definitions,
    handlerFor: (type, record) => router.forRecord(type, record),
    async close() {
      await Promise.allSettled([...handlers.values()].map((h) => h.close()));
    },
  };
}

/** "etcd (etcd http://127.0.0.1:2379): Cluster, Host, ..." for each handler, for the log. */
export function describeTarget(target: Target): string[] {
  return target.definitions.map((d) => {
    const handler = target.handlers.get(d.name);
    const where = handler instanceof EtcdStoreHandler ? ` ${handler.hosts.join(", ")}` : "";
    return `${d.name} (${d.type}${where}): ${d.models.join(", ")}`;
  });
}
