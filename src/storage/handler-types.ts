/**
 * Store handler types by configuration `type`: a name without a dot is a built-in; the original's
 * Python module names for the same handlers are accepted; anything with a dot or a slash is a
 * plug-in module exporting a handler class (default export, or a `StoreHandler` export).
 */
import { ConfigError } from "../config/errors.js";
import { loadPluginClass } from "../config/plugin.js";
import type { StoreHandlerClass } from "./handler.js";
import { CustodiaStoreHandler } from "./handlers/custodia.js";
import { EtcdStoreHandler } from "./handlers/etcd.js";
import { FileStoreHandler } from "./handlers/file.js";
import { MemoryStoreHandler } from "./handlers/memory.js";
import { SecretFileStoreHandler } from "./handlers/secret-file.js";
import { SecretMemoryStoreHandler } from "./handlers/secret-memory.js";

export const BUILTIN_HANDLERS: Readonly<Record<string, StoreHandlerClass>> = {
  etcd: EtcdStoreHandler,
  memory: MemoryStoreHandler,
  file: FileStoreHandler,
  custodia: CustodiaStoreHandler,
  secret_file: SecretFileStoreHandler,
  secret_memory: SecretMemoryStoreHandler,
};

/** Configurations written for the Python services name modules; these are the same handlers. */
const PYTHON_ALIASES: Readonly<Record<string, string>> = {
  "commissaire.storage.etcd": "etcd",
  "commissaire_service.storage.etcd": "etcd",
  "commissaire.storage.custodia": "custodia",
  "commissaire_service.storage.custodia": "custodia",
};

/** The canonical type name (aliases resolved). */
export function canonicalType(type: string): string {
  return PYTHON_ALIASES[type] ?? type;
}

export async function resolveHandlerType(type: string, where: string): Promise<StoreHandlerClass> {
  const canonical = canonicalType(type);
  const builtin = BUILTIN_HANDLERS[canonical];
  if (builtin) return builtin;
  if (!canonical.includes(".") && !canonical.includes("/")) {
    throw new ConfigError(
      `${where}: unknown type "${type}"; built-in types: ${Object.keys(BUILTIN_HANDLERS).join(", ")} (a plug-in is named by a module path or package name containing "." or "/")`,
    );
  }
  return loadPluginClass<StoreHandlerClass>(canonical, {
    where,
    what: "a store handler class with save, get, delete, list and close",
    methods: ["save", "get", "delete", "list", "close"],
    exportNames: ["StoreHandler"],
  });
}
