/**
 * The investigator with storage on a real TLS etcd (client certificates): bootstrap copies the
 * etcd CA, client certificate and key to a real sshd test host, the key private (mode 0600), and
 * flanneld's configuration names the https endpoint and the three files.
 */
import assert from "node:assert/strict";
import { readFileSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { Host, HostCreds } from "../../src/models/index.js";
import { InvestigatorService } from "../../src/services/investigator/service.js";
import { callHandler, startTestService, type TestService } from "../../src/testing/index.js";
import { EtcdServer, makeTlsFiles } from "../helpers/servers.js";
import { TestHosts } from "../hosts/harness.js";

let tls: ReturnType<typeof makeTlsFiles>;
let etcd: EtcdServer;
let hosts: TestHosts;
let t: TestService<InvestigatorService>;

before(async () => {
  tls = makeTlsFiles();
  [etcd, hosts] = await Promise.all([
    EtcdServer.start({ tls }),
    TestHosts.start([{ os: "fedora", proxy: false }]),
  ]);
  const storage = {
    storage_handlers: [
      {
        type: "etcd",
        name: "etcd",
        models: ["*"],
        server_url: etcd.url,
        certificate_path: tls.clientCertFile,
        certificate_key_path: tls.clientKeyFile,
        certificate_ca_path: tls.caFile,
      },
      { type: "secret_memory", name: "secrets", models: ["HostCreds"] },
    ],
  };
  t = await startTestService(
    (bus) =>
      new InvestigatorService({
        bus,
        remote: hosts.pool({ connectTimeoutMs: 5000 }),
        config: { recover_interval_seconds: 3600 },
      }),
    { storage },
  );
});
after(async () => {
  await t?.close();
  await Promise.all([etcd?.destroy(), hosts?.destroy()]);
  if (tls) rmSync(tls.dir, { recursive: true, force: true });
});

test("with a TLS etcd the CA, client certificate and key land on the host, the key mode 0600", async () => {
  const host = hosts.at(0);
  await t.storage.save(HostCreds, hosts.creds(host));
  await t.storage.save(Host, { address: host.address, status: "investigating" });
  const result = (await callHandler(t.service, "investigate", { address: host.address })) as {
    status: string;
    status_reason?: string;
  };
  assert.equal(result.status, "disassociated", result.status_reason);
  const expected: [string, string][] = [
    ["flanneld/etcd-ca.crt", tls.caFile],
    ["flanneld/etcd-client.crt", tls.clientCertFile],
    ["flanneld/etcd-client.key", tls.clientKeyFile],
  ];
  for (const [onHost, local] of expected)
    assert.equal(host.etcFile(onHost), readFileSync(local, "utf8"), `${onHost} copied as it is`);
  // What the host wrote lies in its /etc overlay's upper directory.
  const mode = (name: string) => statSync(join(host.dir, "etc-upper", name)).mode & 0o777;
  assert.equal(mode("flanneld/etcd-client.key"), 0o600);
  assert.equal(mode("flanneld/etcd-client.crt"), 0o644);
  const flanneld = host.etcFile("sysconfig/flanneld") ?? "";
  assert.match(flanneld, new RegExp(`^FLANNEL_ETCD_ENDPOINTS="${etcd.url}"$`, "m"));
  assert.match(flanneld, /-etcd-keyfile=\/etc\/flanneld\/etcd-client\.key/);
  assert.match(flanneld, /-etcd-cafile=\/etc\/flanneld\/etcd-ca\.crt/);
});
