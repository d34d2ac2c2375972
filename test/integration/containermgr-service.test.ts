/**
 * The containermgr service on the bus with a storage service beside it: managers built from the
 * stored ContainerManagerConfigs and kept current by notifications (the full record read with
 * storage.get, since notifications hide the token), calls named or positional as the Python
 * callers send them, -20001 with `{manager, http_status, reason}`, and no secret anywhere.
 */
import assert from "node:assert/strict";
import { readFileSync, rmSync } from "node:fs";
import { after, before, test } from "node:test";
import { ContainerManagerError, RemoteProcedureCallError } from "../../src/bus/errors.js";
import type { Params } from "../../src/bus/jsonrpc.js";
import { MANAGER_LABEL } from "../../src/containermgr/index.js";
import { ContainerManagerConfig } from "../../src/models/index.js";
import { ContainerManagerService } from "../../src/services/containermgr/service.js";
import { memoryBus, startTestService, waitFor } from "../../src/testing/index.js";
import { captureLogger } from "../helpers/capture-logger.js";
import { FakeApiserver } from "../helpers/fake-apiserver.js";
import { makeTlsFiles } from "../helpers/servers.js";

const TOKEN = "svc-token-9a7e3d";
const tls = makeTlsFiles();
const ca = readFileSync(tls.caFile, "utf8");
let api: FakeApiserver;
let api2: FakeApiserver;

before(async () => {
  [api, api2] = await Promise.all([
    new FakeApiserver({ tls, token: TOKEN }).start(),
    new FakeApiserver({ tls, token: TOKEN }).start(),
  ]);
});
after(async () => {
  await Promise.all([api.stop(), api2.stop()]);
  rmSync(tls.dir, { recursive: true, force: true });
});

const kube = (name: string, serverUrl: string) => ({
  name,
  type: "kubernetes" as const,
  options: { server_url: serverUrl, token: TOKEN, ca_cert: ca, retry_backoff_ms: 1 },
});

async function start() {
  const log = captureLogger();
  const t = await startTestService(
    (bus) =>
      new ContainerManagerService({
        bus,
        logger: log.logger,
        config: { refresh_interval_seconds: 3600 },
      }),
    { storage: true },
  );
  return { t, log };
}

function reason(expected: string) {
  return (err: unknown) => {
    assert.ok(err instanceof ContainerManagerError, String(err));
    assert.equal(err.data.reason, expected);
    return true;
  };
}

test("managers appear, change and disappear with storage notifications", async () => {
  const { t, log } = await start();
  try {
    const call = (method: string, params: Params) =>
      t.client.request(`container.${method}`, params);
    await assert.rejects(call("list_nodes", ["k8s"]), reason("UnknownContainerManager"));

    await t.storage.save(ContainerManagerConfig, kube("k8s", api.url));
    // The notification hides the token: the service read the full record to have one.
    const created = await t.notifications.waitFor(ContainerManagerConfig, "created");
    assert.equal((created.model.options as Record<string, unknown>).token, undefined);
    await waitFor(() => call("list_nodes", ["k8s"]), { what: "manager k8s" });

    // Positional, as the Python investigator sends it; then named; both idempotent.
    assert.deepEqual(await call("register_node", ["k8s", "192.0.2.60"]), {
      node: "192.0.2.60",
      created: true,
    });
    assert.deepEqual(
      await call("register_node", { container_manager_name: "k8s", address: "192.0.2.60" }),
      { node: "192.0.2.60", created: false },
    );
    assert.equal(await call("node_registered", ["k8s", "192.0.2.60"]), true);
    assert.equal(api.nodes.get("192.0.2.60")?.metadata.labels?.[MANAGER_LABEL], "k8s");

    // An update (another server) is applied from the full record: the token still goes along.
    await t.storage.save(ContainerManagerConfig, kube("k8s", api2.url));
    await waitFor(
      async () =>
        (await call("register_node", ["k8s", "192.0.2.61"])) && api2.nodes.has("192.0.2.61"),
      { what: "the updated manager" },
    );
    assert.equal(api2.received.at(-1)?.authorization, `Bearer ${TOKEN}`);

    await t.storage.delete(ContainerManagerConfig, { name: "k8s" });
    await waitFor(
      () =>
        call("list_nodes", ["k8s"]).then(
          () => false,
          (err) => reason("UnknownContainerManager")(err),
        ),
      { what: "manager k8s gone" },
    );

    for (const n of t.notifications.seen) assert.ok(!JSON.stringify(n).includes(TOKEN));
    assert.ok(!log.text().includes(TOKEN), "the token reached a log line");
  } finally {
    await t.close();
  }
});

