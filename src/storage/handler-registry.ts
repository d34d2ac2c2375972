/**
 * The store handlers a storage service runs, from `storage_handlers`, by the rules checked at
 * start-up (each failure a ConfigError naming the handler): a known type; every `models` glob
 * matching some model; no model claimed by two handlers; no two handlers with one name; secret
 * models only in secret stores. What no handler claims falls to the defaults: etcd at
 * http://127.0.0.1:2379 for models, Custodia (`custodia_socket_path`) for secrets.
 */
import { ConfigError } from "../config/errors.js";
import { type ConfigObject, isPlainObject } from "../config/normalise.js";
import type { ModelType } from "../models/index.js";
import { withRevisions } from "./content-revisions.js";
import { globMatch, isGlob } from "./glob.js";
import type { StoreHandler, StoreHandlerClass } from "./handler.js";
import { canonicalType, resolveHandlerType } from "./handler-types.js";
import { DEFAULT_CUSTODIA_SOCKET } from "./handlers/custodia.js";
import { DEFAULT_ETCD_URL } from "./handlers/etcd.js";

export interface HandlerDefinition {
  name: string;
  type: string;
  handlerClass: StoreHandlerClass;
  options: Record<string, unknown>;
  /** Model type names this handler holds. */
  models: string[];
}

/** Model types that are stored (not list models, not computed ones). */
export interface StorableModels {
  names: readonly string[];
  isSecret(name: string): boolean;
  /** List model name -> item model name ("Hosts" -> "Host"), for globs written that way. */
  itemOf(name: string): string | undefined;
}

const RESERVED = new Set(["type", "name", "models"]);

export async function defineHandlers(
  config: ConfigObject,
  storable: StorableModels,
): Promise<HandlerDefinition[]> {
  const raw = config.storage_handlers ?? [];
  if (!Array.isArray(raw))
    throw new ConfigError('"storage_handlers" must be an object or a list of objects');
  const definitions: HandlerDefinition[] = [];
  const byName = new Map<string, HandlerDefinition>();
  const owner = new Map<string, HandlerDefinition>();

  const add = (definition: HandlerDefinition, where: string) => {
    if (byName.has(definition.name))
      throw new ConfigError(`${where}: two store handlers are named "${definition.name}"`);
    for (const model of definition.models) {
      const other = owner.get(model);
      if (other) {
        throw new ConfigError(
          `${where}: model ${model} is claimed by store handler "${other.name}" and by "${definition.name}"`,
        );
      }
    }
    byName.set(definition.name, definition);
    for (const model of definition.models) owner.set(model, definition);
    definitions.push(definition);
  };

  for (const [index, entry] of raw.entries()) {
    let where = `storage_handlers[${index}]`;
    if (!isPlainObject(entry))
      throw new ConfigError(`${where}: must be an object, got ${JSON.stringify(entry)}`);
    if (typeof entry.type !== "string" || entry.type === "")
      throw new ConfigError(`${where}: "type" is required`);
    if (entry.name !== undefined && (typeof entry.name !== "string" || entry.name.trim() === "")) {
      throw new ConfigError(`${where}: "name" must be a non-empty string`);
    }
    const type = canonicalType(entry.type);
    let name = typeof entry.name === "string" ? entry.name.trim() : type;
    if (entry.name === undefined) {
      for (let n = 1; byName.has(name); n++) name = `${type}-${n}`;
    }
    where = `${where} (store handler "${name}")`;
    const handlerClass = await resolveHandlerType(entry.type, where);
    const secret = handlerClass.secret === true;
    const options: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(entry)) if (!RESERVED.has(k)) options[k] = v;
    if (
      type === "custodia" &&
      options.custodia_socket_path === undefined &&
      typeof config.custodia_socket_path === "string"
    ) {
      options.custodia_socket_path = config.custodia_socket_path;
    }
    try {
      handlerClass.checkOptions?.(options);
    } catch (err) {
      throw new ConfigError(`${where}: ${(err as Error).message}`);
    }
    const models = claimedModels(entry.models, secret, storable, where);
    add({ name, type, handlerClass, options, models }, where);
  }

  // Defaults for what nobody claimed.
  const unclaimed = storable.names.filter((m) => !owner.has(m)).sort();
  const plain = unclaimed.filter((m) => !storable.isSecret(m));
  const secrets = unclaimed.filter((m) => storable.isSecret(m));
  if (plain.length && definitions.length === 0) {
    const handlerClass = await resolveHandlerType("etcd", "default store handler");
    add(
      {
        name: uniqueName("etcd", byName),
        type: "etcd",
        handlerClass,
        options: { server_url: process.env.ETCD_MACHINES ? undefined : DEFAULT_ETCD_URL },
        models: plain,
      },
      "default store handler",
    );
  }
  if (secrets.length) {
    const handlerClass = await resolveHandlerType("custodia", "default secret store");
    const socket =
      typeof config.custodia_socket_path === "string"
        ? config.custodia_socket_path
        : DEFAULT_CUSTODIA_SOCKET;
    add(
      {
        name: uniqueName("custodia", byName),
        type: "custodia",
        handlerClass,
        options: { custodia_socket_path: socket },
        models: secrets,
      },
      "default secret store",
    );
  }
  return definitions;
}

function uniqueName(base: string, taken: Map<string, unknown>): string {
  let name = base;
  for (let n = 1; taken.has(name); n++) name = `${base}-${n}`;
  return name;
}

function claimedModels(
  value: unknown,
  secret: boolean,
  storable: StorableModels,
  where: string,
): string[] {
  let patterns: string[];
  if (value === undefined)
    patterns = secret ? storable.names.filter((m) => storable.isSecret(m)) : ["*"];
  else if (typeof value === "string") patterns = [value];
  else if (Array.isArray(value) && value.every((p) => typeof p === "string"))
    patterns = value as string[];
  else throw new ConfigError(`${where}: "models" must be a list of model type names or globs`);
  const claimed = new Set<string>();
  for (const pattern of patterns) {
    const names = [...storable.names];
    let matches = globMatch(names, pattern);
    const item = storable.itemOf(pattern);
    if (matches.length === 0 && item) matches = [item];
    if (matches.length === 0)
      throw new ConfigError(
        `${where}: "${pattern}" matches no model type; model types: ${names.join(", ")}`,
      );
    if (!secret) {
      const secretOnes = matches.filter((m) => storable.isSecret(m));
      if (secretOnes.length && !isGlob(pattern)) {
        throw new ConfigError(
          `${where}: ${pattern} is a secret model: only a secret store (custodia, secret_file, secret_memory) may hold it`,
        );
      }
      matches = matches.filter((m) => !storable.isSecret(m));
    }
    for (const m of matches) claimed.add(m);
  }
  return [...claimed].sort();
}

/** Builds the handler instances. */
export function createHandlers(
  definitions: HandlerDefinition[],
  env: NodeJS.ProcessEnv,
): Map<string, StoreHandler> {
  const out = new Map<string, StoreHandler>();
  for (const d of definitions) {
    const handler = new d.handlerClass({ name: d.name, options: d.options, env });
    out.set(d.name, withRevisions(handler, d.handlerClass.revisions === true));
  }
  return out;
}

/** Storable model types from the model registry. */
export function storableFrom(
  types: Iterable<ModelType>,
  storedNames: readonly string[],
): StorableModels {
  const all = [...types];
  const byName = new Map(all.map((t) => [t.name, t]));
  return {
    names: storedNames.filter((n) => byName.has(n)),
    isSecret: (name) => byName.get(name)?.secret === true,
    itemOf: (name) => byName.get(name)?.list?.itemType,
  };
}
