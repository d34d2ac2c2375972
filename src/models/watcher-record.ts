/** WatcherRecord: when the watcher last checked a host (MODELS.md). */
import { now } from "./dates.js";
import { date, member, str } from "./members.js";
import { defineModel } from "./model-type.js";

export interface WatcherRecord {
  address: string;
  last_check: string;
}

export const WatcherRecordModel = defineModel<WatcherRecord>({
  name: "WatcherRecord",
  primaryKey: null,
  members: [member("address", str, () => ""), member("last_check", date, now)],
});
