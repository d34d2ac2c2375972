/**
 * What one check result means for one host, as Nagios judges soft and hard states: `failed` after
 * `failAfter` failures in a row, back after `recoverAfter` successes in a row, and only when the
 * watcher itself demoted the host. Pure: the service writes what this decides.
 */

export const FLAP_WINDOW = 20;
export const FLAP_CHANGES = 4;

export interface WatchedHost {
  address: string;
  status: string;
  /** Host.watcher_demoted_from as stored. */
  demotedFrom: string;
  lastBootId: string;
  flapping: boolean;
  failures: number;
  successes: number;
  /** The last results, oldest first, at most FLAP_WINDOW. */
  history: boolean[];
}

export type Decision = { kind: "none" } | { kind: "fail" } | { kind: "recover"; to: string };

export function newWatchedHost(address: string): WatchedHost {
  return {
    address,
    status: "",
    demotedFrom: "",
    lastBootId: "",
    flapping: false,
    failures: 0,
    successes: 0,
    history: [],
  };
}

/** Records one result; returns whether `flapping` changed. */
export function record(host: WatchedHost, ok: boolean): boolean {
  if (ok) {
    host.successes += 1;
    host.failures = 0;
  } else {
    host.failures += 1;
    host.successes = 0;
  }
  host.history.push(ok);
  if (host.history.length > FLAP_WINDOW) host.history.shift();
  let changes = 0;
  for (let i = 1; i < host.history.length; i++)
    if (host.history[i] !== host.history[i - 1]) changes += 1;
  const flapping = changes >= FLAP_CHANGES;
  const changed = flapping !== host.flapping;
  host.flapping = flapping;
  return changed;
}

export interface Thresholds {
  failAfter: number;
  recoverAfter: number;
  /** Mass failure: no host is marked failed. */
  frozen: boolean;
}

export function decide(host: WatchedHost, t: Thresholds): Decision {
  const judged = host.status === "active" || host.status === "disassociated";
  if (judged && !t.frozen && host.failures >= t.failAfter) return { kind: "fail" };
  if (host.status === "failed" && host.demotedFrom !== "" && host.successes >= t.recoverAfter)
    return { kind: "recover", to: host.demotedFrom };
  return { kind: "none" };
}

/** Statuses the watcher checks: a host being investigated or bootstrapped is someone else's. */
export function isWatched(status: string): boolean {
  return status === "active" || status === "disassociated" || status === "failed";
}
