#!/usr/bin/env node
import { serviceMain } from "../service/main.js";
import { serverDefinition } from "../services/server/definition.js";

await serviceMain(serverDefinition, "commissaire-server");
