/**
 * The example service of docs/writing-a-service.md: every feature a service author needs in a few
 * lines. Bus methods: example.ping, example.echo, example.add, example.fail.
 */
import { z } from "zod";
import type { ServiceDefinition } from "../../service/definition.js";
import { withParams } from "../../service/handler.js";
import { CommissaireService } from "../../service/service.js";

export class ExampleService extends CommissaireService {
  readonly name = "example";

  on_ping(): string {
    return "pong";
  }

  // A schema validates named params, gives positional ([1, 2]) params their names, and types the
  // handler's params: one declaration for all three.
  on_echo = withParams(z.object({ words: z.string() }).strict(), ({ words }) => words);

  on_add = withParams(z.object({ x: z.number(), y: z.number() }).strict(), ({ x, y }, context) => {
    context.logger.debug({ x, y }, "adding");
    return x + y;
  });

  on_fail(): never {
    throw new Error("this method always fails");
  }
}

export const exampleService: ServiceDefinition = {
  name: "example",
  description: "Example Commissaire service: ping, echo(words), add(x, y) and fail",
  create: ({ bus, config, logger }) => new ExampleService({ bus, config, logger }),
};
