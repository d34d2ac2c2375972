/**
 * A model type, declared once: its wire name, members (kind and default, from which its TypeScript
 * type is inferred), primary key, hidden members, and validation that reports every problem at
 * once (model, member, expected, got).
 *
 *   export const Network = defineModel({ name: "Network", primaryKey: "name", members: {...} });
 *   export type Network = ModelOf<typeof Network>;
 */
import { InvalidParamsError } from "../bus/errors.js";
import type { MemberSpecs, RecordOf } from "./members.js";
import { ORIGINAL_MEMBERS, REVISION_MEMBER, SCHEMA_MEMBER } from "./wire-members.js";

export interface ValidationIssue {
  model: string;
  member: string;
  expected: string;
  got: string;
}

/** -32602 with every issue, so a caller fixes everything in one go. */
export class ModelValidationError extends InvalidParamsError {
  override name = "ModelValidationError";
  constructor(
    modelName: string,
    readonly issues: ValidationIssue[],
  ) {
    super(
      issues.map((i) => `${i.model}.${i.member}: expected ${i.expected}, got ${i.got}`).join("; "),
      {
        model_type_name: modelName,
        issues,
      },
    );
  }
}

export interface ModelType<T extends object = object> {
  readonly name: string;
  readonly primaryKey: string | null;
  /** Secret models (HostCreds) live only in a secret store and never reach a notification or log. */
  readonly secret: boolean;
  readonly hidden: readonly string[];
  /** For list models: the member holding the items and the items' model type. */
  readonly list: { member: string; itemType: string } | null;
  readonly members: readonly string[];
  /** Members the original Commissaire does not know (wire-members.ts): kept when a writer omits them. */
  readonly extensions: readonly string[];
  /** Every member at its default (fresh lists and objects each time). */
  defaults(): T;
  /** Defaults overlaid with data; not validated. */
  create(data?: Partial<T>): T;
  /** Every problem with data, or none. */
  validate(data: unknown): ValidationIssue[];
  /** Defaults + data, validated; throws ModelValidationError listing every issue. */
  parse(data: unknown): T;
  /** The full form (hidden members included), declared members only, in declared order. */
  toJson(model: T): Record<string, unknown>;
  /** The form shown in notifications, logs and to users: without hidden members. */
  toSafeJson(model: T): Record<string, unknown>;
  keyOf(model: T): string;
}

/** The record type of a model type: `type Host = ModelOf<typeof Host>`. */
export type ModelOf<M> = M extends ModelType<infer T> ? T : never;

export interface ModelSpec<M extends MemberSpecs> {
  name: string;
  primaryKey: (keyof M & string) | null;
  members: M;
  hidden?: (keyof M & string)[];
  secret?: boolean;
  /** Members clients may send back that are computed, never stored: dropped, not refused. */
  computed?: string[];
  /** Rules beyond member types (an issue per broken rule). */
  rules?: (data: RecordOf<M>) => ValidationIssue[];
  /** Hides secrets inside members (ContainerManagerConfig's options) in the safe form. */
  safeMembers?: (safe: Record<string, unknown>) => Record<string, unknown>;
}

const MAX_GOT = 60;

/** A short rendering of a bad value for an error message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_GOT ? `${text.slice(0, MAX_GOT - 3)}...` : text;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export function defineModel<const M extends MemberSpecs>(
  spec: ModelSpec<M>,
): ModelType<RecordOf<M>> {
  type T = RecordOf<M>;
  const entries = Object.entries(spec.members);
  const names = entries.map(([name]) => name);
  const hidden: readonly string[] = spec.hidden ?? [];
  const computed = new Set(spec.computed ?? []);
  const secretMembers = new Set(spec.secret ? hidden : []);

  const defaults = (): T => {
    const out: Record<string, unknown> = {};
    for (const [name, m] of entries) if (m.fallback) out[name] = m.fallback();
    return out as T;
  };

  const pick = (data: object, keep: (name: string) => boolean): Record<string, unknown> => {
    const record = data as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const n of names) if (keep(n) && record[n] !== undefined) out[n] = record[n];
    return out;
  };

  const validate = (data: unknown): ValidationIssue[] => {
    if (!isRecord(data)) {
      return [
        { model: spec.name, member: "(model)", expected: "object", got: describeValue(data) },
      ];
    }
    const issues: ValidationIssue[] = [];
    for (const [name, m] of entries) {
      const value = data[name];
      if (value === undefined) {
        if (!m.fallback)
          issues.push({
            model: spec.name,
            member: name,
            expected: m.kind.expected,
            got: "nothing",
          });
      } else if (!m.kind.accepts(value)) {
        const got = secretMembers.has(name) ? "<hidden>" : describeValue(value);
        issues.push({ model: spec.name, member: name, expected: m.kind.expected, got });
      }
    }
    for (const key of Object.keys(data)) {
      if (
        !names.includes(key) &&
        !computed.has(key) &&
        key !== REVISION_MEMBER &&
        key !== SCHEMA_MEMBER
      ) {
        issues.push({
          model: spec.name,
          member: key,
          expected: `no such member (members: ${names.join(", ")})`,
          got: "a value",
        });
      }
    }
    if (issues.length === 0 && spec.rules) issues.push(...spec.rules(data as T));
    return issues;
  };

  const withDefaults = (data: unknown): unknown =>
    isRecord(data) ? { ...defaults(), ...data } : data;

  return {
    name: spec.name,
    primaryKey: spec.primaryKey,
    secret: spec.secret === true,
    hidden,
    list: null,
    members: names,
    extensions: names.filter((n) => !(ORIGINAL_MEMBERS[spec.name] ?? names).includes(n)),
    defaults,
    create: (data = {}) => ({ ...defaults(), ...pick(data, () => true) }) as T,
    validate: (data) => validate(withDefaults(data)),
    parse(data: unknown): T {
      const filled = withDefaults(data);
      const issues = validate(filled);
      if (issues.length) throw new ModelValidationError(spec.name, issues);
      return pick(filled as object, () => true) as T;
    },
    toJson: (model) => pick(model, () => true),
    toSafeJson: (model) => {
      const safe = pick(model, (n) => !hidden.includes(n));
      return spec.safeMembers ? spec.safeMembers(safe) : safe;
    },
    keyOf(model: T): string {
      if (!spec.primaryKey) throw new Error(`${spec.name} has no primary key`);
      return String((model as Record<string, unknown>)[spec.primaryKey]);
    },
  };
}
