/** The scripted fake executor, the limiter, errors in words, and the address guard of the harness. */
import assert from "node:assert/strict";
import { test } from "node:test";
import { decodePrivateKey } from "../../src/remote/credentials.js";
import {
  CommandFailedError,
  connectError,
  Limiter,
  RemoteError,
  targetFromCreds,
} from "../../src/remote/index.js";
import { FakeRemote } from "../../src/testing/index.js";
import { assertLoopback, guarded } from "../hosts/guard.js";

const target = (address: string, sshHostKey = "") => ({
  address,
  sshPrivKey: "",
  remoteUser: "core",
  sshHostKey,
});

test("fake executor: scripted answers by pattern, calls recorded, failures as the real one", async () => {
  const remote = new FakeRemote()
    .on("dnf", { stdout: "updated" })
    .on(/^systemctl restart (\w+)/, (cmd) => ({ stdout: cmd.split(" ")[2]! }))
    .on("false", { exitCode: 1, stderr: "no" }, { address: "b" })
    .setFacts("a", { os: "atomic", cpus: 8 })
    .setFile("a", "/etc/x", "x=1");
  const ex = await remote.open(target("a"));
  assert.equal((await ex.run("dnf -y update", { sudo: true })).stdout, "updated");
  assert.equal((await ex.run("systemctl restart docker")).stdout, "docker");
  assert.equal((await ex.run("false")).exitCode, 0, "the rule is for host b only");
  assert.equal((await ex.facts()).os, "atomic");
  assert.equal((await ex.readFile("/etc/x")).toString(), "x=1");
  await ex.writeFile("/etc/y", "y=2");
  assert.equal(remote.file("a", "/etc/y")?.toString(), "y=2");
  const b = await remote.open(target("b"));
  await assert.rejects(
    b.run("false"),
    (e: unknown) => e instanceof CommandFailedError && e.exitCode === 1,
  );
  assert.equal((await b.run("false", { check: false })).exitCode, 1);
  assert.deepEqual(remote.commands("a"), ["dnf -y update", "systemctl restart docker", "false"]);
  assert.equal(remote.calls[0]!.sudo, true);
  assert.equal(remote.openExecutors, 2);
  await ex.close();
  await b.close();
  assert.equal(remote.openExecutors, 0);
  await assert.rejects(ex.run("true"), /closed/);
});

test("fake executor: refusals, host keys, strict mode", async () => {
  const remote = new FakeRemote({ strict: true }).refuse("a", "auth-refused");
  await assert.rejects(
    remote.open(target("a")),
    (e: unknown) => e instanceof RemoteError && e.kind === "auth-refused",
  );
  remote.allow("a").setHostKey("a", "SHA256:new");
  await assert.rejects(
    remote.open(target("a", "SHA256:old")),
    /host key changed: recorded SHA256:old, the host showed SHA256:new/,
  );
  const ex = await remote.open(target("a", "SHA256:new"));
  assert.equal(ex.hostKey, "SHA256:new");
  await assert.rejects(ex.run("uptime"), /FakeRemote: nothing scripted for `uptime` on a/);
});

test("limiter: never more than the limit, waiters served in order", async () => {
  const limiter = new Limiter(2);
  const order: number[] = [];
  const gates: (() => void)[] = [];
  const work = (i: number) =>
    limiter.run(async () => {
      order.push(i);
      await new Promise<void>((resolve) => gates.push(resolve));
    });
  const all = [0, 1, 2, 3].map(work);
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(order, [0, 1]);
  while (gates.length) {
    gates.shift()!();
    await new Promise((resolve) => setImmediate(resolve));
  }
  await Promise.all(all);
  assert.deepEqual(order, [0, 1, 2, 3]);
  assert.equal(limiter.peak, 2);
  assert.equal(limiter.inUse, 0);
  assert.throws(() => new Limiter(0), /positive integer/);
});

test("connection errors in words, by kind", () => {
  const kind = (err: unknown) => connectError("h", err);
  assert.equal(
    kind({
      level: "client-authentication",
      message: "All configured authentication methods failed",
    }).kind,
    "auth-refused",
  );
  assert.equal(kind({ level: "client-timeout" }).kind, "timeout");
  assert.equal(
    kind({ code: "ECONNREFUSED" }).message,
    "h: connection refused (no SSH server listening)",
  );
  assert.equal(kind({ code: "EHOSTUNREACH" }).kind, "unreachable");
  assert.equal(
    kind(new Error("Connection lost before handshake")).message,
    "h: connection failed: Connection lost before handshake",
  );
  const failed = new CommandFailedError("h", "dnf -y update", 1, "", "line 1\nError: nothing\n");
  assert.equal(failed.message, "h: command `dnf -y update` exited 1: line 1 / Error: nothing");
});

test("credentials: HostCreds to a target; bad keys said without their content", () => {
  const t = targetFromCreds({ address: "a", ssh_priv_key: "S0VZ", remote_user: "" });
  assert.deepEqual(t, { address: "a", sshPrivKey: "S0VZ", remoteUser: "root", sshHostKey: "" });
  assert.throws(
    () => decodePrivateKey({ ...t, sshPrivKey: "" }),
    /a: the stored SSH private key is empty/,
  );
  assert.throws(
    () => decodePrivateKey(t),
    (e: Error) => /cannot be parsed/.test(e.message) && !e.message.includes("S0VZ"),
  );
});

test("the harness reaches loopback and its own hosts only", async () => {
  assertLoopback("127.0.0.1");
  assertLoopback("127.200.3.4");
  for (const bad of ["192.0.2.10", "10.0.0.1", "example.com", "127.0.0.1.example.com"])
    assert.throws(() => assertLoopback(bad), /loopback only; refusing address/);
  const inner = new FakeRemote();
  const guard = guarded(inner, new Set(["127.9.9.9"]));
  await assert.rejects(guard.open(target("192.0.2.10")), /loopback only/);
  await assert.rejects(guard.open(target("127.0.0.1")), /not a host of this test harness/);
  await (await guard.open(target("127.9.9.9"))).close();
  assert.equal(inner.calls.length, 0);
  assert.equal(inner.openExecutors, 0);
});
