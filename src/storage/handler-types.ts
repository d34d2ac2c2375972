/**
 * Store handler types by configuration `type`: a name without a dot is a built-in; the original's
 * Python module names for the same handlers are accepted; anything with a dot or a slash is a
 * plug-in module exporting a handler class (default export, or a `StoreHandler` export).
 */
import { isAbsolute, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { ConfigError } from "../config/errors.js";
import type { StoreHandlerClass } from "./handler.js";
import { CustodiaStoreHandler } from "./handlers/custodia.js";
import { EtcdStoreHandler } from "./handlers/etcd.js";
import { FileStoreHandler } from "./handlers/file.js";
import { MemoryStoreHandler } from "./handlers/memory.js";
import { SecretFileStoreHandler } from "./handlers/secret-file.js";

export const BUILTIN_HANDLERS: Readonly<Record<string, StoreHandlerClass>> = {
  etcd: EtcdStoreHandler,
  memory: MemoryStoreHandler,
  file: FileStoreHandler,
  custodia: CustodiaStoreHandler,
  secret_file: SecretFileStoreHandler,
};

/** Configurations written for the Python services name modules; these are the same handlers. */
const PYTHON_ALIASES: Readonly<Record<string, string>> = {
  "commissaire.storage.etcd": "etcd",
  "commissaire_service.storage.etcd": "etcd",
  "commissaire.storage.custodia": "custodia",
  "commissaire_service.storage.custodia": "custodia",
};

function looksLikeHandlerClass(value: unknown): value is StoreHandlerClass {
  if (typeof value !== "function" || !value.prototype) return false;
  return ["save", "get", "delete", "list", "close"].every(
    (m) => typeof value.prototype[m] === "function",
  );
}

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
  const specifier =
    canonical.startsWith(".") || isAbsolute(canonical)
      ? pathToFileURL(resolve(canonical)).href
      : canonical;
  let module: Record<string, unknown>;
  try {
    module = (await import(specifier)) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(
      `${where}: cannot load plug-in module "${type}": ${(err as Error).message}`,
    );
  }
  const candidate = module.default ?? module.StoreHandler;
  if (!looksLikeHandlerClass(candidate)) {
    throw new ConfigError(
      `${where}: plug-in module "${type}" must export a store handler class (default export or "StoreHandler") with save, get, delete, list and close`,
    );
  }
  return candidate;
}
