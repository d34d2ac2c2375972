/**
 * The logger type every layer takes in its constructor, and a silent default. Building the real
 * one from configuration is in config/logging.ts. The lowest layer: imports nothing of ours.
 */
import { type Logger, pino } from "pino";

export type { Logger };

/** For tests and library use without configuration: says nothing. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}
