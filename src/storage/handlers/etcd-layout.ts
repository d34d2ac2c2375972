/**
 * Where each model type lives in etcd (WIRE.md section 4), shared with the Python services:
 * `/commissaire/hosts/<address>`, `/commissaire/clusters/<name>`, `/commissaire/cluster/<name>/upgrade`
 * (and restart, deploy), `/commissaire/networks/<name>`, `/commissaire/container_managers/<name>`.
 * WatcherRecord, which the original kept elsewhere, goes to `/commissaire/watcher/<address>`.
 */
export const ETCD_ROOT = "/commissaire";

interface Layout {
  /** Key of one record. */
  key(id: string): string;
  /** Prefix a list reads, and the suffix its keys must end with (cluster operations). */
  prefix: string;
  suffix: string;
}

const collection = (plural: string): Layout => ({
  key: (id) => `${ETCD_ROOT}/${plural}/${id}`,
  prefix: `${ETCD_ROOT}/${plural}/`,
  suffix: "",
});

const clusterOperation = (operation: string): Layout => ({
  key: (name) => `${ETCD_ROOT}/cluster/${name}/${operation}`,
  prefix: `${ETCD_ROOT}/cluster/`,
  suffix: `/${operation}`,
});

const LAYOUTS: Record<string, Layout> = {
  Host: collection("hosts"),
  Cluster: collection("clusters"),
  ClusterUpgrade: clusterOperation("upgrade"),
  ClusterRestart: clusterOperation("restart"),
  ClusterDeploy: clusterOperation("deploy"),
  Network: collection("networks"),
  ContainerManagerConfig: collection("container_managers"),
  WatcherRecord: collection("watcher"),
};

/** The layout of a model type, or null for types etcd does not hold (secrets, computed types). */
export function etcdLayout(modelName: string): Layout | null {
  return LAYOUTS[modelName] ?? null;
}

/** The record id a list key belongs to, or null when the key is not a record of this layout. */
export function idOfKey(layout: Layout, key: string): string | null {
  if (!key.startsWith(layout.prefix) || !key.endsWith(layout.suffix)) return null;
  const id = key.slice(layout.prefix.length, key.length - layout.suffix.length);
  return id !== "" && !id.includes("/") ? id : null;
}

/** The layouts (and their model types) by prefix: every prefix is `/commissaire/<folder>/`. */
const BY_PREFIX = new Map<string, [string, Layout][]>();
for (const entry of Object.entries(LAYOUTS)) {
  const same = BY_PREFIX.get(entry[1].prefix);
  if (same) same.push(entry);
  else BY_PREFIX.set(entry[1].prefix, [entry]);
}

/**
 * The model type and record id an etcd key holds, or null for keys that are not records. Called
 * for every watch event and every write: one lookup of the key's folder, not a scan of layouts.
 */
export function recordOfKey(key: string): { modelName: string; id: string } | null {
  if (!key.startsWith(`${ETCD_ROOT}/`)) return null;
  const end = key.indexOf("/", ETCD_ROOT.length + 1);
  if (end < 0) return null;
  const layouts = BY_PREFIX.get(key.slice(0, end + 1));
  if (!layouts) return null;
  for (const [modelName, layout] of layouts) {
    const id = idOfKey(layout, key);
    if (id !== null) return { modelName, id };
  }
  return null;
}
