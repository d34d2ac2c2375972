/**
 * The one rule for names and addresses, on every path (bus and REST): the original REST server's
 * patterns, plus ":" in addresses for IPv6. Names and addresses become store keys, file names and
 * URL path segments, so nothing outside these characters (no "/", NUL, newline or bidirectional
 * override) ever reaches a store.
 */
import type { MemberKind } from "./members.js";

export const NAME_PATTERN = /^[A-Za-z0-9_-]{1,63}$/;
export const ADDRESS_PATTERN = /^[A-Za-z0-9_.:-]{1,253}$/;

export const NAME_RULE = "name matching ^[A-Za-z0-9_-]{1,63}$";
export const ADDRESS_RULE = "address matching ^[A-Za-z0-9_.:-]{1,253}$";

export const isName = (v: unknown): v is string => typeof v === "string" && NAME_PATTERN.test(v);
export const isAddress = (v: unknown): v is string =>
  typeof v === "string" && ADDRESS_PATTERN.test(v);

/** A record name (cluster, network, container manager, operation). */
export const recordName: MemberKind<string> = { expected: NAME_RULE, accepts: isName };
/** A host address: an IPv4 or IPv6 address or a host name. */
export const hostAddress: MemberKind<string> = { expected: ADDRESS_RULE, accepts: isAddress };
/** A list of host addresses (a cluster's members). */
export const hostAddressList: MemberKind<string[]> = {
  expected: `list of ${ADDRESS_RULE.replace("address", "addresses")}`,
  accepts: (v): v is string[] => Array.isArray(v) && v.every(isAddress),
};

/** The rule a key of a model's primary key member must follow: the name or the address rule. */
export function keyRule(primaryKey: string): { test: (v: unknown) => boolean; rule: string } {
  return primaryKey === "address"
    ? { test: isAddress, rule: ADDRESS_RULE }
    : { test: isName, rule: NAME_RULE };
}
