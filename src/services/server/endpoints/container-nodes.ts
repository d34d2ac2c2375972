/**
 * GET /api/v0/containermanager/{name}/nodes: the nodes a container manager registered, with their
 * status, asked of the containermgr service (`container.list_nodes`). Behind the REST server so
 * operators use the credentials they already have, and it works in the all-in-one mode.
 */
import type { Bus } from "../../../bus/bus.js";
import { ContainerManagerError } from "../../../bus/errors.js";
import { HttpError } from "../http-error.js";
import type { Router } from "../router.js";

export function containerNodeEndpoints(router: Router, bus: Bus): void {
  router.on("GET", "/api/v0/containermanager/{name}/nodes", async ({ params }) => {
    try {
      const nodes = await bus.request("container.list_nodes", {
        container_manager_name: params.name!,
      });
      return { status: 200, body: nodes };
    } catch (err) {
      if (!(err instanceof ContainerManagerError)) throw err;
      // An unknown manager is the caller's 404; a cluster that failed is a bad gateway.
      const status = err.data.reason === "UnknownContainerManager" ? 404 : 502;
      throw new HttpError(status, err.message);
    }
  });
}
