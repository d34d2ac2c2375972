/** Reading request bodies of the REST API: an object (or nothing), with clear 400s. */
import { HttpError } from "../http-error.js";

export function objectBody(body: unknown, what: string): Record<string, unknown> {
  if (body === undefined) return {};
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw new HttpError(400, `${what}: the body must be a JSON object`);
  }
  return body as Record<string, unknown>;
}

export function optionalString(
  body: Record<string, unknown>,
  name: string,
  what: string,
): string | undefined {
  const value = body[name];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== "string") throw new HttpError(400, `${what}: "${name}" must be a string`);
  return value;
}

export function stringList(body: Record<string, unknown>, name: string, what: string): string[] {
  const value = body[name];
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new HttpError(400, `${what}: "${name}" must be a list of host addresses`);
  }
  return value as string[];
}
