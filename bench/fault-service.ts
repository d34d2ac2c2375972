/**
 * The service of the fault run: `fault.work` counts each execution in Redis (HINCRBY
 * fault:executed <i>) before answering, and each request dropped past its deadline
 * (fault:expired), so the counts survive a SIGKILL. argv: bus URI.
 */
import { Redis } from "ioredis";
import { pino } from "pino";
import { Bus } from "../src/bus/bus.js";
import { CommissaireService } from "../src/service/service.js";

const uri = process.argv[2]!;
const tally = new Redis(uri);

// The bus logs each dropped request once; that line is what is counted.
const logger = pino(
  { level: "warn" },
  {
    write(line: string) {
      if (line.includes("request past its deadline dropped")) void tally.incr("fault:expired");
    },
  },
);

class FaultService extends CommissaireService {
  readonly name = "fault";
  async on_work({ i }: { i: number }): Promise<number> {
    await tally.hincrby("fault:executed", String(i), 1);
    // Long enough that a kill often lands while requests are in flight.
    await new Promise((resolve) => setTimeout(resolve, 5));
    return i;
  }
}

const service = new FaultService({ bus: Bus.connect(uri, { logger }), inFlightLimit: 16 });
await service.start();
process.stdout.write("READY\n");
process.once("SIGTERM", async () => {
  await service.stop(2000);
  tally.disconnect();
  process.exit(0);
});
