/** Whether a record exists, through the storage service (a lookup error means no). */
import { StorageLookupError } from "../../../bus/errors.js";

export async function orNull<T>(lookup: Promise<T>): Promise<T | null> {
  try {
    return await lookup;
  } catch (err) {
    if (err instanceof StorageLookupError) return null;
    throw err;
  }
}
