#!/usr/bin/env node
import { serviceMain } from "../service/main.js";
import { investigatorService } from "../services/investigator/definition.js";

await serviceMain(investigatorService, "commissaire-investigator-service");
