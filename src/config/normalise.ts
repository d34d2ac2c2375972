/** The seed's rules for configuration members, applied to whatever source the object came from. */

export type ConfigObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is ConfigObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Member names normalised recursively: `-` becomes `_` (through nested objects and lists). */
export function normaliseKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normaliseKeys);
  if (!isPlainObject(value)) return value;
  const out: ConfigObject = {};
  for (const [key, member] of Object.entries(value))
    out[key.replace(/-/g, "_")] = normaliseKeys(member);
  return out;
}

/** Normalises a whole configuration: keys, and `storage_handlers` given as one object -> a list of one. */
export function normaliseConfig(config: ConfigObject): ConfigObject {
  const out = normaliseKeys(config) as ConfigObject;
  if (isPlainObject(out.storage_handlers)) out.storage_handlers = [out.storage_handlers];
  return out;
}
