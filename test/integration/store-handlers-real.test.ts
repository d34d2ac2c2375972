/** The handler behaviour suite against a real etcd (v3) and a real Custodia. */
import { HostCredsModel } from "../../src/models/index.js";
import { CustodiaStoreHandler } from "../../src/storage/handlers/custodia.js";
import { EtcdStoreHandler } from "../../src/storage/handlers/etcd.js";
import { handlerSuite, plainFixture } from "../helpers/handler-suite.js";
import { CustodiaServer, EtcdServer } from "../helpers/servers.js";

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
      handler: new CustodiaStoreHandler({
        name: "c",
        options: { custodia_socket_path: custodia.socketPath },
        env: {},
      }),
      types: [HostCredsModel],
      record: (type, key, extra = {}) =>
        type.toJson(type.parse({ address: key, ssh_priv_key: "c2VjcmV0", ...extra })),
    };
  },
  async () => custodia.destroy(),
);
