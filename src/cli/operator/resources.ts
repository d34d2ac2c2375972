/** `commissaire cluster|host|network|container-manager ...`: the REST API for operators. */
import { readFileSync } from "node:fs";
import { Command } from "commander";
import { ConfigError } from "../../config/errors.js";
import { addOperationCommands } from "./cluster-operations.js";
import { addClientOptions, jsonObject, jsonText, withClient } from "./command.js";
import type { RestClient } from "./rest-client.js";
import { record, table } from "./table.js";
import type { ClusterView, HostStatusView, HostView, NamedRecordView, NodeView } from "./views.js";

const enc = encodeURIComponent;

function verb(parent: Command, name: string, description: string): Command {
  const command = addClientOptions(new Command(name).description(description));
  parent.addCommand(command);
  return command;
}

/** The names the server lists, with those that exist without being stored (network "default"). */
async function listedNames(client: RestClient, list: string, implicit: string[] = []) {
  const names = await client.request<string[]>("GET", list);
  return [...implicit.filter((n) => !names.includes(n)), ...names];
}

async function namesTable<R>(
  client: RestClient,
  list: string,
  one: (n: string) => string,
  columns: string[],
  row: (r: R) => unknown[],
  implicit: string[] = [],
) {
  const names = await listedNames(client, list, implicit);
  const records = await Promise.all(names.map((n) => client.request<R>("GET", one(n))));
  return table(columns, records.map(row));
}

/** A cluster as `get` and `create` print it: its record, host counts in words, its members. */
async function clusterRecord(client: RestClient, c: ClusterView): Promise<string> {
  const hosts = await client.request<string[]>("GET", `api/v0/cluster/${enc(c.name)}/hosts`);
  // `hostset` (the original's name for the members) is printed once, as `members`.
  const { hostset: _members, ...shown } = c as ClusterView & { hostset?: unknown };
  return record({
    ...shown,
    hosts: `${c.hosts.total} (${c.hosts.available} available)`,
    members: hosts,
  });
}

export function clusterCommand(): Command {
  const cluster = new Command("cluster").description("clusters: create, get, list, delete");
  const create = verb(cluster, "create", "create a cluster")
    .argument("<name>")
    .option("--network <name>", "network", "default")
    .option("--container-manager <name>", "container manager");
  create.action((name: string) =>
    withClient(create, async (client, json) => {
      const o = create.opts<{ network: string; containerManager?: string }>();
      const made = await client.request<ClusterView>("PUT", `api/v0/cluster/${enc(name)}`, {
        network: o.network,
        container_manager: o.containerManager ?? "",
      });
      return json ? jsonText(made) : clusterRecord(client, made);
    }),
  );
  const get = verb(cluster, "get", "show a cluster, its status and host counts").argument("<name>");
  get.action((name: string) =>
    withClient(get, async (client, json) => {
      const c = await client.request<ClusterView>("GET", `api/v0/cluster/${enc(name)}`);
      return json ? jsonText(c) : clusterRecord(client, c);
    }),
  );
  const list = verb(cluster, "list", "list clusters");
  list.action(() =>
    withClient(list, async (client, json) =>
      json
        ? jsonText(await client.request("GET", "api/v0/clusters"))
        : namesTable(
            client,
            "api/v0/clusters",
            (n) => `api/v0/cluster/${enc(n)}`,
            ["name", "status", "network", "hosts", "available"],
            (c: ClusterView) => [c.name, c.status, c.network, c.hosts.total, c.hosts.available],
          ),
    ),
  );
  addOperationCommands((name, description) => verb(cluster, name, description));
  const remove = verb(cluster, "delete", "delete a cluster").argument("<name>");
  remove.action((name: string) =>
    withClient(remove, async (client, json) => {
      const r = await client.request("DELETE", `api/v0/cluster/${enc(name)}`);
      return json ? jsonText(r) : `deleted cluster ${name}`;
    }),
  );
  return cluster;
}

function readKeyFile(path: string): string {
  try {
    return readFileSync(path).toString("base64");
  } catch (err) {
    throw new ConfigError(`--ssh-key-file ${path}: cannot be read: ${(err as Error).message}`);
  }
}

const FINAL_STATUSES = ["active", "disassociated", "failed"];

