/** The deployment files of deploy/ as the tests read them: systemd units and sample configuration. */
import { readdirSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";

/** The repository root (the tests run from dist/test/...). */
export const ROOT = fileURLToPath(new URL("../../../", import.meta.url));
export const UNIT_DIR = `${ROOT}deploy/systemd/`;
export const SAMPLE_DIR = `${ROOT}deploy/etc/commissaire/`;

export interface Unit {
  file: string;
  /** ExecStart split on whitespace (the units quote nothing). */
  execStart: string[];
  /** Environment= assignments. */
  environment: Record<string, string>;
  /** Every `key=value` of the file, in order, by section. */
  text: string;
}

export function readUnit(file: string): Unit {
  const text = readFileSync(`${UNIT_DIR}${file}`, "utf8");
  const values = (key: string) =>
    text
      .split("\n")
      .filter((l) => l.startsWith(`${key}=`))
      .map((l) => l.slice(key.length + 1));
  const environment: Record<string, string> = {};
  for (const assignment of values("Environment").flatMap((v) => v.split(/\s+/))) {
    const eq = assignment.indexOf("=");
    environment[assignment.slice(0, eq)] = assignment.slice(eq + 1);
  }
  return { file, execStart: values("ExecStart")[0]?.split(/\s+/) ?? [], environment, text };
}

export const serviceUnits = (): string[] =>
  readdirSync(UNIT_DIR)
    .filter((f) => f.endsWith(".service"))
    .sort();

export const sampleConfigs = (): string[] =>
  readdirSync(SAMPLE_DIR)
    .filter((f) => f.endsWith(".conf"))
    .sort();

export function packageBins(): Record<string, string> {
  return (
    JSON.parse(readFileSync(`${ROOT}package.json`, "utf8")) as { bin: Record<string, string> }
  ).bin;
}
