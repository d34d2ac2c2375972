/** `commissaire listen <binding-key>`: print each message as one JSON line until interrupted. */
import { Command } from "commander";
import { addBusOptions, connectFromOptions } from "./bus-client.js";

export function listenCommand(): Command {
  const command = new Command("listen")
    .description(
      "print every message matching a binding key (e.g. notify.storage.#), one JSON line each",
    )
    .argument("<binding-key>");
  addBusOptions(command);
  return command.action(async (bindingKey: string) => {
    const bus = await connectFromOptions(command);
    const subscription = await bus.subscribe(bindingKey, (body, delivery) => {
      process.stdout.write(`${JSON.stringify({ routing_key: delivery.routingKey, body })}\n`);
    });
    process.stderr.write(
      `listening on "${bindingKey}" (exchange ${bus.exchange}); Ctrl-C to stop\n`,
    );
    await new Promise<void>((resolve) => {
      process.once("SIGINT", resolve);
      process.once("SIGTERM", resolve);
    });
    await subscription.close();
    await bus.close();
  });
}
