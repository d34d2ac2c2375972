/**
 * Networks (/api/v0/networks, /api/v0/network/{name}) and container managers
 * (/api/v0/containermanagers, /api/v0/containermanager/{name}): records known by name.
 */
import { StoragePreconditionError } from "../../../bus/errors.js";
import {
  ContainerManagerConfig,
  implicitNetwork,
  type ModelType,
  Network,
} from "../../../models/index.js";
import type { StorageClient } from "../../../storage/client.js";
import { HttpError } from "../http-error.js";
import type { Router } from "../router.js";
import { objectBody } from "./body.js";
import { orNull } from "./exists.js";

interface NamedRecords {
  type: ModelType<{ name: string; type: string; options: Record<string, unknown> }>;
  list: string;
  one: string;
  label: string;
  /** A record that exists without being stored (the "default" network). */
  implicit?: (
    name: string,
  ) => { name: string; type: string; options: Record<string, unknown> } | null;
  /** DELETE of a missing record: 200 (documented as idempotent) or 404. */
  idempotentDelete: boolean;
}

function namedEndpoints(router: Router, storage: StorageClient, spec: NamedRecords): void {
  const find = async (name: string) =>
    (await orNull(storage.get(spec.type, { name }))) ?? spec.implicit?.(name) ?? null;

  router.on("GET", spec.list, async () => ({
    status: 200,
    body: (await storage.list(spec.type)).map((r) => r.name),
  }));

  router.on("GET", spec.one, async ({ params }) => {
    const record = await find(params.name!);
    if (!record) throw new HttpError(404, `${spec.label} "${params.name}" does not exist`);
    return { status: 200, body: spec.type.toSafeJson(record) };
  });

  router.on("PUT", spec.one, async ({ params, body }) => {
    const data = objectBody(body, `${spec.label} "${params.name}"`);
    // Create-only: of concurrent creations one wins, the others get 409.
    const saved = await storage
      .save(spec.type, { ...data, name: params.name! }, { createOnly: true })
      .catch((err) => {
        if (err instanceof StoragePreconditionError)
          throw new HttpError(409, `${spec.label} "${params.name}" already exists`);
        throw err;
      });
    return { status: 201, body: spec.type.toSafeJson(saved) };
  });

  router.on("DELETE", spec.one, async ({ params }) => {
    if (!(await orNull(storage.get(spec.type, { name: params.name! })))) {
      if (spec.idempotentDelete) return { status: 200, body: [] };
      throw new HttpError(404, `${spec.label} "${params.name}" does not exist`);
    }
    await storage.delete(spec.type, { name: params.name! });
    return { status: 200, body: [] };
  });
}

export function networkEndpoints(router: Router, storage: StorageClient): void {
  namedEndpoints(router, storage, {
    type: Network,
    list: "/api/v0/networks",
    one: "/api/v0/network/{name}",
    label: "network",
    implicit: implicitNetwork,
    idempotentDelete: false,
  });
}

export function containerManagerEndpoints(router: Router, storage: StorageClient): void {
  namedEndpoints(router, storage, {
    type: ContainerManagerConfig,
    list: "/api/v0/containermanagers",
    one: "/api/v0/containermanager/{name}",
    label: "container manager",
    idempotentDelete: true,
  });
}
