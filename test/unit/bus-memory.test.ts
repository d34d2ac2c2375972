import { conformance } from "../helpers/contract-suite.js";
import { memoryFactory } from "../helpers/transport-factories.js";

conformance(memoryFactory());
