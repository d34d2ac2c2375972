/**
 * Reading `model_json_data` as the original did: one model or a list of them, each a JSON object
 * or a JSON text of one. Every problem of a list is reported at once, before anything is written.
 */
import { InvalidParamsError } from "../../bus/errors.js";
import { keyRule, type ModelType, ModelValidationError } from "../../models/index.js";

/** The items of model_json_data, each a plain object; `single` says whether it was one model. */
export function itemsOf(data: unknown): { items: Record<string, unknown>[]; single: boolean } {
  const single = !Array.isArray(data);
  const raw = single ? [data] : (data as unknown[]);
  const problems: string[] = [];
  const items = raw.map((item, i) => {
    const where = single ? "model_json_data" : `model_json_data[${i}]`;
    let value = item;
    if (typeof value === "string") {
      try {
        value = JSON.parse(value);
      } catch (err) {
        problems.push(`${where}: not valid JSON (${(err as Error).message})`);
        return {};
      }
    }
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      problems.push(`${where}: must be a JSON object`);
      return {};
    }
    return value as Record<string, unknown>;
  });
  if (problems.length) throw new InvalidParamsError(problems.join("; "));
  return { items, single };
}

/** Parses (defaults + validation) every item; throws one error listing every item's problems. */
export function parseAll<T extends object>(
  type: ModelType<T>,
  items: Record<string, unknown>[],
  single: boolean,
): T[] {
  const problems: string[] = [];
  const issues: unknown[] = [];
  const models = items.map((item, i) => {
    try {
      return type.parse(item);
    } catch (err) {
      if (!(err instanceof ModelValidationError)) throw err;
      problems.push(single ? err.message : `model_json_data[${i}]: ${err.message}`);
      issues.push(...((err.data.issues as unknown[]) ?? []));
      return null;
    }
  });
  if (problems.length)
    throw new InvalidParamsError(problems.join("; "), { model_type_name: type.name, issues });
  return models as T[];
}

/** The primary key of an identifying item ({"address": "..."}); -32602 when it is missing. */
export function keyOfItem(type: ModelType, item: Record<string, unknown>): string {
  const pk = type.primaryKey;
  if (!pk) throw new InvalidParamsError(`${type.name} has no primary key: it cannot be stored`);
  const key = item[pk];
  const { test, rule } = keyRule(pk);
  if (!test(key)) {
    const got = JSON.stringify(key) ?? "nothing";
    throw new InvalidParamsError(
      `${type.name}.${pk}: expected ${rule}, got ${got.length > 60 ? `${got.slice(0, 57)}...` : got}`,
      { model_type_name: type.name, member: pk, rule },
    );
  }
  return key as string;
}

/** The named members of an item (those it has). */
export function pick(item: Record<string, unknown>, members: readonly string[]) {
  const out: Record<string, unknown> = {};
  for (const m of members) if (item[m] !== undefined) out[m] = item[m];
  return out;
}

/** `if_revision` per item: one string for one model, a list (null: none) for a list of them. */
export function revisionsFor(
  ifRevision: string | (string | null)[] | undefined,
  count: number,
  single: boolean,
): (string | undefined)[] {
  if (ifRevision === undefined) return new Array(count).fill(undefined);
  if (typeof ifRevision === "string") {
    if (!single) throw new InvalidParamsError("if_revision: a list of models takes a list");
    return [ifRevision];
  }
  if (single || ifRevision.length !== count)
    throw new InvalidParamsError(
      `if_revision: expected ${single ? "one revision" : `a list of ${count} (null for none)`}, got a list of ${ifRevision.length}`,
    );
  return ifRevision.map((r) => r ?? undefined);
}
