import { after, before } from "node:test";
import { amqpFactory } from "../helpers/amqp-factory.js";
import { conformance } from "../helpers/contract-suite.js";

const factory = amqpFactory();
// Held across both suites, so that they share one RabbitMQ node.
before(() => factory.setup());
after(() => factory.teardown());
conformance(factory);
