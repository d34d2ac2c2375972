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
