/** A service with one method per behaviour the suites check. */
import { z } from "zod";
import {
  CommissaireService,
  ContainerManagerError,
  type MessageContext,
  RemoteProcedureCallError,
  type ServiceOptions,
  StorageLookupError,
  withParams,
} from "../../src/index.js";

/** A promise the test opens when it wants the handlers waiting on it to go on. */
export class Gate {
  private opened!: () => void;
  readonly promise = new Promise<void>((resolve) => (this.opened = resolve));
  open(): void {
    this.opened();
  }
}

export class TestService extends CommissaireService {
  readonly name: string;
  gate = new Gate();
  running = 0;
  maxRunning = 0;
  executed: unknown[] = [];
  afterRespond: string[] = [];
  redeliveredSeen: boolean[] = [];

  constructor(options: ServiceOptions & { name?: string }) {
    super(options);
    this.name = options.name ?? "test";
  }

  on_ping(): string {
    return "pong";
  }
  on_echo = withParams(z.object({ words: z.string() }).strict(), ({ words }) => words);
  on_add = withParams(z.object({ x: z.number(), y: z.number() }).strict(), ({ x, y }) => x + y);
  on_raw(params: unknown): unknown {
    return params;
  }
  on_nothing(): void {}
  on_unencodable(): unknown {
    return { big: 10n };
  }
  on_fail(): never {
    throw new TypeError("deliberate failure");
  }
  on_lookup(): never {
    throw new StorageLookupError("no such host", {
      model_type_name: "Host",
      model_json_data: '{"address": "x"}',
    });
  }
  on_container(): never {
    throw new ContainerManagerError("manager refused", { reason: "nope" });
  }
  on_custom({ code }: { code?: unknown }): never {
    if (typeof code !== "number") throw new TypeError("code must be a number");
    throw new RemoteProcedureCallError(code, `custom ${code}`, { code });
  }
  on_record(params: unknown, context: MessageContext): { redelivered: boolean; pid: number } {
    this.executed.push(params);
    return { redelivered: context.redelivered, pid: process.pid };
  }
  on_wait = withParams(z.object({ n: z.number() }), async ({ n }, context) => {
    this.redeliveredSeen.push(context.redelivered);
    this.running += 1;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      await this.gate.promise;
      return n;
    } finally {
      this.running -= 1;
    }
  });
  async on_early(_params: unknown, context: MessageContext): Promise<string> {
    await context.respond("accepted");
    await this.gate.promise;
    this.afterRespond.push("finished");
    return "ignored";
  }
}
