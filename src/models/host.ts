/** Host, HostCreds (secret), Hosts and HostStatus (MODELS.md). */
import { defineListModel } from "./list-model.js";
import { int, member, nonEmptyStr, obj, oneOf, str } from "./members.js";
import { defineModel } from "./model-type.js";

export const HOST_STATUSES = [
  "investigating",
  "bootstrapping",
  "active",
  "disassociated",
  "failed",
] as const;
export type HostStatusName = (typeof HOST_STATUSES)[number];

export interface Host {
  address: string;
  status: string;
  os: string;
  cpus: number;
  memory: number;
  space: number;
  last_check: string;
  source: string;
}

export const HostModel = defineModel<Host>({
  name: "Host",
  primaryKey: "address",
  members: [
    member("address", nonEmptyStr),
    member("status", oneOf(HOST_STATUSES, true), () => ""),
    member("os", str, () => ""),
    member("cpus", int, () => 0),
    member("memory", int, () => 0),
    member("space", int, () => 0),
    member("last_check", str, () => ""),
    member("source", str, () => ""),
  ],
});

export interface HostCreds {
  address: string;
  /** Base64 of the PEM private key. */
  ssh_priv_key: string;
  remote_user: string;
  /** Extension: the host key fingerprint recorded on first use (docs/wire-extensions.md). */
  ssh_host_key: string;
}

export const HostCredsModel = defineModel<HostCreds>({
  name: "HostCreds",
  primaryKey: "address",
  secret: true,
  hidden: ["ssh_priv_key"],
  members: [
    member("address", nonEmptyStr),
    member("ssh_priv_key", str, () => ""),
    member("remote_user", str, () => "root"),
    member("ssh_host_key", str, () => ""),
  ],
});

export interface Hosts {
  hosts: Host[];
}

export const HostsModel = defineListModel<Hosts, Host>("Hosts", "hosts", HostModel);

export interface HostStatus {
  type: string;
  host: Record<string, unknown>;
  container_manager: Record<string, unknown>;
}

/** A host's status as the REST API shows it: computed, never stored (no primary key). */
export const HostStatusModel = defineModel<HostStatus>({
  name: "HostStatus",
  primaryKey: null,
  members: [
    member("type", str, () => ""),
    member("host", obj, () => ({})),
    member("container_manager", obj, () => ({})),
  ],
});
