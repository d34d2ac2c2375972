/** The all-in-one mode runs the container manager service: a `trivial` manager needs no cluster. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { silentLogger } from "../../src/base/logger.js";
import { startAllInOne } from "../../src/services/all-in-one.js";
import { waitFor } from "../../src/testing/index.js";
import { basic, call } from "../helpers/http.js";

test("all-in-one: a trivial container manager answers for its nodes", async () => {
  const dir = mkdtempSync(join(tmpdir(), "commissaire-aio-cm-"));
  const system = await startAllInOne({
    dataDir: dir,
    host: "127.0.0.1",
    port: 0,
    logger: silentLogger(),
  });
  try {
    const auth = basic("admin", system.generatedPassword!);
    const created = await call(system.url, "PUT", "containermanager/local", {
      authorization: auth,
      body: { type: "trivial" },
    });
    assert.equal(created.status, 201);
    const nodes = await waitFor(async () => {
      const r = await call(system.url, "GET", "containermanager/local/nodes", {
        authorization: auth,
      });
      return r.status === 200 ? r : undefined;
    });
    assert.deepEqual(nodes.body, []);
    const unknown = await call(system.url, "GET", "containermanager/none/nodes", {
      authorization: auth,
    });
    assert.equal(unknown.status, 404);
  } finally {
    await system.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});
