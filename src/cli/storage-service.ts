#!/usr/bin/env node
import { serviceMain } from "../service/main.js";
import { storageService } from "../services/storage/definition.js";

await serviceMain(storageService, "commissaire-storage-service");
