/**
 * The systemd units as systemd would run them, on a machine without systemd as PID 1: each unit
 * checked by `systemd-analyze verify`, then its ExecStart run with its Environment and the sample
 * configuration (bus and etcd pointed at this test's own servers, paths moved under a temporary
 * directory, the REST server on loopback) until the service answers, then SIGTERMed: a clean exit.
 */
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { Bus } from "../../src/bus/bus.js";
import { RemoteProcedureCallError } from "../../src/bus/errors.js";
import { waitFor } from "../../src/testing/index.js";
import { BIN, Running, run } from "../helpers/cli.js";
import {
  packageBins,
  ROOT,
  readUnit,
  SAMPLE_DIR,
  sampleConfigs,
  serviceUnits,
  UNIT_DIR,
} from "../helpers/deploy-units.js";
import {
  EtcdServer,
  freePort,
  makeTlsFiles,
  RedisServer,
  startProcess,
} from "../helpers/servers.js";

let dir: string;
let redis: RedisServer;
let etcd: EtcdServer;
let tls: ReturnType<typeof makeTlsFiles>;
let serverPort: number;
const units = () => join(dir, "units");

/** The installed layout under the test's directory: /usr/bin, /etc/commissaire, /var/lib. */
function moved(text: string): string {
  return text
    .replaceAll("/usr/bin/", `${dir}/bin/`)
    .replaceAll("/etc/commissaire/", `${dir}/etc/commissaire/`)
    .replaceAll("/var/lib/commissaire", `${dir}/var/lib/commissaire`);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), "commissaire-deploy-"));
  [redis, etcd] = await Promise.all([RedisServer.start(), EtcdServer.start()]);
  tls = makeTlsFiles();
  serverPort = await freePort();
  for (const d of ["bin", "units", "etc/commissaire/tls", "var/lib/commissaire"])
    mkdirSync(join(dir, d), { recursive: true });
  for (const [name, path] of Object.entries(packageBins()))
    symlinkSync(resolve(ROOT, "dist", path.replace(/^dist\//, "")), join(dir, "bin", name));
  for (const file of [...serviceUnits(), "commissaire.target"])
    writeFileSync(join(units(), file), moved(readFileSync(`${UNIT_DIR}${file}`, "utf8")));
  for (const file of sampleConfigs()) {
    const config = JSON.parse(moved(readFileSync(`${SAMPLE_DIR}${file}`, "utf8")));
    config.bus_uri = redis.url();
    for (const h of config.storage_handlers ?? []) if (h.type === "etcd") h.server_url = etcd.url;
    if (config.listen_port !== undefined) {
      config.listen_interface = "127.0.0.1";
      config.listen_port = serverPort;
    }
    writeFileSync(join(dir, "etc/commissaire", file), JSON.stringify(config));
  }
  copyFileSync(tls.certFile, join(dir, "etc/commissaire/tls/server.pem"));
  copyFileSync(tls.keyFile, join(dir, "etc/commissaire/tls/server.key"));
  const users = join(dir, "etc/commissaire/users.json");
  const added = await run(BIN.commissaire, ["user", "add", "admin", "--users-file", users], {
    input: "a-password\n",
  });
  assert.equal(added.code, 0, added.stderr);
});

after(async () => {
  await Promise.all([redis?.destroy(), etcd?.destroy()]);
  rmSync(dir, { recursive: true, force: true });
  if (tls) rmSync(tls.dir, { recursive: true, force: true });
});

test("systemd-analyze verify accepts every unit and the target, without a warning", async () => {
  const files = [...serviceUnits(), "commissaire.target"].map((f) => join(units(), f));
  const { stdout, stderr } = await promisify(execFile)("systemd-analyze", ["verify", ...files]);
  assert.equal(`${stdout}${stderr}`.trim(), "");
});

/** How each service shows it is up: any JSON-RPC answer on its routing (an error counts). */
const probes: Record<string, [string, Record<string, unknown>]> = {
  "commissaire-storage-service": ["storage.list_store_handlers", {}],
  "commissaire-containermgr-service": ["container.list_nodes", { container_manager_name: "x" }],
  "commissaire-investigator-service": ["jobs.investigate", {}],
  "commissaire-clusterexec-service": ["jobs.clusterexec.pause", { cluster_name: "x" }],
  "commissaire-watcher-service": ["watcher.probe", {}],
};

function answersHttps(port: number): Promise<boolean> {
  return new Promise((done) => {
    const req = request(
      { host: "127.0.0.1", port, path: "/api/v0/clusters", rejectUnauthorized: false },
      (res) => {
        res.resume();
        done(res.statusCode === 401);
      },
    );
    req.once("error", () => done(false));
    req.end();
  });
}

async function answers(bus: Bus, binary: string): Promise<boolean> {
  if (binary === "commissaire-server") return answersHttps(serverPort);
  const [method, params] = probes[binary]!;
  try {
    await bus.request(method, params, { timeoutMs: 2000 });
    return true;
  } catch (err) {
    return err instanceof RemoteProcedureCallError;
  }
}

/** Runs a unit's ExecStart with its Environment (and nothing of ours that would override it). */
function startUnit(file: string): Running {
  const unit = readUnit(file);
  const [command, ...args] = unit.execStart.map(moved);
  const env = { ...unit.environment, COMMISSAIRE_BUS_URI: undefined, ETCD_MACHINES: undefined };
  // Executed as systemd would: the file itself (its #! line), not through node.
  return new Running(startProcess(command!, args, { env }));
}

test("each unit's ExecStart, with its Environment and the sample configuration, runs until it answers and stops cleanly on SIGTERM", async () => {
  const bus = Bus.connect(redis.url());
  const running = new Map<string, Running>();
  try {
    // Storage first: the others read from it as they start.
    const order = serviceUnits().sort(
      (a, b) => Number(b.includes("storage")) - Number(a.includes("storage")),
    );
    for (const [i, file] of order.entries()) {
      running.set(file, startUnit(file));
      if (i > 0) continue;
      await waitFor(() => answers(bus, "commissaire-storage-service"), {
        timeoutMs: 30_000,
        what: `${file} to answer`,
      });
    }
    for (const [file, service] of running) {
      const binary = readUnit(file).execStart[0]!.replace("/usr/bin/", "");
      await waitFor(
        async () => {
          if (service.child.exitCode !== null)
            throw new Error(`${file} exited ${service.child.exitCode}: ${service.stderr}`);
          return answers(bus, binary);
        },
        { timeoutMs: 30_000, what: `${file} to answer` },
      );
    }
    for (const [file, service] of [...running].reverse())
      assert.equal(await service.stop(), 0, `${file}: ${service.stderr}`);
  } finally {
    for (const service of running.values()) await service.stop("SIGKILL");
    await bus.close();
  }
});
