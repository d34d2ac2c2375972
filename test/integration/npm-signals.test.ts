/**
 * `npm start` and `npx commissaire all-in-one` stop what they started when npm gets SIGTERM, and
 * every binary prints the package version. npm runs in a project of the test's own whose `start`
 * script is the package's (its `build` a no-op: the tests run from the build) and whose
 * node_modules/.bin has `commissaire`, as an installed package would.
 */
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { waitFor } from "../../src/testing/index.js";
import { run } from "../helpers/cli.js";
import { packageBins, ROOT } from "../helpers/deploy-units.js";
import { freePort, startProcess, stopProcess } from "../helpers/servers.js";

let dir: string;
const pkg = JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")) as {
  version: string;
  scripts: Record<string, string>;
};

before(() => {
  dir = mkdtempSync(join(tmpdir(), "commissaire-npm-"));
  symlinkSync(resolve(ROOT, "dist"), join(dir, "dist"));
  mkdirSync(join(dir, "node_modules/.bin"), { recursive: true });
  symlinkSync(
    resolve(ROOT, "dist/src/cli/commissaire.js"),
    join(dir, "node_modules/.bin/commissaire"),
  );
  writeFileSync(
    join(dir, "package.json"),
    JSON.stringify({
      name: "npm-signals-test",
      private: true,
      scripts: { build: "true", start: pkg.scripts.start },
    }),
  );
});
after(() => rmSync(dir, { recursive: true, force: true }));

/** Every process below `pid` (from /proc), children first. */
function descendants(pid: number): number[] {
  let children: number[] = [];
  try {
    children = readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
  return children.flatMap((c) => [c, ...descendants(c)]);
}

function alive(pid: number): boolean {
  try {
    // A zombie (exited, not yet reaped by whoever adopted it) is gone too.
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, "utf8"));
  } catch {
    return false;
  }
}

const cmdline = (pid: number) => {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return "";
  }
};

async function sigtermNpm(args: string[]): Promise<void> {
  const port = await freePort();
  const data = join(dir, `data-${port}`);
  const npm = startProcess("npm", [...args, "--listen-port", String(port), "--data-dir", data], {
    cwd: dir,
    env: { npm_config_update_notifier: "false" },
  });
  let out = "";
  let started: number[] = [];
  npm.stdout!.on("data", (d) => (out += d));
  npm.stderr!.on("data", (d) => (out += d));
  try {
    await waitFor(() => out.includes("Ctrl-C to stop."), {
      timeoutMs: 30_000,
      what: `all-in-one under npm ${args[0]}`,
    });
    started = descendants(npm.pid!).filter((p) => cmdline(p).includes("all-in-one"));
    const node = started.find((p) => cmdline(p).startsWith("node "));
    assert.ok(node, `the all-in-one node process under npm: ${started.map(cmdline).join(" | ")}`);
    await stopProcess(npm, "SIGTERM");
    await waitFor(() => started.every((p) => !alive(p)), {
      timeoutMs: 15_000,
      what: `what npm ${args[0]} started to stop after npm's SIGTERM`,
    });
  } finally {
    // Whatever outlived the test (holding npm's output pipes open) goes, by the PIDs seen.
    for (const p of [...started, ...descendants(npm.pid!)])
      if (alive(p)) process.kill(p, "SIGKILL");
    await stopProcess(npm, "SIGKILL");
  }
}

test("npm start: SIGTERM to npm stops the all-in-one it started", async () => {
  await sigtermNpm(["start", "--"]);
});

test("npx commissaire all-in-one: SIGTERM to npm stops the all-in-one it started", async () => {
  await sigtermNpm(["exec", "--", "commissaire", "all-in-one"]);
});

test("--version prints the package version on every binary", async () => {
  const bins = Object.entries(packageBins());
  const results = await Promise.all(
    bins.map(([, path]) => run(resolve(ROOT, path), ["--version"], { timeoutMs: 60_000 })),
  );
  for (const [i, [name]] of bins.entries()) {
    assert.equal(results[i]!.code, 0, `${name}: ${results[i]!.stderr}`);
    assert.equal(results[i]!.stdout.trim(), pkg.version, name);
  }
});
