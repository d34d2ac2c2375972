#!/usr/bin/env node
import { serviceMain } from "../service/main.js";
import { clusterExecService } from "../services/clusterexec/definition.js";

await serviceMain(clusterExecService, "commissaire-clusterexec-service");
