/** The operator commands against the REST server (all-in-one), as separate processes. */
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { waitFor } from "../../src/testing/index.js";
import { BIN, Running, run } from "../helpers/cli.js";
import { freePort } from "../helpers/servers.js";

describe("commissaire cluster|host|network|container-manager", () => {
  let dir: string;
  let system: Running;
  let server: string;
  let env: NodeJS.ProcessEnv;
  const cli = (...args: string[]) => run(BIN.commissaire, args, { env });

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), "commissaire-operator-"));
    const port = await freePort();
    system = Running.start(BIN.commissaire, [
      "all-in-one",
      "--listen-port",
      String(port),
      "--data-dir",
      join(dir, "data"),
    ]);
    await waitFor(() => system.stdout.includes("Ctrl-C to stop."), {
      timeoutMs: 15_000,
      what: "the all-in-one start",
    });
    const password = /password: (\S+)/.exec(system.stdout)![1]!;
    server = `http://127.0.0.1:${port}`;
    // Credentials from ~/.commissaire.json (HOME is the test's directory).
    writeFileSync(
      join(dir, ".commissaire.json"),
      JSON.stringify({ server, username: "admin", password }),
    );
    // Whatever the runner's environment says, only the file speaks here (spawn skips undefined).
    env = {
      HOME: dir,
      COMMISSAIRE_SERVER: undefined,
      COMMISSAIRE_USERNAME: undefined,
      COMMISSAIRE_PASSWORD: undefined,
      COMMISSAIRE_TOKEN: undefined,
    };
  });
  after(async () => {
    await system.stop("SIGINT");
    rmSync(dir, { recursive: true, force: true });
  });

  test("clusters: create, get, list as a table and as JSON, delete", async () => {
    const created = await cli("cluster", "create", "c1");
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^name:\s+c1$/m);
    // Every create prints the record as get does.
    assert.equal(created.stdout, (await cli("cluster", "get", "c1")).stdout);
    assert.match(
      (await cli("cluster", "list")).stdout,
      /^NAME\s+STATUS\s+NETWORK\s+HOSTS\s+AVAILABLE\nc1\s+ok\s+default\s+0\s+0$/m,
    );
    assert.deepEqual(JSON.parse((await cli("cluster", "list", "--json")).stdout), ["c1"]);
    assert.equal(
      JSON.parse((await cli("cluster", "get", "c1", "--json")).stdout).network,
      "default",
    );
    // Creating an existing cluster updates it (PUT /cluster/{name} answers 201, members kept).
    const again = await cli("cluster", "create", "c1");
    assert.equal(again.code, 0, again.stderr);
    assert.equal((await cli("cluster", "create", "c2")).code, 0);
    assert.match((await cli("cluster", "delete", "c2")).stdout, /deleted cluster c2/);
    const missing = await cli("cluster", "get", "c2");
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /error 404/);
  });

  test("hosts: create with a key file, get, list, status, delete", async () => {
    const keyFile = join(dir, "id_rsa");
    writeFileSync(
      keyFile,
      "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n",
    );
    const created = await cli(
      "host",
      "create",
      "192.0.2.30",
      "--ssh-key-file",
      keyFile,
      "--cluster",
      "c1",
    );
    assert.equal(created.code, 0, created.stderr);
    assert.match(created.stdout, /^status:\s+investigating$/m);
    // The all-in-one's investigator takes the host at once: its key is no key, so it fails
    // (without connecting anywhere) with the reason.
    assert.match((await cli("host", "list")).stdout, /^192\.0\.2\.30\s+(investigating|failed)/m);
    assert.equal(
      JSON.parse((await cli("host", "get", "192.0.2.30", "--json")).stdout).address,
      "192.0.2.30",
    );
    assert.match((await cli("host", "status", "192.0.2.30")).stdout, /^type:\s+host_only$/m);
    assert.match((await cli("cluster", "get", "c1")).stdout, /^members:\s+192\.0\.2\.30$/m);
    const noKey = await cli("host", "create", "192.0.2.31", "--ssh-key-file", join(dir, "none"));
    assert.equal(noKey.code, 2);
    assert.match(noKey.stderr, /--ssh-key-file .*none: cannot be read/);
    assert.match((await cli("host", "delete", "192.0.2.30")).stdout, /deleted host 192\.0\.2\.30/);
  });

  test("networks and container managers", async () => {
    assert.equal(
      (
        await cli(
          "network",
          "create",
          "n1",
          "--type",
          "flannel_server",
          "--options",
          '{"address": "a:1"}',
        )
      ).code,
      0,
    );
    const networks = (await cli("network", "list")).stdout;
    assert.match(networks, /^n1\s+flannel_server\s+\{"address":"a:1"\}$/m);
    assert.match(networks, /^default\s+flannel_etcd\s/m, "the implicit network is listed");
    assert.deepEqual(JSON.parse((await cli("network", "list", "--json")).stdout), [
      "default",
      "n1",
    ]);
    const made = await cli("network", "create", "n4");
    assert.equal(made.stdout, (await cli("network", "get", "n4")).stdout);
    const badOptions = await cli("network", "create", "n2", "--options", "{bad");
    assert.equal(badOptions.code, 2);
    assert.match(badOptions.stderr, /--options: not valid JSON/);
    const badType = await cli("network", "create", "n3", "--type", "calico");
    assert.equal(badType.code, 1);
    assert.match(badType.stderr, /error 400: .*Network\.type/);
    assert.equal(
      (await cli("container-manager", "create", "prod", "--type", "kubernetes")).code,
      0,
    );
    assert.deepEqual(JSON.parse((await cli("container-manager", "get", "prod", "--json")).stdout), {
      name: "prod",
      type: "kubernetes",
      options: {},
    });
    assert.equal((await cli("container-manager", "delete", "prod")).code, 0);
    assert.equal((await cli("network", "delete", "n1")).code, 0);
    assert.equal((await cli("network", "delete", "n4")).code, 0);
  });

  test("settings: options beat the environment, which beats ~/.commissaire.json; failures have their exit codes", async () => {
    const wrongEnv = await run(BIN.commissaire, ["cluster", "list"], {
      env: { ...env, COMMISSAIRE_PASSWORD: "wrong" },
    });
    assert.equal(wrongEnv.code, 1);
    assert.match(wrongEnv.stderr, /error 401/);
    const fixedByOption = await run(
      BIN.commissaire,
      ["cluster", "list", "--password", /password: (\S+)/.exec(system.stdout)![1]!],
      {
        env: { ...env, COMMISSAIRE_PASSWORD: "wrong" },
      },
    );
    assert.equal(fixedByOption.code, 0, fixedByOption.stderr);
    const unreachable = await cli(
      "cluster",
      "list",
      "--server",
      `http://127.0.0.1:${await freePort()}`,
    );
    assert.equal(unreachable.code, 3);
    assert.match(unreachable.stderr, /cannot reach/);
    const badUrl = await cli("cluster", "list", "--server", "not a url");
    assert.equal(badUrl.code, 2);
  });
});
