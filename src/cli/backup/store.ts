/**
 * The store as backup and restore see it, through the storage service on the bus (so any store
 * handler works): every stored model type, listed whole, written back in bounded batches.
 */
import type { Bus } from "../../bus/bus.js";
import { getModelType, type ModelType, NO_RECORD, REVISION_MEMBER } from "../../models/index.js";
import { storedModelNames } from "../../services/storage/definition.js";

/** Records per storage.save call: well under the bus's 1 MiB message limit for SSH keys. */
const BATCH = 50;

export function storedTypes(): ModelType[] {
  return storedModelNames().map((name) => getModelType(name));
}

export async function listAll(
  bus: Bus,
  type: ModelType,
  timeoutMs: number,
): Promise<Record<string, unknown>[]> {
  const found = await bus.request<Record<string, unknown>[]>(
    "storage.list",
    { model_type_name: type.name },
    { timeoutMs },
  );
  return found.map((r) => {
    const { [REVISION_MEMBER]: _revision, ...record } = r;
    return record;
  });
}

/** Saves records of one type; `createOnly`: each only where there is no record yet. */
export async function saveAll(
  bus: Bus,
  type: ModelType,
  records: Record<string, unknown>[],
  options: { createOnly: boolean; timeoutMs: number },
): Promise<void> {
  for (let i = 0; i < records.length; i += BATCH) {
    const batch = records.slice(i, i + BATCH);
    await bus.request(
      "storage.save",
      {
        model_type_name: type.name,
        model_json_data: batch,
        ...(options.createOnly ? { if_revision: batch.map(() => NO_RECORD) } : {}),
      },
      { timeoutMs: options.timeoutMs },
    );
  }
}
