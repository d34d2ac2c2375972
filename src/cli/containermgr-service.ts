#!/usr/bin/env node
import { serviceMain } from "../service/main.js";
import { containerManagerService } from "../services/containermgr/definition.js";

await serviceMain(containerManagerService, "commissaire-containermgr-service");
