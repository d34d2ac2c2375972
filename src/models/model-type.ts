/**
 * A model type: its wire name, members with defaults, primary key, hidden members, and validation
 * that reports every problem at once (model, member, expected, got).
 */
import { InvalidParamsError } from "../bus/errors.js";
import type { MemberSpec } from "./members.js";

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

// The default is `any` so that code handling "some model type" accepts every ModelType<Host>, ...
export interface ModelType<T extends object = any> {
  readonly name: string;
  readonly primaryKey: string | null;
  /** Secret models (HostCreds) live only in a secret store and never reach a notification or log. */
  readonly secret: boolean;
  readonly hidden: readonly string[];
  /** For list models: the member holding the items and the items' model type. */
  readonly list: { member: string; itemType: string } | null;
  readonly members: readonly string[];
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

export interface ModelSpec {
  name: string;
  primaryKey: string | null;
  members: MemberSpec[];
  hidden?: string[];
  secret?: boolean;
  /** Members clients may send back that are computed, never stored: dropped, not refused. */
  computed?: string[];
  /** Rules beyond member types (an issue per broken rule). */
  rules?: (data: Record<string, unknown>) => ValidationIssue[];
}

const MAX_GOT = 60;

/** A short rendering of a bad value for an error message. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  const text = JSON.stringify(value) ?? String(value);
  return text.length > MAX_GOT ? `${text.slice(0, MAX_GOT - 3)}...` : text;
}

export function defineModel<T extends object>(spec: ModelSpec): ModelType<T> {
  const names = spec.members.map((m) => m.name);
  const hidden = spec.hidden ?? [];
  const computed = new Set(spec.computed ?? []);
  const secretMembers = new Set(spec.secret ? hidden : []);

  const defaults = (): T => {
    const out: Record<string, unknown> = {};
    for (const m of spec.members) if (m.fallback) out[m.name] = m.fallback();
    return out as T;
  };

  const pick = (
    data: Record<string, unknown>,
    keep: (name: string) => boolean,
  ): Record<string, unknown> => {
    const out: Record<string, unknown> = {};
    for (const n of names) if (keep(n) && data[n] !== undefined) out[n] = data[n];
    return out;
  };

  const validate = (data: unknown): ValidationIssue[] => {
    if (typeof data !== "object" || data === null || Array.isArray(data)) {
      return [
        { model: spec.name, member: "(model)", expected: "object", got: describeValue(data) },
      ];
    }
    const record = data as Record<string, unknown>;
    const issues: ValidationIssue[] = [];
    for (const m of spec.members) {
      const value = record[m.name];
      if (value === undefined) {
        if (!m.fallback)
          issues.push({
            model: spec.name,
            member: m.name,
            expected: m.kind.expected,
            got: "nothing",
          });
      } else if (!m.kind.accepts(value)) {
        const got = secretMembers.has(m.name) ? "<hidden>" : describeValue(value);
        issues.push({ model: spec.name, member: m.name, expected: m.kind.expected, got });
      }
    }
    for (const key of Object.keys(record)) {
      if (!names.includes(key) && !computed.has(key)) {
        issues.push({
          model: spec.name,
          member: key,
          expected: `no such member (members: ${names.join(", ")})`,
          got: "a value",
        });
      }
    }
    if (issues.length === 0 && spec.rules) issues.push(...spec.rules(record));
    return issues;
  };

  const type: ModelType<T> = {
    name: spec.name,
    primaryKey: spec.primaryKey,
    secret: spec.secret === true,
    hidden,
    list: null,
    members: names,
    defaults,
    create: (data = {}) =>
      ({ ...defaults(), ...pick(data as Record<string, unknown>, () => true) }) as T,
    validate: (data) =>
      validate(
        typeof data === "object" && data !== null && !Array.isArray(data)
          ? { ...defaults(), ...data }
          : data,
      ),
    parse(data: unknown): T {
      const filled =
        typeof data === "object" && data !== null && !Array.isArray(data)
          ? { ...defaults(), ...data }
          : data;
      const issues = validate(filled);
      if (issues.length) throw new ModelValidationError(spec.name, issues);
      return pick(filled as Record<string, unknown>, () => true) as T;
    },
    toJson: (model) => pick(model as Record<string, unknown>, () => true),
    toSafeJson: (model) => pick(model as Record<string, unknown>, (n) => !hidden.includes(n)),
    keyOf(model: T): string {
      if (!spec.primaryKey) throw new Error(`${spec.name} has no primary key`);
      return String((model as Record<string, unknown>)[spec.primaryKey]);
    },
  };
  return type;
}
