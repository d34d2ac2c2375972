/** Redis key names and member formats of kombu's virtual protocol (WIRE.md section 2, "Keys"). */

/** kombu's field separator in binding members and priority bucket names. */
export const SEP = "\x06\x16";
export const UNACKED = "unacked";
export const UNACKED_INDEX = "unacked_index";
export const UNACKED_MUTEX = "unacked_mutex";
/** kombu's unacked_mutex_expire (300 s). */
export const UNACKED_MUTEX_TTL_MS = 300_000;
export const PRIORITY_STEPS = [0, 3, 6, 9] as const;

export function bindingSetKey(exchange: string): string {
  return `_kombu.binding.${exchange}`;
}

export function bindingMember(routingKey: string, pattern: string, queue: string): string {
  return `${routingKey}${SEP}${pattern}${SEP}${queue}`;
}

export function parseBindingMember(
  member: string,
): { routingKey: string; pattern: string; queue: string } | null {
  const parts = member.split(SEP);
  if (parts.length !== 3) return null;
  return { routingKey: parts[0]!, pattern: parts[1]!, queue: parts[2]! };
}

/** The list a message of this priority is pushed on (kombu's _q_for_pri: 0-2 -> the queue itself). */
export function priorityKey(queue: string, priority = 0): string {
  const p = Math.max(0, Math.min(9, Math.trunc(Number.isFinite(priority) ? priority : 0)));
  let step = 0;
  for (const s of PRIORITY_STEPS) if (p >= s) step = s;
  return step === 0 ? queue : `${queue}${SEP}${step}`;
}

/** The lists a consumer pops from, in kombu's order: every queue's bucket 0, then 3, 6, 9. */
export function consumeKeys(queues: readonly string[]): string[] {
  return PRIORITY_STEPS.flatMap((step) =>
    queues.map((q) => (step === 0 ? q : `${q}${SEP}${step}`)),
  );
}

/** The queue name of a list key (strips a priority suffix). */
export function queueOfKey(key: string): string {
  const at = key.lastIndexOf(SEP);
  return at < 0 ? key : key.slice(0, at);
}

/*
 * Our own bookkeeping beside kombu's (WIRE.md "Our in-flight bookkeeping"; docs/wire-extensions.md).
 * An owner is one transport (one process's connection to the bus).
 */
/** SET of owner ids that may hold messages or auto-delete queues. */
export const OWNERS = "_commissaire.owners";
/** STRING with a short TTL, refreshed while the owner lives. */
export const aliveKey = (owner: string): string => `_commissaire.alive.${owner}`;
/** HASH delivery number -> `<list key>` SEP `<raw envelope>`: what the owner's consumers hold. */
export const inFlightKey = (owner: string): string => `_commissaire.inflight.${owner}`;
/** HASH queue -> JSON [[binding set, member], ...]: the owner's auto-delete queues. */
export const autoDeleteKey = (owner: string): string => `_commissaire.autodelete.${owner}`;
/** HASH queue -> owner: exclusive queues and who declared them (void once that owner is dead). */
export const EXCLUSIVE = "_commissaire.exclusive";
/**
 * LIST of at most one token, pushed by our publishers (if empty) with each push onto the queue:
 * our consumers waiting for work block on it (scripts.ts, RING).
 */
export const bellKey = (queue: string): string => `_commissaire.bell.${queue}`;
/** Pub/sub channel our publishers ping when they push onto a queue. */
export const wakeChannel = (queue: string): string => `_commissaire.wake.${queue}`;
/** Where poison and oversized messages of a queue go. */
export const deadKey = (queue: string): string => `${queue}.dead`;
