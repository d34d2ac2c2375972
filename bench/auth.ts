/**
 * Authentication figures, each a ratio within the run: the time of a wrong password for a known
 * user against an unknown user (scrypt and bcrypt users; ~1 means names cannot be told by timing),
 * and a legitimate user's request latency on the REST server while a guessing flood runs from
 * another loopback address, against the same without the flood. `node dist/bench/auth.js` runs
 * it alone.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { Agent, request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { BasicAuthenticator } from "../src/services/server/auth/basic.js";
import { hashPassword, hashPasswordBcrypt } from "../src/services/server/auth/passwords.js";
import { FixedUsers, parseUsers } from "../src/services/server/auth/users-file.js";
import { waitFor } from "../src/testing/index.js";
import { freePort } from "../test/helpers/servers.js";
import { Proc } from "./processes.js";

const SERVER = fileURLToPath(new URL("../src/cli/server.js", import.meta.url));
const FLOOD = fileURLToPath(new URL("./auth-flood.js", import.meta.url));
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const fmt = (n: number, digits = 2) => n.toFixed(digits);

async function timeOf(work: () => Promise<unknown>): Promise<number> {
  const start = performance.now();
  await work();
  return performance.now() - start;
}

async function unknownVersusKnown(kind: string, hash: string, rounds: number): Promise<string> {
  const auth = new BasicAuthenticator(new FixedUsers(parseUsers({ alice: hash }, kind)));
  const known: number[] = [];
  const unknown: number[] = [];
  for (let i = 0; i < rounds; i++) {
    known.push(await timeOf(() => auth.authenticate(basic("alice", `wrong-${i}`))));
    unknown.push(await timeOf(() => auth.authenticate(basic(`nobody-${i}`, `wrong-${i}`))));
  }
  const k = median(known);
  const u = median(unknown);
  return `auth ${kind}: wrong password, known user ${fmt(k)} ms, unknown user ${fmt(u)} ms (unknown/known x${fmt(u / k)}, target ~1)`;
}

function get(
  port: number,
  authorization: string,
  options: { agent?: Agent; localAddress?: string } = {},
) {
  return new Promise<number>((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path: "/api/v0/nothing", headers: { authorization }, ...options },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end();
  });
}

/** p50 and p99 of a legitimate user's requests, one after another, for `durationMs`. */
async function legitimateLatency(
  port: number,
  durationMs: number,
): Promise<{ p50: number; p99: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: 1 });
  const times: number[] = [];
  const started = performance.now();
  while (performance.now() - started < durationMs)
    times.push(await timeOf(() => get(port, basic("alice", "right-password"), { agent })));
  agent.destroy();
  times.sort((a, b) => a - b);
  return { p50: median(times), p99: times[Math.floor(times.length * 0.99)]! };
}

async function underFlood(quick: boolean): Promise<string[]> {
  const dir = mkdtempSync(join(tmpdir(), "commissaire-bench-auth-"));
  const port = await freePort();
  writeFileSync(
    join(dir, "users.json"),
    JSON.stringify({ alice: await hashPassword("right-password"), admin: await hashPassword("x") }),
  );
  writeFileSync(
    join(dir, "server.conf"),
    JSON.stringify({
      bus_uri: "memory://",
      listen_port: port,
      users_file: join(dir, "users.json"),
    }),
  );
  const server = await Proc.start(SERVER, ["-c", join(dir, "server.conf")], (o) =>
    o.includes("server listening"),
  );
  try {
    const durationMs = quick ? 2000 : 6000;
    await legitimateLatency(port, 200); // warm up (the first request pays the scrypt)
    const quiet = await legitimateLatency(port, durationMs);
    const flood = spawn(process.execPath, [FLOOD, String(port), String(durationMs + 500), "8"], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    let out = "";
    flood.stdout.on("data", (d) => (out += d));
    const finished = new Promise((resolve) => flood.once("exit", resolve));
    await waitFor(() => out.includes("FLOODING"), { timeoutMs: 10_000, what: "the flood" });
    const flooded = await legitimateLatency(port, durationMs);
    await finished;
    const result = JSON.parse(out.trim().split("\n").pop() ?? "{}") as {
      perSecond: number;
      statuses: Record<string, number>;
    };
    return [
      `auth flood: legitimate user p50 ${fmt(quiet.p50, 3)} ms quiet, ${fmt(flooded.p50, 3)} ms under a flood of ${fmt(result.perSecond, 0)} guesses/s from another process (x${fmt(flooded.p50 / quiet.p50)}; p99 ${fmt(quiet.p99, 1)} vs ${fmt(flooded.p99, 1)} ms; one machine's cores shared by flood, server and client)`,
      `auth flood: guesses checked (401) ${result.statuses["401"] ?? 0}, turned away (429) ${result.statuses["429"] ?? 0}`,
    ];
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function authBench(quick: boolean): Promise<string[]> {
  process.stderr.write(
    "  authentication: timing of unknown users, latency under a guessing flood\n",
  );
  const rounds = quick ? 5 : 15;
  return [
    await unknownVersusKnown("scrypt", await hashPassword("right"), rounds * 2),
    await unknownVersusKnown("bcrypt-10", await hashPasswordBcrypt("right", 10), rounds),
    ...(await underFlood(quick)),
  ];
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  for (const line of await authBench(process.argv.includes("--quick"))) console.log(line);
}
