import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, test } from "node:test";
import { ConfigError } from "../../src/config/errors.js";
import { Host, modelTypes } from "../../src/models/index.js";
import { storedModelNames } from "../../src/services/storage/definition.js";
import {
  createHandlers,
  defineHandlers,
  storableFrom,
} from "../../src/storage/handler-registry.js";

const storable = storableFrom(modelTypes.values(), storedModelNames());
const define = (config: Record<string, unknown>) => defineHandlers(config, storable);
const dir = mkdtempSync(join(tmpdir(), "commissaire-plugins-"));
after(() => rmSync(dir, { recursive: true, force: true }));

async function fails(config: Record<string, unknown>, message: RegExp): Promise<void> {
  await assert.rejects(define(config), (e: any) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.match(e.message, message);
    return true;
  });
}

test("no storage_handlers: etcd at 127.0.0.1:2379 for every model, Custodia for secrets", async () => {
  const defs = await define({});
  assert.deepEqual(
    defs.map((d) => [d.name, d.type, d.models]),
    [
      [
        "etcd",
        "etcd",
        storedModelNames()
          .filter((n) => n !== "HostCreds")
          .sort(),
      ],
      ["custodia", "custodia", ["HostCreds"]],
    ],
  );
  assert.equal(defs[0]!.options.server_url, "http://127.0.0.1:2379");
  assert.equal(defs[1]!.options.custodia_socket_path, "/var/run/custodia/custodia.sock");
  const custom = await define({
    custodia_socket_path: "/run/c.sock",
    storage_handlers: [{ type: "memory" }],
  });
  assert.deepEqual(
    custom.map((d) => d.name),
    ["memory", "custodia"],
  );
  assert.equal(custom[1]!.options.custodia_socket_path, "/run/c.sock");
});

test("each configuration error names the handler and the problem", async () => {
  await fails(
    { storage_handlers: [{ type: "postgres" }] },
    /storage_handlers\[0\] \(store handler "postgres"\): unknown type "postgres"; built-in types: etcd, memory, file, custodia, secret_file/,
  );
  await fails({ storage_handlers: [{ name: "x" }] }, /storage_handlers\[0\]: "type" is required/);
  await fails({ storage_handlers: ["etcd"] }, /storage_handlers\[0\]: must be an object/);
  await fails(
    { storage_handlers: { type: "memory" } },
    /"storage_handlers" must be an object or a list/,
  );
  await fails(
    { storage_handlers: [{ type: "memory", models: ["Spaceship*"] }] },
    /store handler "memory"\): "Spaceship\*" matches no model type/,
  );
  await fails(
    {
      storage_handlers: [
        { type: "memory", name: "a", models: ["Host"] },
        { type: "memory", name: "b", models: ["H*"] },
      ],
    },
    /store handler "b"\): model Host is claimed by store handler "a" and by "b"/,
  );
  await fails(
    {
      storage_handlers: [
        { type: "memory", name: "same", models: ["Host"] },
        { type: "file", name: "same", directory: "/tmp/x", models: ["Network"] },
      ],
    },
    /two store handlers are named "same"/,
  );
  await fails(
    { storage_handlers: [{ type: "etcd", models: ["HostCreds"] }] },
    /HostCreds is a secret model: only a secret store/,
  );
  await fails(
    { storage_handlers: [{ type: "file" }] },
    /store handler "file"\): option "directory" \(a path\) is required/,
  );
  await fails(
    { storage_handlers: [{ type: "etcd", server_url: 5 }] },
    /"server_url" must be a URL or a non-empty list/,
  );
  await fails(
    { storage_handlers: [{ type: "etcd", certificate_path: "/c.pem" }] },
    /ETCD_TLSPEM and ETCD_TLSKEY must be given together/,
  );
  await fails(
    {
      storage_handlers: [
        { type: "memory", models: "Host" },
        { type: "memory", models: 5 },
      ],
    },
    /"models" must be a list/,
  );
});

test("globs: a wildcard leaves secret models to secret stores; names of two unnamed handlers are unique", async () => {
  const defs = await define({
    storage_handlers: [
      { type: "memory", models: ["Host*"] },
      { type: "memory", models: ["Cluster*"] },
      { type: "secret_file", directory: "/tmp/s" },
    ],
  });
  assert.deepEqual(
    defs.map((d) => d.name),
    ["memory", "memory-1", "secret_file"],
  );
  assert.deepEqual(defs[0]!.models, ["Host"]);
  assert.deepEqual(defs[1]!.models, [
    "Cluster",
    "ClusterDeploy",
    "ClusterRestart",
    "ClusterUpgrade",
  ]);
  assert.deepEqual(defs[2]!.models, ["HostCreds"]);
  const python = await define({
    storage_handlers: [{ type: "commissaire.storage.etcd", models: ["Hosts"] }],
  });
  assert.equal(python[0]!.type, "etcd");
  assert.deepEqual(python[0]!.models, ["Host"], "a list model's name stands for its items");
});

test("a type with a dot or a path is a plug-in module exporting a handler class", async () => {
  const plugin = join(dir, "my-store.mjs");
  writeFileSync(
    plugin,
    `export default class MyStore {
       constructor(ctx) { this.name = ctx.name; this.type = "mine"; this.secret = false; this.records = new Map(); this.greeting = ctx.options.greeting; }
       async save(t, k, r) { const created = !this.records.has(k); this.records.set(k, r); return { created }; }
       async get(t, k) { return this.records.get(k) ?? null; }
       async delete(t, k) { const r = this.records.get(k) ?? null; this.records.delete(k); return r; }
       async list() { return [...this.records.values()]; }
       async close() {}
     }`,
  );
  const defs = await define({
    storage_handlers: [{ type: plugin, name: "mine", models: ["Host"], greeting: "hi" }],
  });
  const handler = createHandlers(defs, {}).get("mine")!;
  // A plug-in without revisions is given them: content revisions, conditions checked in-process.
  assert.equal((handler as unknown as { plain: { greeting: string } }).plain.greeting, "hi");
  const saved = await handler.save(Host, "a", { address: "a" }, { ifRevision: "0" });
  assert.equal(saved.created, true);
  assert.deepEqual(await handler.get(Host, "a"), {
    record: { address: "a" },
    revision: saved.revision,
  });
  await assert.rejects(
    handler.save(Host, "a", { address: "a" }, { ifRevision: "0" }),
    /already exists/,
  );
  const broken = join(dir, "broken.mjs");
  writeFileSync(broken, "export const nothing = 1;\n");
  await fails({ storage_handlers: [{ type: broken }] }, /must export a store handler class/);
  await fails(
    { storage_handlers: [{ type: join(dir, "missing.mjs") }] },
    /cannot load plug-in module/,
  );
  await fails(
    { storage_handlers: [{ type: "no-such-package/store" }] },
    /cannot load plug-in module "no-such-package\/store"/,
  );
});
