import type { Redis } from "ioredis";
import { Bus } from "../../src/index.js";
import { busSuite } from "../helpers/bus-suite.js";
import { RedisServer } from "../helpers/servers.js";

let server: RedisServer;
let probe: Redis;
busSuite(
  "the redis transport (real redis-server)",
  async () => {
    server = await RedisServer.start();
    probe = server.client(3);
    return {
      bus: (options) => Bus.connect(server.url(3), options),
      queueExists: async (name) => (await probe.exists(name, `_kombu.binding.${name}`)) > 0,
    };
  },
  async () => {
    probe.disconnect();
    await server.destroy();
  },
);