/** Polls the host until its status is final; a failed host is an error with its reason. */
async function waitFinal(client: RestClient, address: string, seconds: number): Promise<HostView> {
  const deadline = Date.now() + (Number.isFinite(seconds) && seconds > 0 ? seconds : 600) * 1000;
  for (;;) {
    const h = await client.request<HostView & { status_reason?: string }>(
      "GET",
      `api/v0/host/${enc(address)}`,
    );
    if (h.status === "failed")
      throw new ConfigError(`host ${address} failed: ${h.status_reason || "no reason given"}`);
    if (FINAL_STATUSES.includes(h.status)) return h;
    if (Date.now() >= deadline)
      throw new ConfigError(`host ${address} is still ${h.status} after ${seconds} s`);
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
}

export function hostCommand(): Command {
  const host = new Command("host").description(
    "hosts: create, get, list, delete, status, forget-key, reinvestigate, set-key",
  );
  const create = verb(host, "create", "add a host (its SSH key is stored as a secret)")
    .argument("<address>")
    .requiredOption("--ssh-key-file <path>", "the host's SSH private key (PEM)")
    .option("--remote-user <user>", "SSH user", "root")
    .option("--cluster <name>", "cluster to join")
    .option("--wait", "follow the host's status until it is final (non-zero exit when failed)")
    .option("--wait-timeout <seconds>", "give up waiting after this long", "600");
  create.action((address: string) =>
    withClient(create, async (client, json) => {
      const o = create.opts<{ sshKeyFile: string; remoteUser: string; cluster?: string }>();
      const body = {
        ssh_priv_key: readKeyFile(o.sshKeyFile),
        remote_user: o.remoteUser,
        ...(o.cluster ? { cluster: o.cluster } : {}),
      };
      let made = await client.request<HostView>("PUT", `api/v0/host/${enc(address)}`, body);
      const w = create.opts<{ wait?: boolean; waitTimeout: string }>();
      if (w.wait) made = await waitFinal(client, address, Number(w.waitTimeout));
      return json ? jsonText(made) : record(made);
    }),
  );
  const again = verb(host, "reinvestigate", "investigate and bootstrap a host again")
    .argument("<address>")
    .option("--wait", "follow the host's status until it is final (non-zero exit when failed)");
  again.action((address: string) =>
    withClient(again, async (client, json) => {
      let h = await client.request<HostView>("POST", `api/v0/host/${enc(address)}/reinvestigate`);
      if (again.opts<{ wait?: boolean }>().wait) h = await waitFinal(client, address, 600);
      return json ? jsonText(h) : record(h);
    }),
  );
  const setKey = verb(host, "set-key", "replace a host's SSH key, then investigate it again")
    .argument("<address>")
    .requiredOption("--ssh-key-file <path>", "the new SSH private key (PEM)")
    .option("--remote-user <user>", "SSH user (unchanged when not given)");
  setKey.action((address: string) =>
    withClient(setKey, async (client, json) => {
      const o = setKey.opts<{ sshKeyFile: string; remoteUser?: string }>();
      const h = await client.request<HostView>("PUT", `api/v0/host/${enc(address)}/sshkey`, {
        ssh_priv_key: readKeyFile(o.sshKeyFile),
        ...(o.remoteUser ? { remote_user: o.remoteUser } : {}),
      });
      return json ? jsonText(h) : record(h);
    }),
  );
  const get = verb(host, "get", "show a host").argument("<address>");
  get.action((address: string) =>
    withClient(get, async (client, json) => {
      const h = await client.request<HostView>("GET", `api/v0/host/${enc(address)}`);
      return json ? jsonText(h) : record(h);
    }),
  );
  const list = verb(host, "list", "list hosts");
  list.action(() =>
    withClient(list, async (client, json) => {
      const hosts = await client.request<HostView[]>("GET", "api/v0/hosts");
      if (json) return jsonText(hosts);
      return table(
        ["address", "status", "os", "cpus", "memory", "space", "last_check"],
        hosts.map((h) => [h.address, h.status, h.os, h.cpus, h.memory, h.space, h.last_check]),
      );
    }),
  );
  const status = verb(host, "status", "show a host's status").argument("<address>");
  status.action((address: string) =>
    withClient(status, async (client, json) => {
      const s = await client.request<HostStatusView>("GET", `api/v0/host/${enc(address)}/status`);
      return json
        ? jsonText(s)
        : record({
            type: s.type,
            status: s.host.status,
            last_check: s.host.last_check,
            container_manager: s.container_manager,
          });
    }),
  );
  const forget = verb(
    host,
    "forget-key",
    "forget the host key recorded on first use (after a reinstall): the next connection records the new one",
  ).argument("<address>");
  forget.action((address: string) =>
    withClient(forget, async (client, json) => {
      const r = await client.request<{ forgotten: string }>(
        "DELETE",
        `api/v0/host/${enc(address)}/hostkey`,
      );
      if (json) return jsonText(r);
      return r.forgotten
        ? `host ${address}: forgot host key ${r.forgotten}; the next connection records the key it sees`
        : `host ${address}: no host key was recorded`;
    }),
  );
  const remove = verb(
    host,
    "delete",
    "delete a host, its credentials and its memberships",
  ).argument("<address>");
  remove.action((address: string) =>
    withClient(remove, async (client, json) => {
      const r = await client.request("DELETE", `api/v0/host/${enc(address)}`);
      return json ? jsonText(r) : `deleted host ${address}`;
    }),
  );
  return host;
}

/** network and container-manager: records by name with a type and options. */
function namedCommand(
  name: string,
  label: string,
  listPath: string,
  onePath: string,
  defaultType?: string,
  implicit: string[] = [],
): Command {
  const group = new Command(name).description(`${label}s: create, get, list, delete`);
  const create = verb(group, "create", `create a ${label}`)
    .argument("<name>")
    .option("--options <json>", "options (a JSON object)", "{}");
  if (defaultType) create.option("--type <type>", "type", defaultType);
  else create.requiredOption("--type <type>", "type");
  create.action((n: string) =>
    withClient(create, async (client, json) => {
      const o = create.opts<{ type: string; options: string }>();
      const made = await client.request<NamedRecordView>("PUT", `${onePath}/${enc(n)}`, {
        type: o.type,
        options: jsonObject(o.options, "--options"),
      });
      return json ? jsonText(made) : record(made);
    }),
  );
  const get = verb(group, "get", `show a ${label}`).argument("<name>");
  get.action((n: string) =>
    withClient(get, async (client, json) => {
      const r = await client.request<NamedRecordView>("GET", `${onePath}/${enc(n)}`);
      return json ? jsonText(r) : record(r);
    }),
  );
  const list = verb(group, "list", `list ${label}s`);
  list.action(() =>
    withClient(list, async (client, json) =>
      json
        ? jsonText(await listedNames(client, listPath, implicit))
        : namesTable(
            client,
            listPath,
            (n) => `${onePath}/${enc(n)}`,
            ["name", "type", "options"],
            (r: NamedRecordView) => [r.name, r.type, r.options],
            implicit,
          ),
    ),
  );
  const remove = verb(group, "delete", `delete a ${label}`).argument("<name>");
  remove.action((n: string) =>
    withClient(remove, async (client, json) => {
      const r = await client.request("DELETE", `${onePath}/${enc(n)}`);
      return json ? jsonText(r) : `deleted ${label} ${n}`;
    }),
  );
  return group;
}

/** `default` exists on every server without being stored: listed like the others. */
export const networkCommand = () =>
  namedCommand("network", "network", "api/v0/networks", "api/v0/network", "flannel_etcd", [
    "default",
  ]);
export function containerManagerCommand(): Command {
  const group = namedCommand(
    "container-manager",
    "container manager",
    "api/v0/containermanagers",
    "api/v0/containermanager",
  );
  const nodes = verb(group, "nodes", "list the nodes a container manager registered").argument(
    "<name>",
  );
  nodes.action((n: string) =>
    withClient(nodes, async (client, json) => {
      const found = await client.request<NodeView[]>(
        "GET",
        `api/v0/containermanager/${enc(n)}/nodes`,
      );
      if (json) return jsonText(found);
      return table(
        ["node", "status", "schedulable", "kubelet"],
        found.map((f) => [f.node, f.status, !f.unschedulable, f.node_info.kubelet_version ?? ""]),
      );
    }),
  );
  return group;
}
