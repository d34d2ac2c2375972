#!/usr/bin/env node
import { serverMain } from "../services/server/main.js";

await serverMain();
