/** A Node object of the apiserver as the NodeStatus callers get: Ready, and what helps decide. */
import type { V1Node } from "@kubernetes/client-node";
import { MANAGER_LABEL, type NodeCondition, type NodeStatus } from "./manager.js";

function when(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value instanceof Date ? value.toISOString() : String(value);
}

function strings(record: object | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record ?? {})) if (v !== undefined) out[k] = String(v);
  return out;
}

/** nodeInfo's camelCase members as the snake_case of our wire. */
function snake(record: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(record))
    out[k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = v;
  return out;
}

export function nodeStatusOf(node: V1Node): NodeStatus {
  const conditions: NodeCondition[] = (node.status?.conditions ?? []).map((c) => {
    const out: NodeCondition = { type: c.type, status: c.status };
    if (c.reason) out.reason = c.reason;
    if (c.message) out.message = c.message;
    const t = when(c.lastTransitionTime);
    if (t) out.last_transition_time = t;
    return out;
  });
  const ready = conditions.find((c) => c.type === "Ready");
  return {
    node: node.metadata?.name ?? "",
    status: ready?.status === "True" ? "ok" : ready?.status === "False" ? "not_ready" : "unknown",
    ready: ready?.status === "True",
    unschedulable: node.spec?.unschedulable === true,
    conditions,
    addresses: (node.status?.addresses ?? []).map((a) => ({ type: a.type, address: a.address })),
    node_info: snake(strings(node.status?.nodeInfo)),
    capacity: strings(node.status?.capacity),
    allocatable: strings(node.status?.allocatable),
    registered_by: node.metadata?.labels?.[MANAGER_LABEL] ?? null,
  };
}
