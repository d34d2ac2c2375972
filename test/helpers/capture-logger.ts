/** A logger whose lines a test can read (to check that no secret reached any of them). */
import { pino } from "pino";
import type { Logger } from "../../src/base/logger.js";

export function captureLogger(): { logger: Logger; text: () => string } {
  const lines: string[] = [];
  const logger = pino({ level: "debug" }, { write: (line: string) => void lines.push(line) });
  return { logger, text: () => lines.join("") };
}
