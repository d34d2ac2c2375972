/**
 * Replies of get and list: records from a cached store are JSON text already (validated when
 * written), so a reply is that text (for a list, the records' texts, never joined into one string)
 * spliced into the JSON-RPC answer without being parsed or encoded again.
 */
import { InternalError } from "../../bus/errors.js";
import { EncodedJson } from "../../bus/jsonrpc.js";
import type { ServedRecord } from "../../storage/served-record.js";

/** A record as a reply holds it: JSON text from a cached store, or a value. */
export type Served = string | Record<string, unknown>;

export function servedJson(served: ServedRecord): string {
  if (served.invalid !== undefined) throw new InternalError(served.invalid);
  return served.json;
}

export const answer = (served: Served): unknown =>
  typeof served === "string" ? new EncodedJson(served) : served;

/** A list reply: one JSON text when every record is text already. */
export function answerList(served: Served[]): unknown {
  if (served.every((s) => typeof s === "string")) return EncodedJson.array(served);
  return served.map((s) => (typeof s === "string" ? JSON.parse(s) : s));
}
