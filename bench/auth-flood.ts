/**
 * A password-guessing flood against the REST server, from 127.0.0.2 (another client than the
 * legitimate one): `node auth-flood.js PORT DURATION_MS CONCURRENCY`. Prints FLOODING when it
 * starts, then one JSON line: guesses per second and how many were answered with each status.
 */
import { Agent, request } from "node:http";

const [port, durationMs, concurrency] = process.argv.slice(2).map(Number) as [
  number,
  number,
  number,
];
const agent = new Agent({ keepAlive: true, localAddress: "127.0.0.2" });
const statuses: Record<string, number> = {};
let sent = 0;

function guess(n: number): Promise<void> {
  const authorization = `Basic ${Buffer.from(`admin:guess-${n}`).toString("base64")}`;
  return new Promise((resolve, reject) => {
    const req = request(
      { host: "127.0.0.1", port, path: "/api/v0/nothing", headers: { authorization }, agent },
      (res) => {
        res.resume();
        res.on("end", () => {
          statuses[res.statusCode ?? 0] = (statuses[res.statusCode ?? 0] ?? 0) + 1;
          resolve();
        });
      },
    );
    req.on("error", reject);
    req.end();
  });
}

const started = performance.now();
process.stdout.write("FLOODING\n");
await Promise.all(
  Array.from({ length: concurrency }, async () => {
    while (performance.now() - started < durationMs) await guess(sent++);
  }),
);
agent.destroy();
const seconds = (performance.now() - started) / 1000;
console.log(JSON.stringify({ perSecond: sent / seconds, statuses }));
