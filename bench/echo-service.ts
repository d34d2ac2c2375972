/** The service of the RPC benchmark: `bench.echo` returns its params. argv: bus URI. */
import { Bus } from "../src/bus/bus.js";
import { CommissaireService } from "../src/service/service.js";

class BenchService extends CommissaireService {
  readonly name = "bench";
  on_echo(params: unknown): unknown {
    return params;
  }
}

const service = new BenchService({ bus: Bus.connect(process.argv[2]!), inFlightLimit: 64 });
await service.start();
process.stdout.write("READY\n");
process.once("SIGTERM", async () => {
  await service.stop(2000).finally(() => service.bus.close());
  process.exit(0);
});
