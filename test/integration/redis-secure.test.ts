/** rediss:// (TLS) and a password: the same request/reply, notifications and failures. */
import assert from "node:assert/strict";
import { rmSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { parseRedisUri } from "../../src/bus/transports/redis/transport.js";
import { Bus } from "../../src/index.js";
import { waitFor } from "../../src/testing/index.js";
import { makeTlsFiles, RedisServer } from "../helpers/servers.js";
import { TestService } from "../helpers/test-service.js";

describe("redis with TLS and a password", () => {
  let tls: ReturnType<typeof makeTlsFiles>;
  let server: RedisServer;
  before(async () => {
    tls = makeTlsFiles();
    server = await RedisServer.start({ tls, password: "bus-pa55" });
  });
  after(async () => {
    await server.destroy();
    rmSync(tls.dir, { recursive: true, force: true });
  });

  test("a service and a client talk over rediss:// with a password", async () => {
    assert.match(server.url(), /^rediss:\/\/:bus-pa55@127\.0\.0\.1:\d+\/0\?ssl_ca_certs=/);
    const service = new TestService({ bus: Bus.connect(server.url()), name: "secure" });
    await service.start();
    const client = Bus.connect(server.url());
    try {
      assert.equal(await client.request("secure.add", [2, 2]), 4);
      const got: unknown[] = [];
      await client.subscribe("notify.#", (b) => got.push(b));
      await client.publishStorageNotification("Host", "updated", { address: "a" });
      await waitFor(() => got.length === 1, { what: "the notification over TLS" });
    } finally {
      await client.close();
      await service.stop(500).finally(() => service.bus.close());
    }
  });

  test("a wrong password or no CA fails the call within its timeout, never hangs", async () => {
    const wrong = Bus.connect(server.url().replace("bus-pa55", "nope"));
    await assert.rejects(
      wrong.request("secure.ping", {}, { timeoutMs: 1500 }),
      /WRONGPASS|within 1500 ms/,
    );
    await wrong.close(1000);
    const untrusted = Bus.connect(server.url().replace(/\?.*$/, ""));
    await assert.rejects(
      untrusted.request("secure.ping", {}, { timeoutMs: 1500 }),
      /within 1500 ms|certificate/,
    );
    await untrusted.close(1000);
  });

  test("URI options are checked at start-up", () => {
    assert.throws(
      () => parseRedisUri("rediss://h:1/0?ssl_ca_certs=/no/such.pem"),
      /ssl_ca_certs=\/no\/such\.pem: cannot be read/,
    );
    assert.throws(
      () => parseRedisUri("redis://h:1/0?ssl_ca_certs=/x"),
      /need the rediss:\/\/ scheme/,
    );
    assert.throws(
      () => parseRedisUri("redis://h:1/0?visibility_timeout=soon"),
      /visibility_timeout must be a positive number/,
    );
    assert.deepEqual(parseRedisUri("redis://h:1/2?visibility_timeout=1.5"), {
      url: "redis://h:1/2",
      visibilityTimeoutMs: 1500,
    });
    assert.equal(parseRedisUri("rediss://h:1/0?ssl_cert_reqs=none").tls?.rejectUnauthorized, false);
  });
});
