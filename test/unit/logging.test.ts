import assert from "node:assert/strict";
import { Writable } from "node:stream";
import { test } from "node:test";
import { createLogging, loggingSettings, parseLevel } from "../../src/config/logging.js";

function capture() {
  const lines: any[] = [];
  const stream = new Writable({
    write(chunk, _e, done) {
      for (const l of chunk.toString().split("\n").filter(Boolean)) lines.push(JSON.parse(l));
      done();
    },
  });
  return { lines, stream };
}

test("levels: Python and pino names, logging section, debug, command line", () => {
  assert.equal(parseLevel("WARNING", "x"), "warn");
  assert.equal(parseLevel("critical", "x"), "fatal");
  assert.throws(
    () => parseLevel("loud", "logging.level"),
    /logging\.level: unknown log level "loud"/,
  );
  assert.equal(loggingSettings({}).level, "info");
  assert.equal(loggingSettings({ logging: { level: "error" } }).level, "error");
  assert.equal(loggingSettings({ logging: { root: { level: "ERROR" } } }).level, "error");
  assert.equal(loggingSettings({ logging: { level: "error" }, debug: true }).level, "debug");
  assert.equal(loggingSettings({ debug: true }, { level: "warning" }).level, "warn");
  assert.deepEqual(
    loggingSettings({ logging: { levels: { bus: "debug" }, loggers: {} } }).components,
    { bus: "debug" },
  );
  assert.deepEqual(
    loggingSettings({ logging: { loggers: { bus: { level: "DEBUG" } } } }).components,
    { bus: "debug" },
  );
  assert.equal(loggingSettings({}, { isTty: true }).format, "pretty");
  assert.equal(loggingSettings({ logging: { format: "json" } }, { isTty: true }).format, "json");
  assert.throws(() => loggingSettings({ logging: "loud" }), /"logging" must be an object/);
  assert.throws(() => loggingSettings({ debug: "yes" }), /"debug" must be true or false/);
  assert.throws(() => loggingSettings({ logging: { format: "xml" } }), /logging\.format/);
});

test("per-component levels: a component may log below or above the overall level", () => {
  const { lines, stream } = capture();
  const logging = createLogging(
    loggingSettings({ logging: { level: "warning", levels: { bus: "debug", storage: "error" } } }),
    "t",
    stream,
  );
  logging.root.info("root info dropped");
  logging.root.warn("root warn kept");
  logging.forComponent("bus").debug("bus debug kept");
  logging.forComponent("storage").warn("storage warn dropped");
  logging.forComponent("other").info("other info dropped");
  assert.deepEqual(
    lines.map((l) => l.msg),
    ["root warn kept", "bus debug kept"],
  );
  assert.equal(lines[1].component, "bus");
});

test("secrets are redacted wherever they appear in a log record", () => {
  const { lines, stream } = capture();
  const { root } = createLogging(loggingSettings({}), "t", stream);
  root.info(
    {
      password: "p1",
      config: { etcd: { password: "p2" }, token: "t1" },
      host: { ssh_priv_key: "KEY", address: "a" },
    },
    "record",
  );
  const text = JSON.stringify(lines[0]);
  for (const secret of ["p1", "p2", "t1", "KEY"])
    assert.ok(!text.includes(`"${secret}"`), `${secret} leaked: ${text}`);
  assert.equal(lines[0].host.address, "a");
  assert.equal(lines[0].host.ssh_priv_key, "[redacted]");
});

test("a line's level is its name, not pino's number", () => {
  const { lines, stream } = capture();
  const { root } = createLogging(loggingSettings({}), "t", stream);
  root.info("one");
  root.warn("two");
  assert.deepEqual(
    lines.map((l) => l.level),
    ["info", "warn"],
  );
  assert.match(lines[0].time, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
});
