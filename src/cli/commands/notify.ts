/** `commissaire notify <routing-key> [params]`: a JSON-RPC notification; nobody answers. */
import { Command } from "commander";
import { addBusOptions, connectFromOptions, paramsFrom } from "./bus-client.js";

export function notifyCommand(): Command {
  const command = new Command("notify")
    .description("publish a JSON-RPC notification (no reply)")
    .argument("<routing-key>")
    .argument("[params]", "JSON object or array")
    .option("-p, --param <name=value>", "a named parameter", (v, all: string[]) => [...all, v], []);
  addBusOptions(command);
  return command.action(async (routingKey: string, json: string | undefined) => {
    const params = paramsFrom(json, command.opts<{ param: string[] }>().param);
    const bus = await connectFromOptions(command);
    try {
      const queues = await bus.notify(routingKey, params);
      if (queues === 0)
        process.stderr.write(
          `warning: no queue is bound for "${routingKey}"; nobody received it\n`,
        );
    } finally {
      await bus.close();
    }
  });
}
