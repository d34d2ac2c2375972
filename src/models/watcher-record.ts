/** WatcherRecord: when the watcher last checked a host (MODELS.md). */
import { now } from "./dates.js";
import { date, str, withDefault } from "./members.js";
import { defineModel, type ModelOf } from "./model-type.js";

export const WatcherRecord = defineModel({
  name: "WatcherRecord",
  primaryKey: null,
  members: { address: withDefault(str, () => ""), last_check: withDefault(date, now) },
});
export type WatcherRecord = ModelOf<typeof WatcherRecord>;
