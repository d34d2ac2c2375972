/** The handler behaviour suite against a real etcd (v3) and a real Custodia. */
import { rmSync } from "node:fs";
import { HostCreds } from "../../src/models/index.js";
import { withRevisions } from "../../src/storage/content-revisions.js";
import { CustodiaStoreHandler } from "../../src/storage/handlers/custodia.js";
import { EtcdStoreHandler } from "../../src/storage/handlers/etcd.js";
import { handlerSuite, plainFixture } from "../helpers/handler-suite.js";
import { CustodiaServer, EtcdServer, makeTlsFiles } from "../helpers/servers.js";

let etcd: EtcdServer;
let etcdHandler: EtcdStoreHandler;
handlerSuite(
  "etcd (real etcd v3)",
  async () => {
    etcd = await EtcdServer.start();
    etcdHandler = new EtcdStoreHandler({ name: "e", options: { server_url: etcd.url }, env: {} });
    return plainFixture(etcdHandler);
  },
  async () => {
    await etcdHandler.close();
    await etcd.destroy();
  },
);

let custodia: CustodiaServer;
handlerSuite(
  "custodia (real Custodia)",
  async () => {
    custodia = await CustodiaServer.start();
    return {
      handler: withRevisions(
        new CustodiaStoreHandler({
          name: "c",
          options: { custodia_socket_path: custodia.socketPath },
          env: {},
        }),
        false,
      ),
      types: [HostCreds],
      record: (type, key, extra = {}) =>
        type.toJson(type.parse({ address: key, ssh_priv_key: "c2VjcmV0", ...extra })),
    };
  },
  async () => custodia.destroy(),
);

let tlsEtcd: EtcdServer;
let tlsFiles: ReturnType<typeof makeTlsFiles>;
let tlsHandler: EtcdStoreHandler;
handlerSuite(
  "etcd with client certificates from its options",
  async () => {
    tlsFiles = makeTlsFiles();
    tlsEtcd = await EtcdServer.start({ tls: tlsFiles });
    tlsHandler = new EtcdStoreHandler({
      name: "tls",
      options: {
        server_url: [tlsEtcd.url],
        certificate_path: tlsFiles.clientCertFile,
        certificate_key_path: tlsFiles.clientKeyFile,
        certificate_ca_path: tlsFiles.caFile,
      },
      env: {},
    });
    return plainFixture(tlsHandler);
  },
  async () => {
    await tlsHandler.close();
    await tlsEtcd.destroy();
    rmSync(tlsFiles.dir, { recursive: true, force: true });
  },
);
