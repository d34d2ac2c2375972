/** Records of rolling operations on a cluster: upgrade, restart, deploy (MODELS.md). */

import {
  bool,
  list,
  type MemberSpec,
  type MemberSpecs,
  obj,
  oneOf,
  optionalDate,
  required,
  str,
  withDefault,
} from "./members.js";
import { defineModel, type ModelOf } from "./model-type.js";
import { recordName } from "./names.js";

export const OPERATION_STATUSES = ["in_process", "finished", "failed"] as const;

/**
 * The members of an operation record, in the original's order: name, status, the operation's own
 * members, the list of hosts it finished (`done`), the host in process, and the times.
 */
function operationMembers<const D extends string, const E extends MemberSpecs>(done: D, own: E) {
  return {
    name: required(recordName),
    status: withDefault(oneOf(OPERATION_STATUSES, true), () => ""),
    ...own,
    ...({ [done]: withDefault(list, () => []) } as Record<D, MemberSpec<unknown[]>>),
    in_process: withDefault(list, () => []),
    started_at: withDefault(optionalDate, () => ""),
    finished_at: withDefault(optionalDate, () => ""),
    // Extensions (docs/wire-extensions.md): per-host results, skipped hosts, the rolling policy,
    // the operator's control request, whether it waits on a pause now, why it ended failed.
    hosts: withDefault(obj, () => ({})),
    skipped: withDefault(list, () => []),
    policy: withDefault(obj, () => ({})),
    control: withDefault(oneOf(["pause", "abort"], true), () => ""),
    aborted: withDefault(bool, () => false),
    paused: withDefault(bool, () => false),
    error: withDefault(str, () => ""),
  };
}

export const ClusterUpgrade = defineModel({
  name: "ClusterUpgrade",
  primaryKey: "name",
  members: operationMembers("upgraded", {}),
});
export type ClusterUpgrade = ModelOf<typeof ClusterUpgrade>;

export const ClusterRestart = defineModel({
  name: "ClusterRestart",
  primaryKey: "name",
  members: operationMembers("restarted", {}),
});
export type ClusterRestart = ModelOf<typeof ClusterRestart>;

export const ClusterDeploy = defineModel({
  name: "ClusterDeploy",
  primaryKey: "name",
  members: operationMembers("deployed", { version: withDefault(str, () => "") }),
  rules: (data) =>
    data.version === ""
      ? [{ model: "ClusterDeploy", member: "version", expected: "non-empty string", got: '""' }]
      : [],
});
export type ClusterDeploy = ModelOf<typeof ClusterDeploy>;
