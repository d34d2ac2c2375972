/**
 * GET /api/v0/: the base URL the server logs at start answers with a short index of the API
 * (the original answered 404 there), so an operator who opens it sees where to go.
 */
import type { Router } from "../router.js";

export const INDEX = {
  api: "v0",
  endpoints: [
    "/api/v0/clusters",
    "/api/v0/cluster/{name}",
    "/api/v0/cluster/{name}/hosts",
    "/api/v0/cluster/{name}/{upgrade,restart,deploy}",
    "/api/v0/hosts",
    "/api/v0/host/{address}",
    "/api/v0/host/{address}/status",
    "/api/v0/networks",
    "/api/v0/network/{name}",
    "/api/v0/containermanagers",
    "/api/v0/containermanager/{name}",
  ],
};

export function indexEndpoint(router: Router): void {
  router.on("GET", "/api/v0", async () => ({ status: 200, body: INDEX }));
}
