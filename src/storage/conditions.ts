/**
 * Write preconditions checked by stores that compare revisions themselves (memory, file, and the
 * wrapper of plug-in stores), and the revisions they hand out.
 */
import { randomBytes } from "node:crypto";
import { StoragePreconditionError } from "../bus/errors.js";
import { type ModelType, NO_RECORD } from "../models/index.js";
import type { WriteCondition } from "./handler.js";

/** The error of a failed precondition, the same from every store. */
export function preconditionFailed(
  type: ModelType,
  key: string,
  condition: WriteCondition,
  current: string | null,
): StoragePreconditionError {
  const expected = condition.ifRevision;
  const message =
    expected === NO_RECORD
      ? `${type.name} "${key}" already exists (revision ${current})`
      : current === null
        ? `${type.name} "${key}" does not exist (the write was conditioned on revision ${expected})`
        : `${type.name} "${key}" is at revision ${current}, not ${expected}: it changed since it was read`;
  return new StoragePreconditionError(message, {
    model_type_name: type.name,
    key,
    expected_revision: expected,
    revision: current,
  });
}

/** Throws when the condition does not hold for a record at `current` (null: no record). */
export function checkCondition(
  type: ModelType,
  key: string,
  condition: WriteCondition | undefined,
  current: string | null,
): void {
  const expected = condition?.ifRevision;
  if (expected === undefined) return;
  if (expected === NO_RECORD ? current !== null : current !== expected)
    throw preconditionFailed(type, key, condition!, current);
}

/**
 * Revisions unique to this store instance: a random prefix (so that a record deleted and created
 * again, or a store restarted, never repeats an old revision) and a counter.
 */
export class RevisionCounter {
  private readonly prefix = randomBytes(4).toString("hex");
  private count = 0;

  next(): string {
    this.count += 1;
    return `${this.prefix}-${this.count}`;
  }
}
