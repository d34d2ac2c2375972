/** 50 test hosts at once through one pool: every host answers, never more connections than the limit. */
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { TestHosts } from "../hosts/harness.js";

let hosts: TestHosts;
before(async () => {
  hosts = await TestHosts.start(Array.from({ length: 50 }, () => ({ proxy: false })));
});
after(() => hosts.destroy());

test("50 hosts in parallel under a limit of 10 connections", async () => {
  const pool = hosts.pool({ maxConnections: 10 });
  try {
    const facts = await Promise.all(
      hosts.hosts.map(async (host) => {
        const ex = await pool.open(hosts.target(host));
        try {
          return await ex.facts();
        } finally {
          await ex.close();
        }
      }),
    );
    assert.deepEqual(
      facts.map((f) => f.bootId),
      hosts.hosts.map((h) => h.bootId()),
      "each answer came from its own host",
    );
    assert.equal(new Set(facts.map((f) => f.machineId)).size, 50);
    assert.equal(pool.inner.connections.peak, 10, "the limit was reached and held");
    assert.equal(pool.inner.connections.open, 0);
  } finally {
    await pool.close();
  }
});
