/**
 * Reads a Prometheus text exposition (version 0.0.4) strictly, as promtool's `check metrics`
 * parser does: every sample belongs to a family declared by `# TYPE` before it, names and labels
 * are well formed, values are numbers, no series appears twice, histograms have their buckets
 * (ending with le="+Inf"), _sum and _count. Throws with the line at fault; gives the samples.
 */

export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)(\s+-?\d+)?$/;
const LABEL = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"\s*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);

function labelsOf(text: string | undefined, line: string): Record<string, string> {
  const labels: Record<string, string> = {};
  if (!text || text === "{}") return labels;
  // Split on commas outside quotes.
  const parts = text.slice(1, -1).match(/(?:[^,"]|"(?:[^"\\]|\\.)*")+/g) ?? [];
  for (const part of parts) {
    const m = LABEL.exec(part);
    if (!m) throw new Error(`bad label ${JSON.stringify(part)} in: ${line}`);
    if (m[1]! in labels) throw new Error(`label ${m[1]} twice in: ${line}`);
    labels[m[1]!] = m[2]!;
  }
  return labels;
}

function familyOf(name: string, types: Map<string, string>): string | undefined {
  if (types.has(name)) return name;
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    const base = name.endsWith(suffix) ? name.slice(0, -suffix.length) : "";
    if (base && (types.get(base) === "histogram" || types.get(base) === "summary")) return base;
  }
  return undefined;
}

export function parseExposition(text: string): Sample[] {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  const seen = new Set<string>();
  if (!text.endsWith("\n")) throw new Error("the exposition must end with a newline");
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    if (line.startsWith("# TYPE ")) {
      const [name, type] = line.slice(7).split(" ");
      if (!name || !NAME.test(name) || !type || !TYPES.has(type))
        throw new Error(`bad TYPE: ${line}`);
      if (types.has(name)) throw new Error(`TYPE twice for ${name}`);
      if (type === "counter" && !name.endsWith("_total"))
        throw new Error(`counter ${name} should end in _total`);
      types.set(name, type);
      continue;
    }
    if (line.startsWith("# HELP ")) {
      const name = line.slice(7).split(" ")[0]!;
      if (!NAME.test(name)) throw new Error(`bad HELP: ${line}`);
      continue;
    }
    if (line.startsWith("#")) continue;
    const m = SAMPLE.exec(line);
    if (!m) throw new Error(`bad sample line: ${line}`);
    const name = m[1]!;
    const family = familyOf(name, types);
    if (!family) throw new Error(`sample of an undeclared family: ${line}`);
    const raw = m[3]!;
    const value = raw === "+Inf" ? Infinity : raw === "-Inf" ? -Infinity : Number(raw);
    if (raw !== "NaN" && Number.isNaN(value)) throw new Error(`bad value: ${line}`);
    const labels = labelsOf(m[2], line);
    const key = `${name}${JSON.stringify(Object.entries(labels).sort())}`;
    if (seen.has(key)) throw new Error(`series twice: ${line}`);
    seen.add(key);
    if (types.get(family) === "histogram" && name.endsWith("_bucket") && !("le" in labels))
      throw new Error(`bucket without le: ${line}`);
    samples.push({ name, labels, value });
  }
  for (const [family, type] of types) {
    if (type !== "histogram") continue;
    const buckets = samples.filter((s) => s.name === `${family}_bucket`);
    const counts = samples.filter((s) => s.name === `${family}_count`);
    if (counts.length && !buckets.some((b) => b.labels.le === "+Inf"))
      throw new Error(`histogram ${family} has no le="+Inf" bucket`);
  }
  return samples;
}

/** The value of one series (labels given must all match), or undefined. */
export function seriesValue(
  samples: Sample[],
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  return samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  )?.value;
}
