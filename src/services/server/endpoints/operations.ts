/**
 * /api/v0/cluster/{name}/{upgrade,restart,deploy}: the operation's record from storage (GET), or
 * a new operation started by the clusterexec service (PUT, forwarded to jobs.clusterexec.<op>;
 * 503 with a clear message while no clusterexec service answers).
 */
import type { Bus } from "../../../bus/bus.js";
import { NoRouteError, RequestTimeoutError } from "../../../bus/errors.js";
import {
  ClusterDeploy,
  ClusterRestart,
  ClusterUpgrade,
  type ModelType,
} from "../../../models/index.js";
import type { StorageClient } from "../../../storage/client.js";
import { HttpError } from "../http-error.js";
import type { Router } from "../router.js";
import { objectBody, optionalString } from "./body.js";
import { orNull } from "./exists.js";

const OPERATIONS: Array<[string, ModelType]> = [
  ["upgrade", ClusterUpgrade],
  ["restart", ClusterRestart],
  ["deploy", ClusterDeploy],
];

export function operationEndpoints(router: Router, storage: StorageClient, bus: Bus): void {
  for (const [operation, type] of OPERATIONS) {
    router.on("GET", `/api/v0/cluster/{name}/${operation}`, async ({ params }) => {
      const record = await orNull(storage.get(type, { name: params.name! }));
      if (!record)
        throw new HttpError(404, `no ${operation} of cluster "${params.name}" is recorded`);
      return { status: 200, body: type.toJson(record) };
    });

    router.on("PUT", `/api/v0/cluster/{name}/${operation}`, async ({ params, body }) => {
      const what = `${operation} of cluster "${params.name}"`;
      const data = objectBody(body, what);
      const policy: Record<string, unknown> = {};
      // Ours: the rolling policy for this call (docs/cluster-execution.md).
      for (const member of ["batches", "max_failures", "mode"])
        if (data[member] !== undefined) policy[member] = data[member];
      const version = optionalString(data, "version", what);
      if (operation === "deploy" && !version)
        throw new HttpError(400, `${what}: "version" is required`);
      // Without a policy, the original's positional call (cluster name[, version]), which its
      // clusterexec takes too; a policy needs named params, which only ours takes.
      const positional = operation === "deploy" ? [params.name!, version!] : [params.name!];
      const request = Object.keys(policy).length
        ? { cluster_name: params.name, ...(version ? { version } : {}), ...policy }
        : positional;
      if (!(await orNull(storage.getCluster(params.name!))))
        throw new HttpError(404, `cluster "${params.name}" does not exist`);
      try {
        const record = await bus.request(`jobs.clusterexec.${operation}`, request);
        return { status: 201, body: record };
      } catch (err) {
        if (err instanceof NoRouteError || err instanceof RequestTimeoutError) {
          throw new HttpError(
            503,
            `no clusterexec service answered (${err.message}); the ${operation} was not started`,
          );
        }
        throw err;
      }
    });

    // Ours: pause, resume or abort the running operation (docs/cluster-execution.md).
    for (const control of ["pause", "resume", "abort"]) {
      router.on("PUT", `/api/v0/cluster/{name}/${operation}/${control}`, async ({ params }) => {
        try {
          const record = await bus.request(`jobs.clusterexec.${control}`, {
            cluster_name: params.name,
            operation,
          });
          return { status: 200, body: record };
        } catch (err) {
          if (err instanceof NoRouteError || err instanceof RequestTimeoutError)
            throw new HttpError(503, `no clusterexec service answered (${err.message})`);
          throw err;
        }
      });
    }
  }
}
