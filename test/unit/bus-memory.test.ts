import { MemoryBroker } from "../../src/index.js";
import { memoryBus } from "../../src/testing/index.js";
import { busSuite } from "../helpers/bus-suite.js";

let broker: MemoryBroker;
busSuite(
  "the memory transport",
  async () => {
    broker = new MemoryBroker();
    return {
      bus: (options) => memoryBus(broker, options),
      queueExists: async (name) => (broker as any).queues.has(name),
    };
  },
  async () => undefined,
);
