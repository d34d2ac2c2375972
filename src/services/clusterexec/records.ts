/** The three operation record types and what differs between them. */

import { formatDate } from "../../models/dates.js";
import {
  ClusterDeploy,
  ClusterRestart,
  ClusterUpgrade,
  type ModelType,
} from "../../models/index.js";
import type { OperationKind } from "./host-turn.js";

export interface HostResult {
  phase: string;
  error?: string;
  detail?: string;
  /** boot_id seen before the host's reboot: a resumed turn that finds another one skips the reboot. */
  boot_before?: string;
  started_at?: string;
  finished_at?: string;
  seconds?: number;
}

/** The members every operation record has, whatever its kind (the done list is by kind). */
export interface OperationRecord {
  name: string;
  status: string;
  in_process: unknown[];
  started_at: string;
  finished_at: string;
  hosts: Record<string, unknown>;
  skipped: unknown[];
  policy: Record<string, unknown>;
  control: string;
  aborted: boolean;
  /** True while the operation waits on a pause (no host in its turn). */
  paused: boolean;
  error: string;
  version?: string;
  [member: string]: unknown;
}

export const KINDS: Record<OperationKind, { type: ModelType; done: string; phaseDone: string }> = {
  upgrade: { type: ClusterUpgrade as ModelType, done: "upgraded", phaseDone: "upgraded" },
  restart: { type: ClusterRestart as ModelType, done: "restarted", phaseDone: "restarted" },
  deploy: { type: ClusterDeploy as ModelType, done: "deployed", phaseDone: "deployed" },
};

/** Members the running operation writes; `control` belongs to pause/resume/abort. */
export function progressMembers(kind: OperationKind): string[] {
  return [
    "status",
    KINDS[kind].done,
    "in_process",
    "started_at",
    "finished_at",
    "hosts",
    "skipped",
    "policy",
    "aborted",
    "paused",
    "error",
  ];
}

export const operationLease = (cluster: string) => `clusterexec:${cluster}`;

export const now = () => formatDate(new Date());
