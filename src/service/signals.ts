/** Waiting for the operator's stop: SIGTERM or SIGINT; a second one ends the process at once. */
import type { Logger } from "../base/logger.js";

export const EXIT_INTERRUPTED = 130;

export function waitForStopSignal(logger: Logger): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const first = (signal: NodeJS.Signals) => {
      process.off("SIGTERM", first);
      process.off("SIGINT", first);
      // The graceful stop may take up to its timeout; an operator who insists gets out now.
      const again = (s: NodeJS.Signals) => {
        logger.warn({ signal: s }, "second signal: exiting without finishing the stop");
        process.exit(EXIT_INTERRUPTED);
      };
      process.once("SIGTERM", again);
      process.once("SIGINT", again);
      resolve(signal);
    };
    process.on("SIGTERM", first);
    process.on("SIGINT", first);
  });
}
