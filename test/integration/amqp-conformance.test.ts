import { amqpFactory } from "../helpers/amqp-factory.js";
import { conformance } from "../helpers/contract-suite.js";

conformance(amqpFactory());
