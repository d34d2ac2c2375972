/**
 * Member kinds of the models: how a value is checked, how the expectation reads in an error, and
 * (through the type parameter) the TypeScript type a model's member gets.
 */
import { isDate } from "./dates.js";

export interface MemberKind<V> {
  /** What the value must be, as an error message says it ("integer", "list of strings"). */
  readonly expected: string;
  accepts(value: unknown): value is V;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export const str: MemberKind<string> = {
  expected: "string",
  accepts: (v): v is string => typeof v === "string",
};
export const nonEmptyStr: MemberKind<string> = {
  expected: "non-empty string",
  accepts: (v): v is string => typeof v === "string" && v !== "",
};
export const int: MemberKind<number> = {
  expected: "integer",
  accepts: (v): v is number => typeof v === "number" && Number.isInteger(v),
};
export const bool: MemberKind<boolean> = {
  expected: "boolean",
  accepts: (v): v is boolean => typeof v === "boolean",
};
export const obj: MemberKind<Record<string, unknown>> = { expected: "object", accepts: isObject };
export const list: MemberKind<unknown[]> = {
  expected: "list",
  accepts: (v): v is unknown[] => Array.isArray(v),
};
export const strList: MemberKind<string[]> = {
  expected: "list of strings",
  accepts: (v): v is string[] => Array.isArray(v) && v.every((x) => typeof x === "string"),
};
export const date: MemberKind<string> = {
  expected: "date YYYY-MM-DDTHH:MM:SS.ffffff",
  accepts: (v): v is string => typeof v === "string" && isDate(v),
};
/** A date, or "" for "not yet". */
export const optionalDate: MemberKind<string> = {
  expected: "date YYYY-MM-DDTHH:MM:SS.ffffff or empty",
  accepts: (v): v is string => v === "" || (typeof v === "string" && isDate(v)),
};

/**
 * One of the values, or "" (a status not known yet) with allowEmpty. Typed as a plain string: the
 * wire may carry statuses a newer peer added, and code compares against the exported lists.
 */
export function oneOf(values: readonly string[], allowEmpty = false): MemberKind<string> {
  const all = allowEmpty ? [...values, ""] : values;
  return {
    expected: `one of ${values.join(", ")}${allowEmpty ? " or empty" : ""}`,
    accepts: (v): v is string => typeof v === "string" && all.includes(v),
  };
}

export interface MemberSpec<V> {
  readonly kind: MemberKind<V>;
  /** The default, made fresh each time; absent for a required member. */
  readonly fallback?: () => V;
}

/** A member every record must carry. */
export const required = <V>(kind: MemberKind<V>): MemberSpec<V> => ({ kind });

/** A member with a default (a function, so lists and objects are fresh each time). */
export const withDefault = <V>(kind: MemberKind<V>, fallback: () => V): MemberSpec<V> => ({
  kind,
  fallback,
});

/** Members by name, in wire order. */
export type MemberSpecs = Record<string, MemberSpec<unknown>>;

/** The record type that members describe. */
export type RecordOf<M extends MemberSpecs> = {
  -readonly [K in keyof M]: M[K] extends MemberSpec<infer V> ? V : never;
};
