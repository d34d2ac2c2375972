/** Member kinds of the models: how a value is checked and how the expectation reads in an error. */
import { isDate } from "./dates.js";

export interface MemberKind {
  /** What the value must be, as an error message says it ("integer", "list of strings"). */
  readonly expected: string;
  accepts(value: unknown): boolean;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

export const str: MemberKind = { expected: "string", accepts: (v) => typeof v === "string" };
export const nonEmptyStr: MemberKind = {
  expected: "non-empty string",
  accepts: (v) => typeof v === "string" && v !== "",
};
export const int: MemberKind = {
  expected: "integer",
  accepts: (v) => typeof v === "number" && Number.isInteger(v),
};
export const obj: MemberKind = { expected: "object", accepts: isObject };
export const list: MemberKind = { expected: "list", accepts: Array.isArray };
export const strList: MemberKind = {
  expected: "list of strings",
  accepts: (v) => Array.isArray(v) && v.every((x) => typeof x === "string"),
};
export const date: MemberKind = {
  expected: "date YYYY-MM-DDTHH:MM:SS.ffffff",
  accepts: (v) => typeof v === "string" && isDate(v),
};
/** A date, or "" for "not yet". */
export const optionalDate: MemberKind = {
  expected: "date YYYY-MM-DDTHH:MM:SS.ffffff or empty",
  accepts: (v) => v === "" || (typeof v === "string" && isDate(v)),
};

/** One of the values; with allowEmpty, "" too (a status not known yet). */
export function oneOf(values: readonly string[], allowEmpty = false): MemberKind {
  const all = allowEmpty ? [...values, ""] : values;
  return {
    expected: `one of ${values.join(", ")}${allowEmpty ? " or empty" : ""}`,
    accepts: (v) => typeof v === "string" && all.includes(v),
  };
}

export interface MemberSpec {
  readonly name: string;
  readonly kind: MemberKind;
  /** The default, made fresh each time; absent for a required member. */
  readonly fallback?: () => unknown;
}

export const member = (name: string, kind: MemberKind, fallback?: () => unknown): MemberSpec =>
  fallback === undefined ? { name, kind } : { name, kind, fallback };
