import assert from "node:assert/strict";
import { test } from "node:test";
import { Host } from "commissaire-ts";
import { callHandler, startTestService, waitFor } from "commissaire-ts/testing";
import { InventoryService } from "./service.js";

test("counts hosts by status and retires one", async () => {
  const t = await startTestService(
    (bus) => new InventoryService({ bus, config: { interval_ms: 50 } }),
    { storage: true },
  );
  try {
    await t.storage.save(Host, { address: "192.0.2.1", status: "active" });
    await t.storage.save(Host, { address: "192.0.2.2", status: "failed" });
    await waitFor(() => t.service.counts.active === 1 && t.service.counts.failed === 1);
    assert.equal(await t.client.request("inventory.retire", ["192.0.2.1"]), "disassociated");
    await t.notifications.waitFor(Host, "updated", (h) => h.status === "disassociated");
    await waitFor(() => t.service.counts.disassociated === 1 && !t.service.counts.active);
    await assert.rejects(callHandler(t.service, "retire", [42]), { code: -32602 });
  } finally {
    await t.close();
  }
});
