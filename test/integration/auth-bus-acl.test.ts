/**
 * The Redis ACL users of docs/securing-the-bus.md, read from the page and applied to a real
 * redis-server: storage serves with its user, the REST server's user calls it, the investigator's
 * user serves and calls, `commissaire listen` works with the listener's user and redacts secrets,
 * and the listener's user is refused when it tries to call storage.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import type { Redis } from "ioredis";
import { Bus, CommissaireService } from "../../src/index.js";
import { modelTypes } from "../../src/models/index.js";
import { storedModelNames } from "../../src/services/storage/definition.js";
import { StorageService } from "../../src/services/storage/service.js";
import {
  createHandlers,
  defineHandlers,
  storableFrom,
} from "../../src/storage/handler-registry.js";
import { waitFor } from "../../src/testing/index.js";
import { BIN, Running, run } from "../helpers/cli.js";
import { RedisServer } from "../helpers/servers.js";

const page = readFileSync(new URL("../../../docs/securing-the-bus.md", import.meta.url), "utf8");
const block = page.slice(page.indexOf("<!-- acl-file"));
const aclLines = block
  .slice(block.indexOf("```text") + 7, block.indexOf("```", block.indexOf("```text") + 7))
  .trim()
  .split("\n");
const PRIVATE_KEY = Buffer.from("-----BEGIN OPENSSH PRIVATE KEY-----\nsecret-material\n").toString(
  "base64",
);

/** A stand-in investigator: serves `jobs.investigate` and calls storage to do it. */
class Investigator extends CommissaireService {
  readonly name = "investigator";
  override queues() {
    return [{ name: "investigator", routingKeys: ["jobs.investigate"] }];
  }
  async on_investigate() {
    return this.bus.request("storage.list", { model_type_name: "Clusters" });
  }
}

describe("Redis ACL users of the securing-the-bus page", () => {
  let redis: RedisServer;
  let admin: Redis;
  let dir: string;
  const buses: Bus[] = [];
  const processes: Running[] = [];
  const services: CommissaireService[] = [];
  const urlFor = (user: string) =>
    redis
      .url()
      .replace(
        "redis://",
        `redis://${user}:CHANGE-ME-${user === "commissaire-server" ? "server" : user}@`,
      );
  const connect = (user: string) => {
    const bus = Bus.connect(urlFor(user));
    buses.push(bus);
    return bus;
  };

  before(async () => {
    redis = await RedisServer.start();
    dir = mkdtempSync(join(tmpdir(), "commissaire-acl-"));
    const setup = redis.client();
    await setup.call("ACL", "SETUSER", "admin", "on", ">admin-pw", "~*", "&*", "+@all");
    admin = redis.client(0, { username: "admin", password: "admin-pw" });
    await admin.ping();
    for (const line of aclLines) {
      const [keyword, name, ...rules] = line.split(" ");
      assert.equal(keyword, "user", line);
      await admin.call("ACL", "SETUSER", name!, ...rules);
    }
    setup.disconnect();

    const definitions = await defineHandlers(
      {
        storage_handlers: [
          { type: "memory", name: "models" },
          { type: "secret_file", name: "secrets", directory: dir },
        ],
      },
      storableFrom(modelTypes.values(), storedModelNames()),
    );
    const storage = new StorageService({
      bus: connect("storage"),
      handlers: createHandlers(definitions, {}),
      definitions,
    });
    await storage.start();
    services.push(storage);
    const investigator = new Investigator({ bus: connect("investigator") });
    await investigator.start();
    services.push(investigator);
  });
  after(async () => {
    for (const p of processes) await p.stop();
    for (const s of services) await s.stop(1000);
    for (const b of buses) await b.close();
    admin?.disconnect();
    await redis?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test("the default user is off", async () => {
    const anonymous = redis.client(0, {
      lazyConnect: true,
      maxRetriesPerRequest: 0,
      retryStrategy: () => null,
    });
    anonymous.on("error", () => undefined);
    await assert.rejects(anonymous.connect().then(() => anonymous.ping()));
    anonymous.disconnect();
  });

  test("services serve and call with their own users; listen works and hides secrets", async () => {
    const listen = (extra: string[]) => {
      const p = Running.start(BIN.commissaire, [
        "listen",
        "storage.#",
        "--bus-uri",
        urlFor("listener"),
        ...extra,
      ]);
      processes.push(p);
      return p;
    };
    const redacted = listen([]);
    const shown = listen(["--show-secrets"]);
    for (const p of [redacted, shown])
      await waitFor(() => p.stderr.includes("listening on"), { timeoutMs: 10_000, what: "listen" });

    const server = connect("commissaire-server");
    await server.request("storage.save", {
      model_type_name: "Cluster",
      model_json_data: { name: "c1" },
    });
    await server.request("storage.save", {
      model_type_name: "HostCreds",
      model_json_data: { address: "192.0.2.7", ssh_priv_key: PRIVATE_KEY, remote_user: "root" },
    });
    const clusters = (await server.request("jobs.investigate", {})) as Array<{ name: string }>;
    assert.deepEqual(
      clusters.map((c) => c.name),
      ["c1"],
    );

    await waitFor(
      () => redacted.stdout.includes("HostCreds") && shown.stdout.includes("HostCreds"),
      { timeoutMs: 10_000, what: "the save seen by listen" },
    );
    assert.equal(redacted.stdout.includes(PRIVATE_KEY), false);
    assert.match(redacted.stdout, /\[redacted\]/);
    assert.equal(shown.stdout.includes(PRIVATE_KEY), true);

    // None of that was refused: the ACL log has nothing about these users but the transport's one
    // look at `notify-keyspace-events` (CONFIG GET, left out on purpose: it would show the
    // server's configuration; the transport then does without keyspace events).
    // The operator's user sees every service process's health.
    const health = await run(BIN.commissaire, [
      "services",
      "--json",
      "--bus-uri",
      urlFor("listener"),
    ]);
    assert.equal(health.code, 0, health.stderr);
    assert.deepEqual(
      (JSON.parse(health.stdout) as { service: string }[]).map((r) => r.service).sort(),
      ["investigator", "storage"],
    );

    const log = (await admin.call("ACL", "LOG")) as unknown[][];
    const field = (entry: unknown[], name: string) => entry[entry.indexOf(name) + 1];
    const refused = log
      .filter((entry) => !String(field(entry, "object")).startsWith("config|"))
      .map((entry) => `${field(entry, "username")}: ${field(entry, "object")}`);
    assert.deepEqual(refused, []);
  });

  test("the listener's user cannot call storage", async () => {
    const listener = connect("listener");
    await assert.rejects(
      listener.request(
        "storage.get",
        { model_type_name: "HostCreds", model_json_data: { address: "192.0.2.7" } },
        { timeoutMs: 3000 },
      ),
      /can't access|NOPERM|no permissions/i,
    );
    const log = (await admin.call("ACL", "LOG")) as unknown[][];
    assert.ok(log.some((entry) => entry[entry.indexOf("username") + 1] === "listener"));
  });
});
