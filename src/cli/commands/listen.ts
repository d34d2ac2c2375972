/**
 * `commissaire listen <binding-key>`: print each message as one JSON line until interrupted.
 * Secret members (private keys, passwords, tokens, keys) are shown as "[redacted]", also inside
 * JSON texts such as `model_json_data`, unless --show-secrets is given: a terminal's scrollback
 * is no place for a host's private key.
 */
import { Command } from "commander";
import { SECRET_KEYS } from "../../config/logging.js";
import { redactOptions } from "../../services/storage/redact.js";
import { addBusOptions, connectFromOptions } from "./bus-client.js";

// "keys" (a list of key material) is not caught by the storage rule, which wants a "_key" ending.
const ALSO_SECRET = new Set([...SECRET_KEYS, "keys"].map((k) => k.toLowerCase()));
const REDACTED = "[redacted]";

/** The message with every secret member replaced, at any depth. */
export function redactMessage(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactMessage);
  if (typeof value === "string") {
    const trimmed = value.trimStart();
    if (!trimmed.startsWith("{") && !trimmed.startsWith("[")) return value;
    try {
      return JSON.stringify(redactMessage(JSON.parse(value)));
    } catch {
      return value;
    }
  }
  if (typeof value !== "object" || value === null) return value;
  // The storage layer's rule for what looks like a secret, plus the logs' list of names.
  const shallow = redactOptions(value as Record<string, unknown>);
  const out: Record<string, unknown> = {};
  for (const [key, member] of Object.entries(shallow)) {
    out[key] =
      member === REDACTED || ALSO_SECRET.has(key.toLowerCase()) ? REDACTED : redactMessage(member);
  }
  return out;
}

export function listenCommand(): Command {
  const command = new Command("listen")
    .description(
      "print every message matching a binding key (e.g. notify.storage.#), one JSON line each",
    )
    .argument("<binding-key>")
    .option("--show-secrets", "print private keys, passwords and tokens as they are");
  addBusOptions(command);
  return command.action(async (bindingKey: string) => {
    const showSecrets = command.opts<{ showSecrets?: boolean }>().showSecrets === true;
    const bus = await connectFromOptions(command);
    const subscription = await bus.subscribe(bindingKey, (body, delivery) => {
      const shown = showSecrets ? body : redactMessage(body);
      process.stdout.write(
        `${JSON.stringify({ routing_key: delivery.routingKey, body: shown })}\n`,
      );
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
