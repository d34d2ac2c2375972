/**
 * The SSH executor against real sshd test hosts: commands and exit codes, files both ways, sudo
 * as a non-root user, timeouts, refused keys and connections, one connection per host.
 */
import assert from "node:assert/strict";
import { cpus } from "node:os";
import { after, before, describe, test } from "node:test";
import { pino } from "pino";
import { CommandFailedError, RemoteError, type RemoteErrorKind } from "../../src/remote/index.js";
import { TestHosts } from "../hosts/harness.js";

const rejectsWith = (promise: Promise<unknown>, kind: RemoteErrorKind, message: RegExp) =>
  assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof RemoteError, `not a RemoteError: ${err}`);
    assert.equal(err.kind, kind, err.message);
    assert.match(err.message, message);
    return true;
  });

describe("SSH executor on test hosts", () => {
  let hosts: TestHosts;
  const logs: string[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void logs.push(line) });
  before(async () => {
    hosts = await TestHosts.start(4);
  });
  after(() => hosts.destroy());

  test("commands: output, exit codes, stdin; a failure says what exited how", async () => {
    const pool = hosts.pool({}, logger);
    const ex = await pool.open(hosts.target(hosts.at(0)));
    try {
      assert.deepEqual(await ex.run("echo out; echo err >&2"), {
        stdout: "out\n",
        stderr: "err\n",
        exitCode: 0,
      });
      assert.equal((await ex.run("exit 3", { check: false })).exitCode, 3);
      await assert.rejects(ex.run("echo nope >&2; exit 7"), (err: unknown) => {
        assert.ok(err instanceof CommandFailedError);
        assert.equal(err.exitCode, 7);
        assert.match(err.message, /command `echo nope >&2; exit 7` exited 7: nope/);
        return true;
      });
      assert.equal((await ex.run("cat", { stdin: "fed in" })).stdout, "fed in");
      hosts.at(0).failCommand("dnf", 4);
      await assert.rejects(
        ex.run("dnf -y update", { sudo: true }),
        /exited 4: dnf: failing as the test asked/,
      );
      hosts.at(0).failCommand("dnf", null);
      await ex.run("dnf -y update", { sudo: true });
    } finally {
      await ex.close();
      await pool.close();
    }
  });

  test("sudo: with a non-root remote user the command goes through sudo -n, else not", async () => {
    const host = hosts.at(1);
    const pool = hosts.pool();
    const ex = await pool.open(hosts.target(host));
    try {
      await ex.run("systemctl restart docker", { sudo: true });
      await ex.run("systemctl is-active docker");
      assert.deepEqual(host.calls(), [
        "sudo -n -- sh -c systemctl restart docker",
        "systemctl restart docker",
        "systemctl is-active docker",
      ]);
    } finally {
      await ex.close();
      await pool.close();
    }
  });

  test("files both ways over SFTP, and as root through sudo; a missing file is said so", async () => {
    const host = hosts.at(1);
    const pool = hosts.pool();
    const ex = await pool.open(hosts.target(host));
    const sudoCalls = () => host.calls().filter((c) => c.startsWith("sudo")).length;
    const before = sudoCalls();
    try {
      const bytes = Buffer.from([0, 1, 2, 255, 10, 13]);
      await ex.writeFile("/etc/sysconfig/flanneld", "FLANNEL_ETCD=http://127.0.0.1:2379\n");
      assert.equal(host.etcFile("sysconfig/flanneld"), "FLANNEL_ETCD=http://127.0.0.1:2379\n");
      await ex.writeFile("/etc/docker/blob", bytes, { sudo: true });
      assert.deepEqual(await ex.readFile("/etc/docker/blob"), bytes);
      assert.deepEqual(await ex.readFile("/etc/docker/blob", { sudo: true }), bytes);
      assert.match((await ex.readFile("/etc/os-release")).toString(), /^ID=fedora$/m);
      await rejectsWith(
        ex.readFile("/etc/none"),
        "file-failed",
        /reading \/etc\/none failed: no such file/,
      );
      assert.equal(sudoCalls() - before, 2, "the two sudo transfers, and only those");
    } finally {
      await ex.close();
      await pool.close();
    }
  });

  test("facts in one round trip: os, CPUs, memory, space, kernel, machine-id, boot_id", async () => {
    const host = hosts.at(2);
    const pool = hosts.pool();
    const ex = await pool.open(hosts.target(host));
    try {
      const facts = await ex.facts();
      assert.equal(facts.os, "fedora");
      assert.equal(facts.cpus, cpus().length);
      assert.ok(facts.memory > 100 && facts.memory < 10_000_000, `memory ${facts.memory} MiB`);
      assert.ok(facts.space > 1024 ** 3, `space ${facts.space}`);
      assert.equal(facts.bootId, host.bootId());
      assert.equal(facts.machineId, host.etcFile("machine-id")!.trim());
      assert.equal(facts.arch, process.arch === "x64" ? "x86_64" : facts.arch);
      assert.ok(facts.kernel.length > 0);
    } finally {
      await ex.close();
      await pool.close();
    }
  });

  test("one connection per host for all commands; sessions stay under the per-connection limit", async () => {
    // sshd allows 10 sessions per connection: 30 at once only work if the pool queues them.
    const pool = hosts.pool();
    const first = await pool.open(hosts.target(hosts.at(2)));
    const second = await pool.open(hosts.target(hosts.at(2)));
    try {
      const runs = Array.from({ length: 30 }, (_, i) => (i % 2 ? first : second).run(`echo ${i}`));
      assert.deepEqual(
        (await Promise.all(runs)).map((r) => r.stdout),
        runs.map((_, i) => `${i}\n`),
      );
      assert.deepEqual(pool.inner.connections, { open: 1, peak: 1, sessionsPeak: 8 });
      assert.equal(first.hostKey, hosts.at(2).hostKeyFingerprint());
    } finally {
      await first.close();
      assert.equal(pool.inner.connections.open, 1, "still used by the second executor");
      await second.close();
      assert.equal(pool.inner.connections.open, 0);
      await pool.close();
    }
  });

  test("a command past its deadline, and a host too slow to connect, time out", async () => {
    const host = hosts.at(3);
    const pool = hosts.pool();
    const other = hosts.pool({ connectTimeoutMs: 600 });
    const ex = await pool.open(hosts.target(host));
    try {
      await rejectsWith(
        ex.run("sleep 5", { timeoutMs: 200 }),
        "timeout",
        /command `sleep 5` timed out after 200 ms/,
      );
      assert.equal((await ex.run("echo still here")).stdout, "still here\n");
      host.setSlow(400);
      await rejectsWith(other.open(hosts.target(host)), "timeout", /timed out while connecting/);
    } finally {
      host.setSlow(0);
      await ex.close();
      await pool.close();
      await other.close();
    }
  });

  test("refused key, refused connection, dropped and silent hosts: errors in words", async () => {
    const host = hosts.at(3);
    const pool = hosts.pool({ connectTimeoutMs: 500 });
    try {
      host.refuseKey(true);
      await rejectsWith(pool.open(hosts.target(host)), "auth-refused", /authentication refused/);
      host.refuseKey(false);
      await host.setReachability("refuse");
      await rejectsWith(pool.open(hosts.target(host)), "connection-refused", /connection refused/);
      await host.setReachability("drop");
      await rejectsWith(pool.open(hosts.target(host)), "unreachable", /connection/);
      await host.setReachability("blackhole");
      await rejectsWith(pool.open(hosts.target(host)), "timeout", /timed out while connecting/);
      await host.setReachability("pass");
      const ex = await pool.open(hosts.target(host));
      await ex.close();
      assert.equal(pool.inner.connections.open, 0, "failed attempts give their slot back");
    } finally {
      host.refuseKey(false);
      await host.setReachability("pass");
      await pool.close();
    }
  });

  test("a host that goes silent on an open connection is dropped by keepalive", async () => {
    const host = hosts.at(3);
    const pool = hosts.pool({ keepaliveIntervalMs: 200, keepaliveCountMax: 2 });
    const ex = await pool.open(hosts.target(host));
    try {
      await host.setReachability("blackhole");
      await rejectsWith(
        ex.run("true", { timeoutMs: 60_000 }),
        "unreachable",
        /command `true`: the host stopped answering \(keepalive timed out\)/,
      );
    } finally {
      await host.setReachability("pass");
      await ex.close();
      await pool.close();
    }
  });

  test("a bad key is refused before connecting, and no key material reaches a message or a log", async () => {
    const pool = hosts.pool({}, logger);
    const target = hosts.target(hosts.at(0));
    await rejectsWith(
      pool.open({ ...target, sshPrivKey: "not base64!" }),
      "bad-credentials",
      /is not base64/,
    );
    const garbage = Buffer.from(
      "-----BEGIN OPENSSH PRIVATE KEY-----\nc2VjcmV0\n-----END OPENSSH PRIVATE KEY-----\n",
    );
    await assert.rejects(
      pool.open({ ...target, sshPrivKey: garbage.toString("base64") }),
      (err: Error) => {
        assert.match(err.message, /cannot be parsed as a private key/);
        assert.ok(!err.message.includes("c2VjcmV0"));
        return true;
      },
    );
    const ex = await pool.open(target);
    await ex.run("true");
    await ex.close();
    await pool.close();
    const pem = Buffer.from(hosts.sshPrivKey, "base64").toString();
    const body = pem.split("\n")[1]!;
    assert.ok(
      logs.some((l) => l.includes("connected")),
      "the pool logs",
    );
    assert.ok(
      !logs.some((l) => l.includes(hosts.sshPrivKey) || l.includes(body)),
      "no key in any log line",
    );
  });
});
