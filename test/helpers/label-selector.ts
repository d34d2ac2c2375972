/**
 * Kubernetes equality-based label selectors for the fake apiserver: `k=v`, `k==v`, `k!=v`, `k`,
 * `!k`, joined by commas (all must hold). Set-based forms are refused, as an old apiserver would.
 */
export function nodeSelected(labels: Record<string, string>, selector: string): boolean {
  if (selector.trim() === "") return true;
  return selector.split(",").every((term) => {
    const t = term.trim();
    if (/\s(in|notin)\s/.test(t)) throw new Error(`unable to parse requirement: ${t}`);
    let m = /^([^!=]+)!=(.*)$/.exec(t);
    if (m) return labels[m[1]!] !== m[2];
    m = /^([^!=]+)==?(.*)$/.exec(t);
    if (m) return labels[m[1]!] === m[2];
    if (t.startsWith("!")) return !(t.slice(1) in labels);
    if (/^[A-Za-z0-9./_-]+$/.test(t)) return t in labels;
    throw new Error(`unable to parse requirement: ${t}`);
  });
}
