/**
 * The deployment files, checked without systemd or a container engine: units for every service
 * binary, a sample configuration for each, the compose file's services and mounts, the image's
 * stages and user.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { parse } from "yaml";
import {
  packageBins,
  ROOT,
  readUnit,
  SAMPLE_DIR,
  sampleConfigs,
  serviceUnits,
} from "../helpers/deploy-units.js";

/** Binaries that are deployed: every bin but the command itself and the example service. */
const deployed = () =>
  Object.keys(packageBins()).filter((b) => b !== "commissaire" && !b.includes("example"));

test("a hardened unit per service binary, each reading its sample configuration, and one target for all", () => {
  const units = serviceUnits().map(readUnit);
  assert.deepEqual(
    units.map((u) => u.execStart[0]!.replace("/usr/bin/", "")).sort(),
    deployed().sort(),
  );
  const target = readFileSync(`${ROOT}deploy/systemd/commissaire.target`, "utf8");
  for (const unit of units) {
    assert.ok(target.includes(unit.file), `commissaire.target wants ${unit.file}`);
    assert.match(unit.text, /^WantedBy=commissaire\.target$/m);
    for (const hardening of ["User=commissaire", "NoNewPrivileges=yes", "ProtectSystem=strict"])
      assert.ok(unit.text.includes(`\n${hardening}\n`), `${unit.file}: ${hardening}`);
    const conf = unit.execStart[unit.execStart.indexOf("--config-file") + 1]!;
    assert.match(conf, /^\/etc\/commissaire\/\w+\.conf$/, unit.file);
    assert.ok(sampleConfigs().includes(conf.slice("/etc/commissaire/".length)), conf);
  }
  assert.equal(sampleConfigs().length, units.length, "one sample configuration per unit");
  for (const file of sampleConfigs())
    assert.doesNotThrow(() => JSON.parse(readFileSync(`${SAMPLE_DIR}${file}`, "utf8")), file);
});

test("compose: Redis, etcd and every service from the image, each with its sample configuration mounted", () => {
  const compose = parse(readFileSync(`${ROOT}compose.yaml`, "utf8"), { merge: true }) as {
    services: Record<string, { command?: string[]; image?: string; volumes?: string[] }>;
  };
  const services = Object.values(compose.services);
  assert.ok(
    services.some((s) => s.image?.startsWith("redis:")),
    "a Redis service",
  );
  assert.ok(
    services.some((s) => s.image?.includes("etcd")),
    "an etcd service",
  );
  const ours = services.filter((s) => s.image === "commissaire-ts");
  const bins = Object.keys(packageBins());
  for (const s of ours) assert.ok(bins.includes(s.command![0]!), `${s.command![0]} is a bin`);
  assert.deepEqual(ours.map((s) => s.command![0]).sort(), deployed().sort());
  for (const file of sampleConfigs()) {
    const user = ours.find((s) => s.command!.includes(`/etc/commissaire/${file}`));
    assert.ok(user, `a service reads ${file}`);
    const mounted = user.volumes!.some((v) => {
      const [from, to] = v.split(":");
      return (
        (from === `./deploy/etc/commissaire/${file}` && to === `/etc/commissaire/${file}`) ||
        (from === "./deploy/etc/commissaire" && to === "/etc/commissaire")
      );
    });
    assert.ok(mounted, `${file} is mounted where ${user.command![0]} reads it`);
  }
});

test("Dockerfile: a build stage and a runtime stage that runs as an unprivileged user", () => {
  const lines = readFileSync(`${ROOT}Dockerfile`, "utf8")
    .split("\n")
    .filter((l) => l.trim() && !l.startsWith("#"));
  const stages = lines.filter((l) => l.startsWith("FROM "));
  assert.ok(stages.length >= 2, "multi-stage");
  for (const stage of stages) assert.match(stage, /^FROM \S+ AS \w+$/);
  const last = lines.lastIndexOf(stages.at(-1)!);
  const runtime = lines.slice(last);
  assert.ok(
    runtime.some((l) => l.startsWith("COPY --from=")),
    "the runtime takes the build's output",
  );
  const users = runtime.filter((l) => l.startsWith("USER "));
  assert.equal(users.length, 1);
  assert.doesNotMatch(users[0]!, /^USER (root|0)(:|$)/);
  const cmd = JSON.parse(runtime.find((l) => l.startsWith("CMD "))!.slice(4)) as string[];
  assert.ok(Object.keys(packageBins()).includes(cmd[0]!), "the default command is a bin");
  assert.ok(!runtime.some((l) => /^ENTRYPOINT/.test(l)), "the command alone chooses the service");
});
