/**
 * Binding a call's params to a handler: objects are named arguments, arrays are positional in the
 * order of the method's declared schema (a zod object's keys). A call that does not fit gets
 * -32602 with every reason.
 */
import { z } from "zod";
import { InvalidParamsError } from "../bus/errors.js";
import type { Params } from "../bus/jsonrpc.js";

export type ParamSchemas = Record<string, z.ZodType>;

function formatIssues(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const where = issue.path.length ? issue.path.join(".") : "params";
      return `${where}: ${issue.message}`;
    })
    .join("; ");
}

/**
 * Returns the value the handler receives: the validated params object when a schema is declared,
 * the params as sent otherwise.
 */
export function bindParams(method: string, params: Params, schema: z.ZodType | undefined): unknown {
  if (!schema) return params;
  let named: unknown = params;
  if (Array.isArray(params)) {
    if (!(schema instanceof z.ZodObject)) {
      throw new InvalidParamsError(`method "${method}" takes named parameters only`);
    }
    const names = Object.keys(schema.shape);
    if (params.length > names.length) {
      throw new InvalidParamsError(
        `method "${method}" takes at most ${names.length} positional parameter(s) (${names.join(", ")}), got ${params.length}`,
      );
    }
    const obj: Record<string, unknown> = {};
    params.forEach((value, i) => {
      obj[names[i]!] = value;
    });
    named = obj;
  }
  const parsed = schema.safeParse(named);
  if (!parsed.success) {
    throw new InvalidParamsError(`invalid params for "${method}": ${formatIssues(parsed.error)}`, {
      issues: parsed.error.issues.map((i) => ({ path: i.path.map(String), message: i.message })),
    });
  }
  return parsed.data;
}
