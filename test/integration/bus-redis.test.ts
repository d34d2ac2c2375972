import type { Redis } from "ioredis";
import { Bus } from "../../src/index.js";
import { busSuite } from "../helpers/bus-suite.js";
import { RedisServer } from "../helpers/servers.js";

// Redis 7 takes messages with BLMPOP; older servers with BRPOP and the pop-and-record script.
// Both paths run the whole suite against a real redis-server.
for (const useBlmpop of [true, false]) {
  let server: RedisServer;
  let probe: Redis;
  busSuite(
    `the redis transport (real redis-server, ${useBlmpop ? "BLMPOP" : "BRPOP + pop-and-record script"})`,
    async () => {
      server = await RedisServer.start();
      probe = server.client(3);
      return {
        bus: (options) =>
          Bus.connect(server.url(3), { ...options, transport: { redis: { useBlmpop } } }),
        queueExists: async (name) => (await probe.exists(name, `_kombu.binding.${name}`)) > 0,
      };
    },
    async () => {
      probe.disconnect();
      await server.destroy();
    },
  );
}
