/**
 * The example service of docs/writing-a-service.md: every feature a service author needs in a few
 * lines. Bus methods: example.ping, example.echo, example.add, example.fail.
 */
import { z } from "zod";
import type { MessageContext } from "../../service/context.js";
import type { ServiceDefinition } from "../../service/definition.js";
import { CommissaireService } from "../../service/service.js";

export class ExampleService extends CommissaireService {
  readonly name = "example";

  // Declared schemas validate named params and give positional ([1, 2]) params their names.
  override readonly params = {
    echo: z.object({ words: z.string() }).strict(),
    add: z.object({ x: z.number(), y: z.number() }).strict(),
  };

  on_ping(): string {
    return "pong";
  }

  on_echo({ words }: { words: string }): string {
    return words;
  }

  on_add({ x, y }: { x: number; y: number }, context: MessageContext): number {
    context.logger.debug({ x, y }, "adding");
    return x + y;
  }

  on_fail(): never {
    throw new Error("this method always fails");
  }
}

export const exampleService: ServiceDefinition = {
  name: "example",
  description: "Example Commissaire service: ping, echo(words), add(x, y) and fail",
  create: ({ bus, config, logger }) => new ExampleService({ bus, config, logger }),
};
