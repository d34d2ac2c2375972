/**
 * How a runnable service is described to the command line: its name, how to build it, and any
 * options of its own. Every binary (each service, the REST server) is this plus the one scaffold
 * in main.ts.
 */
import type { Command } from "commander";
import type { Registry } from "prom-client";
import type { Logger } from "../base/logger.js";
import type { Bus } from "../bus/bus.js";
import type { Logging } from "../config/logging.js";
import type { ConfigObject } from "../config/normalise.js";

export interface ServiceBuildContext {
  /** Open, and owned by the scaffold: closed after the service has stopped. */
  bus: Bus;
  config: ConfigObject;
  logger: Logger;
  logging: Logging;
}

/** What the scaffold runs: a CommissaireService, or anything else that starts and stops. */
export interface Runnable {
  start(): Promise<void>;
  /** Resolves once stopped; to `{ clean: false }` when work had to be put back (exit code 1). */
  stop(timeoutMs?: number): Promise<unknown>;
  /** Its Prometheus figures, served on the metrics port when one is asked for. */
  readonly metrics?: { readonly registry: Registry };
}

/** Options a binary adds to the common ones, and how they land in its configuration. */
export interface ExtraOptions {
  add(command: Command): void;
  /** Writes the given options into the configuration (a command-line option wins over it). */
  apply(options: Record<string, unknown>, config: ConfigObject): ConfigObject;
}

export interface ServiceDefinition {
  /** Configuration name and default queue ("storage" -> /etc/commissaire/storage.conf). */
  name: string;
  description: string;
  /** false when the binary cannot run as several worker processes (it listens on one port). */
  workers?: boolean;
  options?: ExtraOptions;
  create(context: ServiceBuildContext): Runnable | Promise<Runnable>;
}
