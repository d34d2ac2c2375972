#!/usr/bin/env node
import { serviceMain } from "../service/main.js";
import { watcherService } from "../services/watcher/definition.js";

await serviceMain(watcherService, "commissaire-watcher-service");