test("managers stored before the service starts are built at start", async () => {
  const { t } = await start();
  const bus = memoryBus(t.broker);
  try {
    await t.storage.save(ContainerManagerConfig, { name: "early", type: "trivial", options: {} });
    // A second process of the service, started after the record was saved.
    const second = new ContainerManagerService({ bus, config: { refresh_interval_seconds: 3600 } });
    await second.start();
    try {
      assert.deepEqual(second.managers.names(), ["early"]);
    } finally {
      await second.stop(1000);
    }
  } finally {
    await bus.close();
    await t.close();
  }
});

test("the trivial manager answers every method; errors are -20001 with their data", async () => {
  const { t } = await start();
  try {
    const call = (method: string, params: Params) =>
      t.client.request(`container.${method}`, params);
    await t.storage.save(ContainerManagerConfig, { name: "local", type: "trivial", options: {} });
    await waitFor(() => call("list_nodes", ["local"]));
    await call("register_node", ["local", "192.0.2.70"]);
    await call("register_node", ["local", "192.0.2.71"]);
    assert.equal(
      ((await call("cordon_node", ["local", "192.0.2.70"])) as { unschedulable: boolean })
        .unschedulable,
      true,
    );
    assert.equal(
      ((await call("uncordon_node", ["local", "192.0.2.70"])) as { unschedulable: boolean })
        .unschedulable,
      false,
    );
    assert.equal(
      ((await call("get_node_status", ["local", "192.0.2.71"])) as { status: string }).status,
      "ok",
    );
    assert.deepEqual(await call("remove_node", ["local", "192.0.2.71"]), {
      node: "192.0.2.71",
      removed: true,
    });
    await assert.rejects(call("node_registered", ["local", "192.0.2.71"]), (err: unknown) => {
      assert.ok(err instanceof ContainerManagerError);
      assert.deepEqual(err.data, { manager: "local", http_status: 404, reason: "NotFound" });
      return true;
    });
    assert.deepEqual(await call("remove_all_nodes", ["local"]), { removed: ["192.0.2.70"] });
    await assert.rejects(call("register_node", ["local"]), (err: unknown) => {
      assert.ok(err instanceof RemoteProcedureCallError);
      assert.equal(err.code, -32602);
      return true;
    });
  } finally {
    await t.close();
  }
});

test("a stored manager that cannot be built answers why, without its secrets", async () => {
  const { t, log } = await start();
  try {
    await t.storage.save(ContainerManagerConfig, {
      name: "plain",
      type: "openshift",
      options: { server_url: "http://127.0.0.1:1", token: TOKEN },
    });
    const err = await waitFor(() =>
      t.client.request("container.register_node", ["plain", "192.0.2.80"]).then(
        () => undefined,
        (e: unknown) =>
          e instanceof ContainerManagerError && e.data.reason === "BadConfiguration"
            ? e
            : undefined,
      ),
    );
    assert.match(err.message, /must be an https:\/\/ URL/);
    assert.ok(!JSON.stringify(err).includes(TOKEN));
    assert.ok(!log.text().includes(TOKEN));
  } finally {
    await t.close();
  }
});
