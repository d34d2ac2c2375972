/**
 * The calls the original (Python) REST server makes, made its way by a kombu peer
 * (test/peers/python_rest.py, on a real Redis), on our services: storage, containermgr,
 * clusterexec, investigator and watcher. Each step names the handler of commissaire-http it
 * reproduces; every answer must be the one that handler expects.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { Bus } from "../../src/index.js";
import { Host, now } from "../../src/models/index.js";
import type { CommissaireService } from "../../src/service/service.js";
import { ClusterExecService } from "../../src/services/clusterexec/service.js";
import { ContainerManagerService } from "../../src/services/containermgr/service.js";
import { InvestigatorService } from "../../src/services/investigator/service.js";
import { createStorageService } from "../../src/services/storage/definition.js";
import { WatcherService } from "../../src/services/watcher/service.js";
import { StorageClient } from "../../src/storage/client.js";
import { FakeRemote, waitFor } from "../../src/testing/index.js";
import { captureLogger } from "../helpers/capture-logger.js";
import { KombuPeer } from "../helpers/kombu-peer.js";
import { RedisServer } from "../helpers/servers.js";

type Step =
  | { request: string; params: unknown }
  | { notify: string; params: unknown }
  | { publish_text: string; body: string };

const ADDRESS = "192.0.2.40";
const KEY = Buffer.from("-----BEGIN OPENSSH PRIVATE KEY-----\nk\n").toString("base64");
// Models as the original's Model.new(...).to_dict() writes them: every member, defaults filled.
const host = (status = "") => ({
  address: ADDRESS,
  status,
  os: "",
  cpus: 0,
  memory: 0,
  space: 0,
  last_check: "",
  source: "",
});
const cluster = (name: string, hostset: string[], container_manager = "cm1") => ({
  name,
  status: "",
  network: "n1",
  hostset,
  container_manager,
});
const model = (type: string, data: unknown) => ({ model_type_name: type, model_json_data: data });
const request = (key: string, params: unknown): Step => ({ request: key, params });
/** What the peer prints for a step. */
interface PeerLine {
  content_type?: string;
  sent_id?: string;
  response?: { id: string; result?: unknown; error?: { code: number } };
}
/** A decoded result: a record, or (through `list`) a list of them. */
type Answer = Record<string, unknown>;
const list = (answer: unknown) => answer as Answer[];

