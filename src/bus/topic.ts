/**
 * kombu's topic-exchange semantics (WIRE.md section 2, "Routing"): the regex a binding key is
 * stored with, and matching a routing key against a stored regex the way Python's re.match does.
 */

const WILDCARDS: Record<string, string> = { "*": ".*?[^\\.]", "#": ".*?" };

// Python's str.isalnum(): letters (L*) and numbers (N*), Unicode-aware.
const ALNUM = /^[\p{L}\p{N}]$/u;

/** kombu.utils.text.escape_regex(key, ".#*"). */
function escapeRegex(key: string, white: string): string {
  let out = "";
  for (const c of key) {
    if (ALNUM.test(c) || white.includes(c)) out += c;
    else out += c === "\0" ? "\\000" : `\\${c}`;
  }
  return out;
}

/** kombu TopicExchange.key_to_pattern: the regex stored in the binding set for a binding key. */
export function keyToPattern(bindingKey: string): string {
  const words = escapeRegex(bindingKey, ".#*").split(".");
  return `^${words.map((w) => WILDCARDS[w] ?? w).join("\\.")}$`;
}

const compiled = new Map<string, RegExp | null>();
const CACHE_LIMIT = 10_000;

/**
 * Compiles a stored (Python) regex as a JavaScript one. The patterns kombu writes use a subset on
 * which both engines agree; a pattern JavaScript cannot compile never matches.
 */
function compile(pattern: string): RegExp | null {
  let re = compiled.get(pattern);
  if (re === undefined) {
    try {
      // No "u" flag: kombu escapes every non-alphanumeric character ("\\-", "\\:"), and such
      // identity escapes are only legal in non-Unicode mode, as they are in Python.
      re = new RegExp(pattern.replace(/\\000/g, "\\x00"));
    } catch {
      re = null;
    }
    if (compiled.size >= CACHE_LIMIT) compiled.clear();
    compiled.set(pattern, re);
  }
  return re;
}

/** re.match(pattern, routingKey): anchored at the start (kombu's patterns anchor both ends). */
export function matchesPattern(pattern: string, routingKey: string): boolean {
  const re = compile(pattern.startsWith("^") ? pattern : `^(?:${pattern})`);
  return re?.test(routingKey) === true;
}

/** One member of a binding table: `<binding key>`, `<stored regex>`, `<queue>`. */
export interface StoredBinding {
  routingKey: string;
  pattern: string;
  queue: string;
}

/**
 * The queues a routing key reaches through a binding table. A binding stored with an empty pattern
 * is a direct binding (kombu stores none for direct exchanges): its key must equal the routing key.
 * Every other binding is matched with its stored regex.
 */
export function routeBindings(bindings: Iterable<StoredBinding>, routingKey: string): string[] {
  const out = new Set<string>();
  for (const b of bindings) {
    const hit =
      b.pattern === "" ? b.routingKey === routingKey : matchesPattern(b.pattern, routingKey);
    if (hit) out.add(b.queue);
  }
  return [...out];
}
