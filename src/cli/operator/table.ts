/** Plain-text tables for people; scripts ask for --json. */

const cell = (v: unknown): string =>
  v === undefined || v === null || v === ""
    ? "-"
    : typeof v === "object"
      ? JSON.stringify(v)
      : String(v);

/** Rows under upper-case headers, columns aligned. */
export function table(headers: string[], rows: unknown[][]): string {
  const texts = rows.map((r) => r.map(cell));
  const widths = headers.map((h, i) => Math.max(h.length, ...texts.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(headers.map((h) => h.toUpperCase())), ...texts.map(line)].join("\n");
}

/** One record as "field: value" lines. */
export function record(value: Record<string, unknown>): string {
  const width = Math.max(...Object.keys(value).map((k) => k.length));
  return Object.entries(value)
    .map(
      ([k, v]) =>
        `${`${k}:`.padEnd(width + 1)} ${typeof v === "object" && v !== null && !Array.isArray(v) ? JSON.stringify(v) : Array.isArray(v) ? v.join(", ") || "-" : cell(v)}`,
    )
    .join("\n");
}
