/** The remote layer's pure parts: facts parsing, settings, templates and quoting, host keys. */
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { pino } from "pino";
import { ConfigError } from "../../src/config/errors.js";
import { judgeHostKey } from "../../src/remote/host-key.js";
import {
  commandSetFor,
  DEFAULT_REMOTE_SETTINGS,
  fingerprint,
  knownOses,
  parseFacts,
  quote,
  readRemoteSettings,
  render,
  SshPool,
  withSudo,
} from "../../src/remote/index.js";

const ANSWER = [
  "id=rhel",
  "version=7.9",
  "ostree=0",
  "boot_id=b-1",
  "machine_id=m-1",
  "kernel=3.10.0",
  "arch=x86_64",
  "cpus=4",
  "memkb=8056508",
  "space=42949672960",
].join("\n");

test("facts: numbers in the units of the Host model, os names mapped, atomic by ostree", () => {
  assert.deepEqual(parseFacts("h", ANSWER), {
    os: "rhel",
    osId: "rhel",
    osVersion: "7.9",
    cpus: 4,
    memory: 7867,
    space: 42949672960,
    kernel: "3.10.0",
    arch: "x86_64",
    machineId: "m-1",
    bootId: "b-1",
  });
  assert.equal(parseFacts("h", ANSWER.replace("id=rhel", "id=redhat")).os, "rhel");
  assert.equal(parseFacts("h", ANSWER.replace("ostree=0", "ostree=1")).os, "atomic");
  assert.equal(parseFacts("h", ANSWER.replace("id=rhel", "id=debian")).os, "debian");
  assert.throws(
    () => parseFacts("h", ANSWER.replace("cpus=4", "cpus=")),
    /h: facts: "cpus" is missing or not a number/,
  );
});

test("settings: defaults, seconds to ms, every bad member named", () => {
  assert.deepEqual(readRemoteSettings(undefined), DEFAULT_REMOTE_SETTINGS);
  const s = readRemoteSettings({ connect_timeout: 2.5, max_connections: 5, host_key_check: false });
  assert.equal(s.connectTimeoutMs, 2500);
  assert.equal(s.maxConnections, 5);
  assert.equal(s.hostKeyCheck, false);
  for (const [bad, message] of [
    [{ connect_timeout: -1 }, /remote.connect_timeout" must be a positive number of seconds/],
    [{ max_connections: 1.5 }, /remote.max_connections" must be a positive integer/],
    [{ host_key_check: "no" }, /remote.host_key_check" must be true or false/],
    [{ bogus: 1 }, /remote.bogus" is not known/],
    ["x", /"remote" must be an object/],
  ] as const)
    assert.throws(
      () => readRemoteSettings(bad),
      (e: unknown) => e instanceof ConfigError && message.test(e.message),
    );
});

test("host key check off: accepted whatever the key, and a warning at every start", () => {
  const lines: string[] = [];
  const logger = pino({ level: "info" }, { write: (l: string) => void lines.push(l) });
  new SshPool({ hostKeyCheck: false }, logger);
  new SshPool({ hostKeyCheck: false }, logger);
  new SshPool({}, logger);
  assert.equal(lines.filter((l) => /"level":40.*host_key_check is off/.test(l)).length, 2);
  const key = Buffer.from("a key blob");
  assert.deepEqual(judgeHostKey({ expected: "SHA256:other", check: false }, key).ok, true);
  assert.deepEqual(judgeHostKey({ expected: "SHA256:other", check: true }, key).ok, false);
  assert.deepEqual(judgeHostKey({ expected: "", check: true }, key).ok, true);
  assert.deepEqual(judgeHostKey({ expected: fingerprint(key), check: true }, key).ok, true);
});

test("fingerprints in OpenSSH's SHA256 form (unpadded base64)", () => {
  const blob = Buffer.from("blob");
  const b64 = createHash("sha256").update(blob).digest("base64");
  assert.equal(fingerprint(blob), `SHA256:${b64.replace(/=+$/, "")}`);
  assert.ok(!fingerprint(blob).endsWith("="));
});

test("templates: values quoted, lists as several arguments, rpm's %{TAGS} untouched", () => {
  assert.equal(
    render("dnf -y install {packages}", { packages: ["a", "b c", "d'e"] }),
    `dnf -y install a 'b c' 'd'\\''e'`,
  );
  assert.equal(
    render("rpm -q --queryformat '%{VERSION}' {package}", { package: "x" }),
    "rpm -q --queryformat '%{VERSION}' x",
  );
  assert.throws(() => render("systemctl enable {service}"), /needs a value for \{service\}/);
  assert.throws(() => render("dnf -y install {packages}", { packages: [] }), /must not be empty/);
  assert.equal(
    render("dnf -y install {packages}", {}, { packages: '"$@"' }),
    'dnf -y install "$@"',
    "shell text goes in unquoted, for a script that fills it at run time",
  );
  assert.equal(quote("$(reboot)"), "'$(reboot)'");
  assert.equal(withSudo("echo 'hi'"), `sudo -n -- sh -c 'echo '\\''hi'\\'''`);
});

test("OS command sets: one per file, redhat an alias of rhel, unknown named", () => {
  assert.deepEqual(knownOses(), ["atomic", "centos", "fedora", "redhat", "rhel"]);
  assert.equal(commandSetFor("redhat"), commandSetFor("rhel"));
  assert.equal(commandSetFor("fedora").packageUpdate, "dnf -y update");
  assert.equal(commandSetFor("centos").packageUpdate, "yum -y update");
  assert.equal(commandSetFor("atomic").packageUpdate, "rpm-ostree upgrade");
  assert.equal(commandSetFor("atomic").deploy, "rpm-ostree deploy {version}");
  assert.equal(commandSetFor("fedora").deploy, undefined);
  assert.throws(
    () => commandSetFor("debian"),
    /no command set for OS "debian" \(known: atomic, centos/,
  );
});
