/**
 * The facts script run by the local shell, with the kernel files it reads swapped for files of
 * the test's own: logical CPUs counted from an online list of several ranges, and the fallbacks
 * (`uname -m`, `nproc`) where a kernel lacks /proc/sys/kernel/arch or /sys.
 */
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import test from "node:test";
import { FACTS_SCRIPT, parseFacts } from "../../src/remote/facts.js";

const ONLINE = "/sys/devices/system/cpu/online";
const ARCH = "/proc/sys/kernel/arch";

function runFacts(swap: Record<string, string>): ReturnType<typeof parseFacts> {
  let script = FACTS_SCRIPT;
  for (const [from, to] of Object.entries(swap)) {
    assert.ok(script.includes(from), `the script reads ${from}`);
    script = script.replaceAll(from, to);
  }
  return parseFacts("local", execFileSync("sh", ["-c", script], { encoding: "utf8" }));
}

test("logical CPUs are summed over every range of the online list", () => {
  const dir = mkdtempSync(join(tmpdir(), "facts-"));
  try {
    const online = join(dir, "online");
    writeFileSync(online, "0-3,6,8-9\n");
    assert.equal(runFacts({ [ONLINE]: online }).cpus, 7);
    writeFileSync(online, "0\n");
    assert.equal(runFacts({ [ONLINE]: online }).cpus, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("without the online list or /proc/sys/kernel/arch, nproc and uname answer", () => {
  const facts = runFacts({ [ONLINE]: "/nonexistent/online", [ARCH]: "/nonexistent/arch" });
  assert.equal(facts.cpus, Number(execFileSync("nproc", { encoding: "utf8" }).trim()));
  assert.equal(facts.arch, execFileSync("uname", ["-m"], { encoding: "utf8" }).trim());
  assert.equal(facts.kernel, execFileSync("uname", ["-r"], { encoding: "utf8" }).trim());
});