describe("the original REST server's calls on our services", () => {
  let redis: RedisServer;
  const services: CommissaireService[] = [];
  let watcher: WatcherService;
  let bus: Bus;
  let storage: StorageClient;

  /** Runs the steps in one peer process; the printed line of each step. */
  const run = async (steps: Step[]) => {
    const peer = await KombuPeer.script(
      "python_rest.py",
      redis.url(),
      "commissaire",
      JSON.stringify(steps),
    );
    const lines: PeerLine[] = (await peer.lines(steps.length + 1, 30_000)).slice(1);
    assert.equal(await peer.exited(), 0, peer.stderr);
    return lines;
  };
  /**
   * The results of request steps (`{}` for other steps), failing on any error answer not in
   * `lookups` (by index).
   */
  const results = (lines: PeerLine[], lookups: number[] = []): Answer[] =>
    lines.map((line, i) => {
      if (!line.response) return {};
      assert.equal(line.content_type, "text/plain", `step ${i}`);
      assert.equal(line.response.id, line.sent_id, `step ${i}`);
      if (lookups.includes(i)) {
        assert.equal(line.response.error?.code, -20000, `step ${i}: a lookup error`);
        return {};
      }
      assert.equal(line.response.error, undefined, `step ${i}: ${JSON.stringify(line.response)}`);
      return line.response.result as Answer;
    });

  before(async () => {
    redis = await RedisServer.start();
    const logger = captureLogger().logger;
    const connect = () => Bus.connect(redis.url(), { logger });
    const { service: storageService } = await createStorageService({
      bus: connect(),
      config: {
        storage_handlers: [
          { type: "memory", name: "models", models: ["*"] },
          { type: "secret_memory", name: "secrets", models: ["HostCreds"] },
        ],
      },
      env: {},
    });
    watcher = new WatcherService({ bus: connect(), remote: new FakeRemote(), logger });
    services.push(
      storageService,
      new ContainerManagerService({ bus: connect(), logger }),
      new ClusterExecService({ bus: connect(), connector: new FakeRemote(), logger }),
      new InvestigatorService({
        bus: connect(),
        remote: new FakeRemote(),
        logger,
        config: { recover_interval_seconds: 3600 },
      }),
      watcher,
    );
    for (const service of services) await service.start();
    bus = connect();
    storage = new StorageClient(bus);
  });
  after(async () => {
    for (const service of services.reverse()) {
      await service.stop(1000).catch(() => undefined);
      await service.bus.close();
    }
    await bus?.close();
    await redis?.destroy();
  });

  test("creating records, a host (jobs.investigate, WatcherRecord), listing them", async () => {
    const created = await run([
      // create_container_manager, create_network: a get (lookup error), then the save
      request(
        "storage.get",
        model("ContainerManagerConfig", { name: "cm1", type: "openshift", options: {} }),
      ),
      request(
        "storage.save",
        model("ContainerManagerConfig", { name: "cm1", type: "trivial", options: {} }),
      ),
      request("storage.get", model("Network", { name: "n1", type: "flannel_etcd", options: {} })),
      request("storage.save", model("Network", { name: "n1", type: "flannel_etcd", options: {} })),
      // create_cluster: a get, the network's get, the save of Cluster.new(**params)
      request("storage.get", model("Cluster", cluster("c1", []))),
      request("storage.get", model("Network", { name: "n1", type: "flannel_etcd", options: {} })),
      request("storage.save", model("Cluster", cluster("c1", []))),
      request("storage.save", model("Cluster", cluster("c2", [], ""))),
      // create_host with a cluster: the cluster, the host (lookup error), the cluster with the
      // host, HostCreds, the Host, jobs.investigate with the cluster's data
      request("storage.get", model("Cluster", cluster("c1", []))),
      request("storage.get", model("Host", host())),
      request("storage.save", model("Cluster", cluster("c1", [ADDRESS]))),
      request(
        "storage.save",
        model("HostCreds", { address: ADDRESS, ssh_priv_key: KEY, remote_user: "root" }),
      ),
      request("storage.save", model("Host", host())),
      { notify: "jobs.investigate", params: { address: ADDRESS, cluster_data: cluster("c1", []) } },
    ]);
    const r = results(created, [0, 2, 4, 9]);
    assert.equal(r[1]!.type, "trivial");
    assert.deepEqual(r[6]!.hostset, []);
    assert.equal(r[12]!.address, ADDRESS);
    // The investigator took the notification: the host ends registered with cm1, active.
    await waitFor(
      async () => ((await storage.getHost(ADDRESS)).status === "active" ? true : null),
      { timeoutMs: 20_000, what: "the host investigated to active" },
    );

    // The WatcherRecord (bare, text/plain) puts the host on our watcher's schedule.
    watcher.drop(ADDRESS);
    const record = JSON.stringify({ address: ADDRESS, last_check: now() });
    await run([{ publish_text: "jobs.watcher", body: record }]);
    await waitFor(() => watcher.schedule.has(ADDRESS), { what: "the host watched again" });

    // list_hosts, list_clusters, list_networks, list_container_managers: plural names
    const lists = results(
      await run(
        ["Hosts", "Clusters", "Networks", "ContainerManagerConfigs"].map((name) =>
          request("storage.list", { model_type_name: name }),
        ),
      ),
    );
    assert.deepEqual(
      list(lists[0]).map((h) => h.address),
      [ADDRESS],
    );
    assert.deepEqual(
      list(lists[1])
        .map((c) => c.name)
        .sort(),
      ["c1", "c2"],
    );
    assert.deepEqual(
      list(lists[2]).map((n) => n.name),
      ["n1"],
    );
    assert.deepEqual(
      list(lists[3]).map((n) => n.name),
      ["cm1"],
    );
  });

  test("cluster operations: the positional jobs.clusterexec calls", async () => {
    // create_cluster_upgrade / restart / deploy: the cluster's get, then the positional call;
    // one at a time, as an operation runs alone on its cluster.
    const operations: Array<[string, unknown[], string]> = [
      ["upgrade", ["c2"], "ClusterUpgrade"],
      ["restart", ["c2"], "ClusterRestart"],
      ["deploy", ["c2", "7.1"], "ClusterDeploy"],
    ];
    for (const [operation, params, type] of operations) {
      const [found, started] = results(
        await run([
          request("storage.get", model("Cluster", cluster("c2", [], ""))),
          request(`jobs.clusterexec.${operation}`, params),
        ]),
      );
      assert.equal(found!.name, "c2");
      assert.equal(started!.name, "c2");
      const ended = await waitFor(
        async () => {
          const done = await bus.request<{ status: string }>(
            "storage.get",
            model(type, { name: "c2" }),
          );
          return done.status === "in_process" ? null : done;
        },
        { timeoutMs: 20_000, what: `the ${operation} ended` },
      );
      assert.equal(ended.status, "finished", JSON.stringify(ended));
    }
    const [deploy] = results(
      await run([request("storage.get", model("ClusterDeploy", { name: "c2" }))]),
    );
    assert.equal(deploy!.version, "7.1");
  });

  test("membership, container calls and deletes, positional", async () => {
    const r = results(
      await run([
        // update_cluster_members: get_many of the new hosts, the cluster saved, the host
        // registered with the manager (positional), the hosts saved with save_many
        request("storage.get", model("Host", [host()])),
        request("storage.save", model("Cluster", cluster("c2", [ADDRESS], "cm1"))),
        request("container.register_node", ["cm1", ADDRESS]),
        request("storage.save", model("Host", [host("active")])),
        // get_host_status
        request("container.get_node_status", ["cm1", ADDRESS]),
        request("container.node_registered", ["cm1", ADDRESS]),
        // delete_cluster_member: the cluster saved without it, the node removed
        request("storage.save", model("Cluster", cluster("c2", [], "cm1"))),
        request("container.remove_node", ["cm1", ADDRESS]),
        // delete_host: Host, HostCreds, then the clusters listed
        request("storage.delete", model("Host", host())),
        request(
          "storage.delete",
          model("HostCreds", { address: ADDRESS, ssh_priv_key: "", remote_user: "root" }),
        ),
        request("storage.list", { model_type_name: "Clusters" }),
        // delete_cluster: every node of its manager removed, then the cluster
        request("container.remove_all_nodes", ["cm1"]),
        request("storage.delete", model("Cluster", cluster("c2", []))),
      ]),
    );
    assert.equal(list(r[0])[0]!.address, ADDRESS);
    assert.deepEqual(
      list(r[3]).map((h) => h.status),
      ["active"],
    );
    assert.equal(r[4]!.node, ADDRESS);
    assert.equal(r[5], true);
    await assert.rejects(storage.getHost(ADDRESS), /does not exist/);
    assert.deepEqual(
      (await storage.list(Host)).map((h) => h.address),
      [],
    );
  });
});
