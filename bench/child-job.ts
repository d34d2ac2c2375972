/** Runs a load script in a process of its own and reads the JSON it prints last. */
import { spawn } from "node:child_process";

export function runJob<T>(
  script: string,
  job: unknown,
  what: string,
  nodeArgs: string[] = [],
): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...nodeArgs, script, JSON.stringify(job)], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.once("exit", (code) =>
      code === 0
        ? resolve(JSON.parse(out.trim().split("\n").pop()!) as T)
        : reject(new Error(`${what} failed (${code}): ${err}`)),
    );
  });
}
