/**
 * The Kubernetes objects the fake apiserver deals in: a Node as stored, Status objects as the real
 * apiserver answers them, the Node schema check of kubernetes-models, and JSON merge patches.
 */
import { Node } from "kubernetes-models/v1";

export type KubeNode = {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    labels?: Record<string, string>;
    uid?: string;
    resourceVersion?: string;
    creationTimestamp?: string;
  };
  spec?: Record<string, unknown>;
  status?: Record<string, unknown>;
};

export const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

export function status(code: number, reason: string, message: string, details?: object) {
  return {
    kind: "Status",
    apiVersion: "v1",
    metadata: {},
    status: code < 400 ? "Success" : "Failure",
    message,
    reason,
    ...(details ? { details } : {}),
    code,
  };
}

/** The schema check of kubernetes-models, or the reason it fails. */
export function nodeSchemaProblem(node: unknown): string | null {
  try {
    new Node(node as ConstructorParameters<typeof Node>[0]).validate();
    return null;
  } catch (err) {
    return (err as Error).message;
  }
}

export /** A JSON merge patch (RFC 7386). */
function mergePatch(target: unknown, patch: unknown): unknown {
  if (typeof patch !== "object" || patch === null || Array.isArray(patch)) return patch;
  const out: Record<string, unknown> =
    typeof target === "object" && target !== null && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [k, v] of Object.entries(patch)) {
    if (v === null) delete out[k];
    else out[k] = mergePatch(out[k], v);
  }
  return out;
}
