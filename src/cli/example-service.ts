#!/usr/bin/env node
import { serviceMain } from "../service/main.js";
import { exampleService } from "../services/example/service.js";

await serviceMain(exampleService, "commissaire-example-service");
