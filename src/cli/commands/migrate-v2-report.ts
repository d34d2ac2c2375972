/** What `storage migrate-v2` prints: a line per record written or skipped, then counts per type. */
import { countByType, type RecordResult } from "../../storage/migrate-v2/migrate.js";

/** The line for one record, or null for an unchanged one (only counted). */
export function formatResult(r: RecordResult, dryRun: boolean): string | null {
  const what = `${r.typeName} ${JSON.stringify(r.id)}`;
  switch (r.outcome) {
    case "unchanged":
      return null;
    case "migrated": {
      const head = `${dryRun ? "would migrate" : "migrated"} ${what}`;
      return r.notes.length ? `${head} (${r.notes.join("; ")})` : head;
    }
    default:
      return `${r.outcome} ${what} from ${r.from}: ${r.reason ?? ""}`;
  }
}

/** "1 record", "2 records". */
const records = (n: number) => `${n} record${n === 1 ? "" : "s"}`;

const COLUMNS = ["migrated", "unchanged", "kept", "invalid", "failed"] as const;

/** The table of counts and the closing sentence; `failed`: some records were not migrated. */
export function summary(
  results: readonly RecordResult[],
  dryRun: boolean,
): { lines: string[]; failed: boolean } {
  const counts = countByType(results);
  const width = Math.max(...[...counts.keys()].map((k) => k.length), "model type".length);
  const header = ["model type".padEnd(width), ...COLUMNS.map((c) => c.padStart(9))].join(" ");
  const lines = ["", dryRun ? `${header}   (dry run)` : header];
  const total = { migrated: 0, unchanged: 0, kept: 0, invalid: 0, failed: 0 };
  for (const [type, c] of counts) {
    lines.push([type.padEnd(width), ...COLUMNS.map((k) => String(c[k]).padStart(9))].join(" "));
    for (const k of COLUMNS) total[k] += c[k];
  }
  lines.push("");
  if (dryRun) lines.push(`dry run: nothing written; ${records(total.migrated)} would be written`);
  else if (total.migrated === 0)
    lines.push(`nothing written: ${records(total.unchanged)} already stored as they are in v2`);
  else lines.push(`wrote ${records(total.migrated)}`);
  if (total.kept)
    lines.push(
      `${records(total.kept)} stored differently than in v2 kept as they are (--overwrite replaces them)`,
    );
  if (total.invalid) lines.push(`${records(total.invalid)} invalid, skipped (listed above)`);
  if (total.failed) lines.push(`${records(total.failed)} not written (listed above)`);
  return { lines, failed: total.invalid + total.failed > 0 };
}
