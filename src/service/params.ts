/**
 * Binding a call's params to a handler: objects are named arguments, arrays are positional in the
 * order of the handler's schema (a zod object's keys). A call that does not fit gets -32602 with
 * every reason; nothing is ever passed on as `undefined` by position.
 */
import { z } from "zod";
import { InvalidParamsError } from "../bus/errors.js";
import type { Params } from "../bus/jsonrpc.js";

function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length ? issue.path.join(".") : "params";
      return `${where}: ${issue.message}`;
    })
    .join("; ");
}

/** Positional params as named ones, by the schema's key order. */
function nameByPosition(method: string, params: unknown[], schema: z.ZodType | undefined) {
  if (params.length === 0) return {};
  if (!(schema instanceof z.ZodObject)) {
    throw new InvalidParamsError(
      `method "${method}" takes named parameters only (an object); its handler declares no schema that would give positional ones their names`,
    );
  }
  const names = Object.keys(schema.shape);
  if (params.length > names.length) {
    throw new InvalidParamsError(
      `method "${method}" takes at most ${names.length} positional parameter(s) (${names.join(", ")}), got ${params.length}`,
    );
  }
  return Object.fromEntries(params.map((value, i) => [names[i]!, value]));
}

/**
 * Returns the value the handler receives: the validated params when a schema is declared, the
 * named params as sent otherwise (positional params then need a schema to be named).
 */
export function bindParams(method: string, params: Params, schema: z.ZodType | undefined): unknown {
  const named = Array.isArray(params) ? nameByPosition(method, params, schema) : params;
  if (!schema) return named;
  const parsed = schema.safeParse(named);
  if (!parsed.success) {
    throw new InvalidParamsError(`invalid params for "${method}": ${formatIssues(parsed.error)}`, {
      issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
    });
  }
  return parsed.data;
}
