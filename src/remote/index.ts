/** The remote layer: the only place that speaks SSH (DESIGN.md). */
export * from "./command-set.js";
export * from "./credentials.js";
export * from "./errors.js";
export * from "./executor.js";
export * from "./facts.js";
export { fingerprint } from "./host-key.js";
export { Limiter } from "./limiter.js";
export * from "./os-registry.js";
export { SshPool } from "./pool.js";
export * from "./settings.js";
export { quote, withSudo } from "./shell.js";
