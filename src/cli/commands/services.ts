/**
 * `commissaire services`: every service process bound on the bus and its health (the fan-out
 * `services.health`: each process answers on its own queue). Exit 0 when every process that
 * answered is healthy, 1 when one is failing, 3 when none answered (or the bus cannot be reached).
 */
import { Command } from "commander";
import type { Bus } from "../../bus/bus.js";
import { BusConnectError } from "../../bus/errors.js";
import type { HealthReport } from "../../service/health.js";
import { gatherHealth } from "../../service/health-client.js";
import { table } from "../operator/table.js";
import { addBusOptions, BUS_CONNECT_TIMEOUT_MS, connectFromOptions } from "./bus-client.js";

function figuresText(figures: HealthReport["figures"]): string {
  return Object.entries(figures)
    .map(([name, value]) =>
      typeof value === "number"
        ? `${name}=${value}`
        : `${name}={${Object.entries(value)
            .map(([k, v]) => `${k}:${v}`)
            .join(",")}}`,
    )
    .join(" ");
}

/** The reports as a table: one row per process; failing probes say why. */
export function formatServices(reports: HealthReport[]): string {
  const rows = reports.map((r) => [
    r.service,
    r.process,
    r.status,
    r.probes.map((p) => (p.ok ? p.name : `${p.name}: ${p.detail ?? "failing"}`)).join(", "),
    r.in_flight_limit !== undefined ? `${r.in_flight}/${r.in_flight_limit}` : String(r.in_flight),
    `${r.uptime_s}s`,
    figuresText(r.figures),
  ]);
  return table(["SERVICE", "PROCESS", "STATUS", "PROBES", "IN FLIGHT", "UP", "FIGURES"], rows);
}

export function servicesCommand(): Command {
  const command = addBusOptions(
    new Command("services")
      .description("every service process on the bus with its health")
      .option("--json", "print the health answers as JSON")
      .option("-w, --wait <seconds>", "seconds to collect answers", "3"),
  );
  command.action(async () => {
    const o = command.opts<{ json?: boolean; wait: string }>();
    const waitS = Number(o.wait);
    if (!Number.isFinite(waitS) || waitS <= 0)
      throw new Error(`--wait: must be a positive number of seconds, got "${o.wait}"`);
    let bus: Bus;
    try {
      bus = await connectFromOptions(command, { connectTimeoutMs: BUS_CONNECT_TIMEOUT_MS });
    } catch (err) {
      if (!(err instanceof BusConnectError)) throw err;
      // Nobody can answer through a bus that cannot be reached: "none answered".
      process.stderr.write(`error: ${err.message}\n`);
      process.exitCode = 3;
      return;
    }
    try {
      const reports = await gatherHealth(bus, { timeoutMs: waitS * 1000 });
      if (o.json) process.stdout.write(`${JSON.stringify(reports, null, 2)}\n`);
      else if (reports.length) process.stdout.write(`${formatServices(reports)}\n`);
      if (reports.length === 0) {
        process.stderr.write(`error: no service process answered within ${waitS} s\n`);
        process.exitCode = 3;
      } else if (reports.some((r) => r.status !== "ok")) process.exitCode = 1;
    } catch (err) {
      process.stderr.write(`error: ${(err as Error).message}\n`);
      process.exitCode = 3;
    } finally {
      await bus.close();
    }
  });
  return command;
}
