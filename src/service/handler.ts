/**
 * A handler and its parameter schema, declared once: `withParams(schema, fn)` gives the bus
 * validation, the TypeScript type of `fn`'s params (inferred from the schema), and the order of
 * positional params (the schema's keys).
 *
 *   on_add = withParams(z.object({ x: z.number(), y: z.number() }), ({ x, y }) => x + y);
 */
import type { z } from "zod";
import type { MessageContext } from "./context.js";

/** Named params as a handler without a schema receives them. */
export type NamedParams = Record<string, unknown>;

/** What `on_<method>` may be: a plain method (named params) or a handler made by withParams. */
export type Handler = (params: never, context: MessageContext) => unknown;

const SCHEMA = Symbol("commissaire.paramsSchema");

export interface HandlerWithParams<S extends z.ZodType, R> {
  (params: z.output<S>, context: MessageContext): R;
  readonly [SCHEMA]: S;
}

export function withParams<S extends z.ZodType, R>(
  schema: S,
  fn: (params: z.output<S>, context: MessageContext) => R,
): HandlerWithParams<S, R> {
  return Object.assign((params: z.output<S>, context: MessageContext) => fn(params, context), {
    [SCHEMA]: schema,
  });
}

/** The schema a handler was declared with, if any. */
export function schemaOf(handler: unknown): z.ZodType | undefined {
  return typeof handler === "function"
    ? (handler as Partial<HandlerWithParams<z.ZodType, unknown>>)[SCHEMA]
    : undefined;
}

const METHOD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface BoundHandler {
  call(params: unknown, context: MessageContext): unknown;
  schema: z.ZodType | undefined;
}

/** Finds `on_<method>` on an object (own or inherited), never a property of Object.prototype. */
export function findHandler(target: object, method: string): BoundHandler | undefined {
  if (!METHOD_NAME.test(method)) return undefined;
  const key = `on_${method}`;
  const fn = (target as Record<string, unknown>)[key];
  if (typeof fn !== "function" || Object.hasOwn(Object.prototype, key)) return undefined;
  return {
    call: (params, context) =>
      (fn as (p: unknown, c: MessageContext) => unknown).call(target, params, context),
    schema: schemaOf(fn),
  };
}

/** Every `on_<method>` of an object: methods of its classes and handler fields. */
export function handlerNames(target: object): string[] {
  const names = new Set<string>();
  const collect = (keys: string[]) => {
    for (const key of keys) {
      if (key.startsWith("on_") && typeof (target as Record<string, unknown>)[key] === "function")
        names.add(key.slice(3));
    }
  };
  collect(Object.keys(target));
  for (
    let proto = Object.getPrototypeOf(target);
    proto && proto !== Object.prototype;
    proto = Object.getPrototypeOf(proto)
  ) {
    collect(Object.getOwnPropertyNames(proto));
  }
  return [...names].sort();
}
