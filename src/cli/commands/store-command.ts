/** What backup and restore share: the per-call timeout option and how a failure is reported. */
import type { Command } from "commander";
import { NoRouteError, RemoteProcedureCallError, RequestTimeoutError } from "../../bus/errors.js";
import { ConfigError } from "../../config/errors.js";

export function timeoutOption(command: Command): Command {
  return command.option("-t, --timeout <seconds>", "seconds to wait for each storage answer", "30");
}

/** Prints the failure and gives the exit code: 1 storage refused, 2 usage, 3 no answer. */
export function reportStoreFailure(err: unknown): number {
  if (err instanceof ConfigError) {
    process.stderr.write(`error: ${err.message}\n`);
    return 2;
  }
  if (err instanceof RequestTimeoutError || err instanceof NoRouteError) {
    process.stderr.write(`error: no answer from the storage service: ${err.message}\n`);
    return 3;
  }
  if (err instanceof RemoteProcedureCallError) {
    process.stderr.write(`error ${err.code} from the storage service: ${err.message}\n`);
    return 1;
  }
  process.stderr.write(`error: ${(err as Error).message}\n`);
  return 1;
}
