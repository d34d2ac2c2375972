/** `commissaire call <routing-key> [params]`: one request, the result as JSON on stdout. */
import { Command } from "commander";
import { NoRouteError, RemoteProcedureCallError, RequestTimeoutError } from "../../bus/errors.js";
import { addBusOptions, connectFromOptions, paramsFrom } from "./bus-client.js";

/** Exit codes: 0 result, 1 the service answered with an error, 3 no answer (timeout, no route, bus down). */
export const EXIT_REMOTE_ERROR = 1;
export const EXIT_NO_ANSWER = 3;
const CLOSE_DEADLINE_MS = 250;

export function callCommand(): Command {
  const command = new Command("call")
    .description("call a method on the bus and print its result as JSON")
    .argument("<routing-key>", "e.g. storage.get")
    .argument("[params]", "JSON object (named) or array (positional)")
    .option(
      "-p, --param <name=value>",
      "a named parameter (value parsed as JSON when it is)",
      (v, all: string[]) => [...all, v],
      [],
    )
    .option("-t, --timeout <seconds>", "seconds to wait for the answer", "10");
  addBusOptions(command);
  return command.action(async (routingKey: string, json: string | undefined) => {
    const o = command.opts<{ param: string[]; timeout: string }>();
    const timeoutS = Number(o.timeout);
    if (!Number.isFinite(timeoutS) || timeoutS <= 0)
      throw new Error(`--timeout: must be a positive number, got "${o.timeout}"`);
    const params = paramsFrom(json, o.param);
    const bus = await connectFromOptions(command);
    try {
      const result = await bus.request(routingKey, params, { timeoutMs: timeoutS * 1000 });
      process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      process.exitCode = 0;
    } catch (err) {
      if (err instanceof RemoteProcedureCallError) {
        const data = Object.keys(err.data).length ? ` ${JSON.stringify(err.data)}` : "";
        process.stderr.write(`error ${err.code}: ${err.message}${data}\n`);
        process.exitCode = EXIT_REMOTE_ERROR;
      } else if (err instanceof RequestTimeoutError || err instanceof NoRouteError) {
        process.stderr.write(`error: ${err.message}\n`);
        process.exitCode = EXIT_NO_ANSWER;
      } else {
        process.stderr.write(`error: ${(err as Error).message}\n`);
        process.exitCode = EXIT_NO_ANSWER;
      }
    } finally {
      // The answer (or the timeout) is what the user waits for: closing never adds more than
      // this, also when the bus cannot be reached (connections are dropped then).
      await bus.close(CLOSE_DEADLINE_MS);
    }
  });
}
