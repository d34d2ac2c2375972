/** `commissaire doctor` names what is wrong: a wrong bus URI, an unreachable etcd, a missing users file. */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Bus } from "../../src/bus/bus.js";
import type { HealthProbe } from "../../src/service/health.js";
import { CommissaireService } from "../../src/service/service.js";
import { BIN, run } from "../helpers/cli.js";
import { freePort, RedisServer } from "../helpers/servers.js";

let dir: string;
let redis: RedisServer;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "commissaire-doctor-"));
  redis = await RedisServer.start();
});
after(async () => {
  await redis.destroy();
  rmSync(dir, { recursive: true, force: true });
});

function configDir(name: string, files: Record<string, unknown>): string {
  const path = join(dir, name);
  mkdirSync(path);
  for (const [file, content] of Object.entries(files))
    writeFileSync(
      join(path, file),
      typeof content === "string" ? content : JSON.stringify(content),
    );
  return path;
}

const doctor = (configs: string) =>
  run(BIN.commissaire, ["doctor", "--config-dir", configs, "--timeout", "2"], {
    env: { COMMISSAIRE_BUS_URI: undefined, ETCD_MACHINES: undefined },
  });

const line = (out: string, subject: RegExp) =>
  out.split("\n").find((l) => subject.test(l)) ?? `(no line for ${subject})`;

test("a wrong bus URI, an unreachable etcd and a missing users file are each named", async () => {
  const [deadRedis, deadEtcd, deadServer] = await Promise.all([freePort(), freePort(), freePort()]);
  const configs = configDir("broken", {
    "storage.conf": {
      bus_uri: `redis://127.0.0.1:${deadRedis}/0`,
      storage_handlers: [
        { type: "etcd", server_url: `http://127.0.0.1:${deadEtcd}` },
        { type: "secret_memory" },
      ],
    },
    "commissaire.conf": {
      bus_uri: redis.url(),
      listen_port: deadServer,
      users_file: join(dir, "no-such-users.json"),
    },
    "watcher.conf": '{"interval": "often"}',
  });
  const r = await doctor(configs);
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    line(r.stdout, new RegExp(`bus redis://127.0.0.1:${deadRedis}/0`)),
    /^PROBLEM .*cannot connect/,
  );
  assert.match(line(r.stdout, new RegExp(`bus ${redis.url()}`)), /^ok .*reachable/);
  assert.match(
    line(r.stdout, /etcd http/),
    /^PROBLEM .*unreachable: no etcd answered.*ECONNREFUSED/,
  );
  assert.match(line(r.stdout, /users file/), /^PROBLEM .*no-such-users\.json\s+does not exist/);
  assert.match(line(r.stdout, /REST server/), /^PROBLEM .*not answering/);
  assert.match(line(r.stdout, /watcher\.conf/), /^PROBLEM .*"interval" must be a positive number/);
  assert.match(line(r.stdout, /containermgr\.conf/), /^ok .*not present/);
  assert.match(r.stdout, /5 problems found/);
});

test("a reachable bus and a users file with a user are ok", async () => {
  const users = join(dir, "users.json");
  const added = await run(BIN.commissaire, ["user", "add", "ops", "--users-file", users], {
    input: "a-password\n",
  });
  assert.equal(added.code, 0, added.stderr);
  const server = await freePort();
  const configs = configDir("fine", {
    "containermgr.conf": { bus_uri: redis.url() },
    "commissaire.conf": { bus_uri: redis.url(), users_file: users, listen_port: server },
  });
  const r = await doctor(configs);
  // Only the REST server (not started here) is missing.
  assert.match(line(r.stdout, /users file/), /^ok .*1 user$/);
  assert.match(r.stdout, /1 problem found/);
  assert.equal(r.code, 1);
});

/** A service whose store probe fails: doctor names its process and the probe. */
class StoreDown extends CommissaireService {
  readonly name = "storedown";
  protected override healthProbes(): Record<string, HealthProbe> {
    return {
      store: () => {
        throw new Error("the store is down");
      },
    };
  }
}

test("a service process whose health probe fails is named with the probe", async () => {
  const bus = await Bus.open(redis.url());
  const service = new StoreDown({ bus });
  await service.start();
  try {
    const configs = configDir("unhealthy", { "containermgr.conf": { bus_uri: redis.url() } });
    const r = await doctor(configs);
    assert.match(
      line(r.stdout, /storedown process/),
      /^PROBLEM .*unhealthy: store: the store is down/,
    );
    assert.match(line(r.stdout, /service processes/), /^ok .*0 healthy of 1 that answered/);
    assert.equal(r.code, 1);
  } finally {
    await service.stop();
    await bus.close();
  }
});
