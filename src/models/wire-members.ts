/**
 * What the original (Python) Commissaire knows of each model: its members. Every member a model
 * declares beyond these is one of our extensions (MODELS.md, docs/wire-extensions.md): optional,
 * and kept by storage when a writer that does not know it saves the record without it.
 *
 * Kept here, apart from the model declarations, so that a member added to a model later is an
 * extension without anyone having to remember to say so.
 */
export const ORIGINAL_MEMBERS: Readonly<Record<string, readonly string[]>> = {
  Host: ["address", "status", "os", "cpus", "memory", "space", "last_check", "source"],
  HostCreds: ["address", "ssh_priv_key", "remote_user"],
  Cluster: ["name", "status", "network", "hostset", "container_manager"],
  ClusterUpgrade: ["name", "status", "upgraded", "in_process", "started_at", "finished_at"],
  ClusterRestart: ["name", "status", "restarted", "in_process", "started_at", "finished_at"],
  ClusterDeploy: [
    "name",
    "status",
    "version",
    "deployed",
    "in_process",
    "started_at",
    "finished_at",
  ],
  Network: ["name", "type", "options"],
  ContainerManagerConfig: ["name", "type", "options"],
  HostStatus: ["type", "host", "container_manager"],
  WatcherRecord: ["address", "last_check"],
};

/**
 * The member every record storage returns carries: the record's revision, an opaque string that
 * changes with every write (etcd's mod_revision on etcd). Models accept it and drop it; storage
 * reads it back as a write's precondition only when asked to (`if_revision`).
 */
export const REVISION_MEMBER = "_revision";

/** The revision a create-only write is conditioned on: "no record under this key". */
export const NO_RECORD = "0";

/**
 * The member the storage service adds to every record it writes: the schema version of the
 * release that wrote it, so a later release can tell old records apart and migrate them. Absent:
 * written before versions were recorded (or by a Python service), the original's form. It stays
 * in the store: models accept and drop it, so no reader (nor a Python peer) is ever served it.
 */
export const SCHEMA_MEMBER = "_schema";

/** The schema version this release writes. */
export const SCHEMA_VERSION = 1;
