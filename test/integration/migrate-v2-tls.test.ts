/**
 * `commissaire storage migrate-v2` from and to an etcd that asks for TLS client certificates (both
 * APIs on one etcd 3.4 started with --enable-v2): the source's and the target's files are used.
 */
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { BIN, run } from "../helpers/cli.js";
import { EtcdServer, makeTlsFiles } from "../helpers/servers.js";

/** A Host as the original's etcd handler wrote it. */
const HOST =
  '{"address": "192.168.152.110", "status": "active", "os": "fedora", "cpus": 2, "memory": 11989228, "space": 487652, "last_check": "2017-03-07T16:28:59.311422", "source": ""}';

describe("storage migrate-v2 over TLS", () => {
  const tls = makeTlsFiles();
  let etcd: EtcdServer;
  let dir: string;
  before(async () => {
    etcd = await EtcdServer.start({ tls, enableV2: true });
    dir = mkdtempSync(join(tmpdir(), "commissaire-migrate-tls-"));
    writeFileSync(join(dir, "storage.conf"), "{}");
    const body = new URLSearchParams({ value: HOST }).toString();
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(
        `${etcd.url}/v2/keys/commissaire/hosts/192.168.152.110`,
        {
          method: "PUT",
          ca: readFileSync(tls.caFile),
          cert: readFileSync(tls.clientCertFile),
          key: readFileSync(tls.clientKeyFile),
          headers: { "content-type": "application/x-www-form-urlencoded" },
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
        },
      );
      req.on("error", reject);
      req.end(body);
    });
    assert.equal(status, 201);
  });
  after(async () => {
    await etcd?.destroy();
    if (dir) rmSync(dir, { recursive: true, force: true });
    rmSync(tls.dir, { recursive: true, force: true });
  });

  test("reads and writes with the CA and client certificates given; refused without", async () => {
    const args = ["storage", "migrate-v2", "--from", etcd.url, "-c", join(dir, "storage.conf")];
    const to = ["--to", etcd.url, "--to-ca-file", tls.caFile];
    const noCert = await run(BIN.commissaire, [...args, "--from-ca-file", tls.caFile, ...to]);
    assert.equal(noCert.code, 3, noCert.stdout + noCert.stderr);
    assert.match(noCert.stderr, /cannot reach https:\/\/127\.0\.0\.1/);
    const result = await run(BIN.commissaire, [
      ...args,
      "--from-ca-file",
      tls.caFile,
      "--from-cert-file",
      tls.clientCertFile,
      "--from-key-file",
      tls.clientKeyFile,
      ...to,
      "--to-cert-file",
      tls.clientCertFile,
      "--to-key-file",
      tls.clientKeyFile,
    ]);
    assert.equal(result.code, 0, result.stdout + result.stderr);
    assert.match(result.stdout, /wrote 1 record$/m);
    assert.match(await etcd.ctl("get", "/commissaire/hosts/192.168.152.110"), /"os":"fedora"/);
  });
});
