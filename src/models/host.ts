/** Host, HostCreds (secret), Hosts and HostStatus (MODELS.md). */
import { defineListModel } from "./list-model.js";
import { bool, int, obj, oneOf, required, str, withDefault } from "./members.js";
import { defineModel, type ModelOf } from "./model-type.js";
import { hostAddress } from "./names.js";

export const HOST_STATUSES = [
  "investigating",
  "bootstrapping",
  "active",
  "disassociated",
  "failed",
] as const;
export type HostStatusName = (typeof HOST_STATUSES)[number];

export const Host = defineModel({
  name: "Host",
  primaryKey: "address",
  members: {
    address: required(hostAddress),
    status: withDefault(oneOf(HOST_STATUSES, true), () => ""),
    os: withDefault(str, () => ""),
    cpus: withDefault(int, () => 0),
    memory: withDefault(int, () => 0),
    space: withDefault(int, () => 0),
    last_check: withDefault(str, () => ""),
    source: withDefault(str, () => ""),
    /** Extension: why the host has its status (a failure's cause), for people and tools. */
    status_reason: withDefault(str, () => ""),
    /** Extension: the status the watcher demoted the host from ("" when it did not demote it). */
    watcher_demoted_from: withDefault(str, () => ""),
    /** Extension: the boot_id the watcher last saw, and how many reboots it noticed. */
    last_boot_id: withDefault(str, () => ""),
    reboots: withDefault(int, () => 0),
    /** Extension: the watcher saw 4 or more up/down changes within the host's last 20 checks. */
    flapping: withDefault(bool, () => false),
  },
});
export type Host = ModelOf<typeof Host>;

export const HostCreds = defineModel({
  name: "HostCreds",
  primaryKey: "address",
  secret: true,
  hidden: ["ssh_priv_key"],
  members: {
    address: required(hostAddress),
    /** Base64 of the PEM private key. */
    ssh_priv_key: withDefault(str, () => ""),
    remote_user: withDefault(str, () => "root"),
    /** Extension: the host key fingerprint recorded on first use (docs/wire-extensions.md). */
    ssh_host_key: withDefault(str, () => ""),
  },
});
export type HostCreds = ModelOf<typeof HostCreds>;

export const Hosts = defineListModel("Hosts", "hosts", Host);
export type Hosts = ModelOf<typeof Hosts>;

/** A host's status as the REST API shows it: computed, never stored (no primary key). */
export const HostStatus = defineModel({
  name: "HostStatus",
  primaryKey: null,
  members: {
    type: withDefault(str, () => ""),
    host: withDefault(obj, () => ({})),
    container_manager: withDefault(obj, () => ({})),
  },
});
export type HostStatus = ModelOf<typeof HostStatus>;
