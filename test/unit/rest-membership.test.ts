/**
 * A host joining a cluster through the REST server, on our storage (memory bus): disassociated
 * without a container manager; registered and active with one, each with a Host.updated
 * notification; the manager forgets the node when it leaves.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ContainerManagerConfig, Host } from "../../src/models/index.js";
import { ContainerManagerService } from "../../src/services/containermgr/service.js";
import { Anonymous } from "../../src/services/server/auth.js";
import { CommissaireServer } from "../../src/services/server/server.js";
import { memoryBus, startTestService, waitFor } from "../../src/testing/index.js";
import { call } from "../helpers/http.js";

test("joining a cluster sets the host disassociated, or registers it and sets it active", async () => {
  const t = await startTestService((bus) => new ContainerManagerService({ bus }), {
    storage: true,
  });
  const serverBus = memoryBus(t.broker);
  const server = new CommissaireServer({
    bus: serverBus,
    authenticator: new Anonymous(),
    logger: serverBus.logger,
  });
  const { port } = await server.listen(0, "127.0.0.1");
  const rest = (method: string, path: string, body?: unknown) =>
    call(`http://127.0.0.1:${port}`, method, path, body === undefined ? {} : { body });
  try {
    await t.storage.save(ContainerManagerConfig, { name: "cm", type: "trivial" });
    await waitFor(() => t.service.managers.names().includes("cm"), { what: "cm known" });
    await t.storage.saveMany(Host, [
      { address: "192.0.2.1", status: "active" },
      { address: "192.0.2.2", status: "disassociated" },
    ]);
    await rest("PUT", "/api/v0/cluster/plain");
    await rest("PUT", "/api/v0/cluster/managed", { container_manager: "cm" });

    assert.deepEqual((await rest("PUT", "/api/v0/cluster/plain/hosts/192.0.2.1")).body, [
      "192.0.2.1",
    ]);
    await t.notifications.waitFor(Host, "updated", (h) => h.status === "disassociated");
    assert.equal((await t.storage.getHost("192.0.2.1")).status, "disassociated");

    const swapped = await rest("PUT", "/api/v0/cluster/managed/hosts", {
      old: [],
      new: ["192.0.2.2"],
    });
    assert.deepEqual(swapped.body.hostset, ["192.0.2.2"]);
    await t.notifications.waitFor(
      Host,
      "updated",
      (h) => h.address === "192.0.2.2" && h.status === "active",
    );
    assert.equal(await t.client.request("container.node_registered", ["cm", "192.0.2.2"]), true);
    const status = await rest("GET", "/api/v0/host/192.0.2.2/status");
    assert.equal(status.body.container_manager.node, "192.0.2.2");

    assert.deepEqual((await rest("DELETE", "/api/v0/cluster/managed/hosts/192.0.2.2")).body, []);
    await assert.rejects(
      t.client.request("container.node_registered", ["cm", "192.0.2.2"]),
      (e: { code?: number }) => e.code === -20001,
    );
  } finally {
    await server.close(1000);
    await serverBus.close();
    await t.close();
  }
});
