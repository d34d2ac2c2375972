/** Records of rolling operations on a cluster: upgrade, restart, deploy (MODELS.md). */

import { list, member, nonEmptyStr, oneOf, optionalDate, str } from "./members.js";
import { defineModel, type ValidationIssue } from "./model-type.js";

export const OPERATION_STATUSES = ["in_process", "finished", "failed"] as const;

interface Operation {
  name: string;
  status: string;
  in_process: unknown[];
  started_at: string;
  finished_at: string;
}

export interface ClusterUpgrade extends Operation {
  upgraded: unknown[];
}
export interface ClusterRestart extends Operation {
  restarted: unknown[];
}
export interface ClusterDeploy extends Operation {
  version: string;
  deployed: unknown[];
}

const common = (done: string, extra: ReturnType<typeof member>[] = []) => [
  member("name", nonEmptyStr),
  member("status", oneOf(OPERATION_STATUSES, true), () => ""),
  ...extra,
  member(done, list, () => []),
  member("in_process", list, () => []),
  member("started_at", optionalDate, () => ""),
  member("finished_at", optionalDate, () => ""),
];

export const ClusterUpgradeModel = defineModel<ClusterUpgrade>({
  name: "ClusterUpgrade",
  primaryKey: "name",
  members: common("upgraded"),
});

export const ClusterRestartModel = defineModel<ClusterRestart>({
  name: "ClusterRestart",
  primaryKey: "name",
  members: common("restarted"),
});

export const ClusterDeployModel = defineModel<ClusterDeploy>({
  name: "ClusterDeploy",
  primaryKey: "name",
  members: common("deployed", [member("version", str, () => "")]),
  rules: (data): ValidationIssue[] =>
    data.version === ""
      ? [{ model: "ClusterDeploy", member: "version", expected: "non-empty string", got: '""' }]
      : [],
});
