/**
 * What each key of the original's etcd v2 tree holds, as records of ours. The original's layout
 * (commissaire/storage/etcd.py): `/commissaire/hosts/<address>`, `/commissaire/clusters/<name>`,
 * `/commissaire/cluster/<name>/{upgrade,restart,deploy}`, `/commissaire/networks/<name>`,
 * `/commissaire/container_managers/<name>`. Its early versions kept a host's `ssh_priv_key` and
 * `remote_user` in the Host record (and its etcd handler merged HostCreds into that key): those
 * become a HostCreds record. The original read records leniently (members it did not know were
 * ignored, missing ones took their defaults): so are they read here, and each such change is a note.
 */
import {
  Cluster,
  ClusterDeploy,
  ClusterRestart,
  ClusterUpgrade,
  ContainerManagerConfig,
  Host,
  HostCreds,
  keyRule,
  type ModelType,
  Network,
} from "../../models/index.js";
import type { V2Entry } from "./v2-reader.js";

/** A record to write: its type, key and data (unvalidated), and what was changed on the way. */
export interface Candidate {
  type: ModelType;
  key: string;
  data: Record<string, unknown>;
  notes: string[];
  /** The v2 key it came from. */
  from: string;
}

/** A record that cannot be migrated, and why. */
export interface Rejected {
  typeName: string;
  id: string;
  from: string;
  reason: string;
}

export type Classified =
  | { kind: "records"; records: Candidate[] }
  | { kind: "rejected"; rejected: Rejected }
  | { kind: "other"; key: string };

const PATTERNS: [RegExp, (m: RegExpMatchArray) => [ModelType, string]][] = [
  [/^\/commissaire\/hosts\/([^/]+)$/, (m) => [Host, m[1]!]],
  [/^\/commissaire\/clusters\/([^/]+)$/, (m) => [Cluster, m[1]!]],
  [/^\/commissaire\/networks\/([^/]+)$/, (m) => [Network, m[1]!]],
  [/^\/commissaire\/container_managers\/([^/]+)$/, (m) => [ContainerManagerConfig, m[1]!]],
  [/^\/commissaire\/cluster\/([^/]+)\/upgrade$/, (m) => [ClusterUpgrade, m[1]!]],
  [/^\/commissaire\/cluster\/([^/]+)\/restart$/, (m) => [ClusterRestart, m[1]!]],
  [/^\/commissaire\/cluster\/([^/]+)\/deploy$/, (m) => [ClusterDeploy, m[1]!]],
];

/** Members the original's early Host carried, which are HostCreds members now. */
const CREDENTIAL_MEMBERS = ["ssh_priv_key", "remote_user"];
const DATE_MEMBERS = ["started_at", "finished_at"];

/**
 * A date as Python wrote it (isoformat: microseconds left out when zero; some writers added a
 * zone) in our format, or null when it is not one.
 */
export function normaliseDate(value: string): string | null {
  const m = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}:\d{2}:\d{2})(?:\.(\d{1,6}))?(?:Z|[+-]00:?00)?$/.exec(
    value,
  );
  return m ? `${m[1]}T${m[2]}.${(m[3] ?? "").padEnd(6, "0")}` : null;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** The record(s) a v2 key holds, why it cannot be migrated, or "other" (not a record). */
export function classify(entry: V2Entry): Classified {
  for (const [pattern, typeOf] of PATTERNS) {
    const match = pattern.exec(entry.key);
    if (!match) continue;
    const [type, segment] = typeOf(match);
    return convert(type, segment, entry);
  }
  return { kind: "other", key: entry.key };
}

function convert(type: ModelType, id: string, entry: V2Entry): Classified {
  const reject = (reason: string): Classified => ({
    kind: "rejected",
    rejected: { typeName: type.name, id, from: entry.key, reason },
  });
  let value: unknown;
  try {
    value = JSON.parse(entry.value);
  } catch (err) {
    return reject(`not JSON (${(err as Error).message})`);
  }
  if (!isObject(value)) return reject("not a JSON object");
  const pk = type.primaryKey!;
  const { test, rule } = keyRule(pk);
  if (!test(id))
    return reject(`its ${pk} breaks our rule (${rule}): rename it in the original, then migrate`);
  const data: Record<string, unknown> = { ...value };
  const notes: string[] = [];
  if (data[pk] === undefined) {
    data[pk] = id;
    notes.push(`${pk} taken from the key`);
  } else if (data[pk] !== id) {
    return reject(`the key names "${id}" but the record's ${pk} is ${JSON.stringify(data[pk])}`);
  }
  const records: Candidate[] = [];
  if (type === Host) {
    const creds = credentialsOf(id, data, entry.key);
    for (const m of CREDENTIAL_MEMBERS) delete data[m];
    if (creds) records.push(creds);
  }
  if (type === Cluster) delete data.hosts; // computed, never stored
  for (const m of DATE_MEMBERS) {
    const v = data[m];
    if (typeof v === "string" && v !== "") {
      const normal = normaliseDate(v);
      if (normal !== null && normal !== v) {
        data[m] = normal;
        notes.push(`${m} ${JSON.stringify(v)} written as ${normal}`);
      }
    }
  }
  const unknown = Object.keys(data).filter((m) => !type.members.includes(m));
  for (const m of unknown) delete data[m];
  if (unknown.length) notes.push(`left out members the model does not have: ${unknown.join(", ")}`);
  const missing = type.members.filter((m) => value[m] === undefined && m !== pk);
  const originalMissing = missing.filter((m) => !type.extensions.includes(m));
  if (originalMissing.length)
    notes.push(`defaults for missing members: ${originalMissing.join(", ")}`);
  const pending = pendingWork(type, data);
  if (pending) notes.push(pending);
  const issues = type.validate(data);
  if (issues.length)
    return reject(
      issues.map((i) => `${i.member}: expected ${i.expected}, got ${i.got}`).join("; "),
    );
  records.unshift({ type, key: id, data, notes, from: entry.key });
  return { kind: "records", records };
}

/**
 * Work the record says is under way, which our services take up as left by a dead process: an
 * operator should know before starting them (docs/migrating.md).
 */
function pendingWork(type: ModelType, data: Record<string, unknown>): string | null {
  if (type.name.startsWith("Cluster") && type !== Cluster && data.status === "in_process")
    return "in_process: our clusterexec service will take this operation over and go on";
  if (type === Host && (data.status === "investigating" || data.status === "bootstrapping"))
    return `${data.status}: our investigator will take this host up again`;
  return null;
}

/** The HostCreds an early Host record carried, when it carried a key. */
function credentialsOf(
  address: string,
  data: Record<string, unknown>,
  from: string,
): Candidate | null {
  const key = data.ssh_priv_key;
  if (typeof key !== "string" || key === "") return null;
  const creds: Record<string, unknown> = { address, ssh_priv_key: key };
  if (typeof data.remote_user === "string" && data.remote_user !== "")
    creds.remote_user = data.remote_user;
  return {
    type: HostCreds,
    key: address,
    data: creds,
    notes: ["from the credentials kept in the Host record"],
    from,
  };
}
