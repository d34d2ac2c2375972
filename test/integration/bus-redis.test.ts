import { busSuite } from "../helpers/bus-suite.js";
import { conformance } from "../helpers/contract-suite.js";
import { redisFactory } from "../helpers/transport-factories.js";

// The whole conformance suite on a real redis-server; the bus behaviour suite once more with
// listeners (reply queues, subscriptions) popping with BRPOP, as on Redis before 7.
conformance(redisFactory({ db: 3 }));
busSuite(redisFactory({ db: 4, useBlmpop: false }));
