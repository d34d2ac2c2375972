/**
 * `commissaire cluster upgrade|restart|deploy|pause|resume|abort|operation`: rolling operations
 * through the REST server, with live per-host progress (`--follow`).
 */
import type { Command } from "commander";
import { ConfigError } from "../../config/errors.js";
import { jsonText, withClient } from "./command.js";
import type { RestClient } from "./rest-client.js";
import { record } from "./table.js";

const enc = encodeURIComponent;
const KINDS = ["upgrade", "restart", "deploy"] as const;

interface OperationView {
  name: string;
  status: string;
  hosts?: Record<string, { phase?: string; error?: string; seconds?: number }>;
  skipped?: string[];
  error?: string;
  [member: string]: unknown;
}

function batchesOption(value: string): Array<number | string> {
  const sizes = value.split(",").map((s) => s.trim());
  for (const s of sizes)
    if (!/^\d+%?$/.test(s) || /^0+%?$/.test(s))
      throw new ConfigError(
        `--batch: "${s}" is not a size (a count such as 5 or a share such as 20%)`,
      );
  return sizes.map((s) => (s.endsWith("%") ? s : Number(s)));
}

/** The record of the cluster's latest operation of any kind (the one in process first). */
async function latest(client: RestClient, name: string): Promise<[string, OperationView] | null> {
  const found: Array<[string, OperationView]> = [];
  for (const kind of KINDS) {
    const r = await client
      .request<OperationView>("GET", `api/v0/cluster/${enc(name)}/${kind}`)
      .catch(() => null);
    if (r) found.push([kind, r]);
  }
  found.sort(([, a], [, b]) =>
    a.status === "in_process"
      ? -1
      : b.status === "in_process"
        ? 1
        : String(b.started_at).localeCompare(String(a.started_at)),
  );
  return found[0] ?? null;
}

function hostLines(r: OperationView): string[] {
  return Object.entries(r.hosts ?? {}).map(
    ([address, h]) =>
      `${address}  ${h.phase ?? "?"}${h.seconds !== undefined ? `  ${h.seconds.toFixed(1)}s` : ""}${h.error ? `  ${h.error}` : ""}`,
  );
}

/** Prints phase changes as plain lines, or a redrawn block on a terminal, until the end. */
async function follow(client: RestClient, name: string, kind: string): Promise<OperationView> {
  const tty = process.stdout.isTTY === true;
  const seen = new Map<string, string>();
  let drawn = 0;
  for (;;) {
    const r = await client.request<OperationView>("GET", `api/v0/cluster/${enc(name)}/${kind}`);
    if (tty) {
      const lines = [`${kind} of ${name}: ${r.status}`, ...hostLines(r)];
      process.stdout.write(
        `${drawn ? `\x1b[${drawn}A` : ""}${lines.map((l) => `\x1b[2K${l}\n`).join("")}`,
      );
      drawn = lines.length;
    } else {
      for (const [address, h] of Object.entries(r.hosts ?? {})) {
        if (seen.get(address) === h.phase) continue;
        seen.set(address, h.phase ?? "");
        process.stdout.write(`${address} ${h.phase}${h.error ? `: ${h.error}` : ""}\n`);
      }
    }
    if (r.status !== "in_process") return r;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

export function addOperationCommands(verb: (name: string, d: string) => Command): void {
  for (const kind of KINDS) {
    const command = verb(kind, `${kind} the cluster's hosts, batch by batch`)
      .argument("<name>")
      .option("--batch <sizes>", "batch sizes, e.g. 1,5,20%", batchesOption)
      .option("--max-failures <n>", "failed hosts tolerated: a count or a percentage")
      .option("--mode <mode>", "lockstep or sliding")
      .option("--follow", "show per-host progress until the operation ends");
    if (kind === "deploy") command.argument("<version>");
    command.action((name: string, ...rest: unknown[]) =>
      withClient(command, async (client, json) => {
        const o = command.opts<{
          batch?: unknown[];
          maxFailures?: string;
          mode?: string;
          follow?: boolean;
        }>();
        const body: Record<string, unknown> = {};
        if (kind === "deploy") body.version = rest[0];
        if (o.batch) body.batches = o.batch;
        if (o.maxFailures !== undefined)
          body.max_failures = /^\d+$/.test(o.maxFailures) ? Number(o.maxFailures) : o.maxFailures;
        if (o.mode) body.mode = o.mode;
        const started = await client.request<OperationView>(
          "PUT",
          `api/v0/cluster/${enc(name)}/${kind}`,
          body,
        );
        if (!o.follow) return json ? jsonText(started) : record(started);
        const r = await follow(client, name, kind);
        if (r.status === "failed") process.exitCode = 1;
        return json
          ? jsonText(r)
          : `${kind} of ${name}: ${r.status}${r.error ? ` (${r.error})` : ""}`;
      }),
    );
  }
  for (const control of ["pause", "resume", "abort"] as const) {
    const command = verb(control, `${control} the cluster's running operation`).argument("<name>");
    command.action((name: string) =>
      withClient(command, async (client, json) => {
        const current = await latest(client, name);
        if (!current) throw new ConfigError(`cluster "${name}" has no operation`);
        const r = await client.request<OperationView>(
          "PUT",
          `api/v0/cluster/${enc(name)}/${current[0]}/${control}`,
        );
        return json ? jsonText(r) : `${control}: ${current[0]} of ${name}`;
      }),
    );
  }
  const show = verb("operation", "the cluster's latest operation, host by host").argument("<name>");
  show.action((name: string) =>
    withClient(show, async (client, json) => {
      const current = await latest(client, name);
      if (!current) throw new ConfigError(`cluster "${name}" has no operation`);
      const [kind, r] = current;
      if (json) return jsonText(r);
      return [
        `${kind} of ${name}: ${r.status}${r.error ? ` (${r.error})` : ""}`,
        ...hostLines(r),
      ].join("\n");
    }),
  );
}
