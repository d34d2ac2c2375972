/**
 * `commissaire storage migrate-v2 --from URL [--to URL] [--dry-run] [--overwrite]`: the original
 * Commissaire's records, read from etcd's v2 API, written to our stores (docs/migrating.md).
 * The source is only read. Exit codes: 0 done (every record migrated, unchanged or kept), 1 some
 * records invalid or not written, 2 bad command line or configuration, 3 the source or a target
 * store cannot be used (then nothing was written).
 */
import { Command } from "commander";
import { ConfigError } from "../../config/errors.js";
import { handlersFor, migrate, plan } from "../../storage/migrate-v2/migrate.js";
import { describeUrl, readV2Tree, type V2Settings } from "../../storage/migrate-v2/v2-reader.js";
import { formatResult, summary } from "./migrate-v2-report.js";
import { buildTarget, describeTarget, type EtcdTarget } from "./migrate-v2-target.js";

interface Options {
  from: string;
  to?: string;
  configFile?: string;
  dryRun?: boolean;
  overwrite?: boolean;
  fromCaFile?: string;
  fromCertFile?: string;
  fromKeyFile?: string;
  fromUser?: string;
  toCaFile?: string;
  toCertFile?: string;
  toKeyFile?: string;
}

function etcdTarget(o: Options): EtcdTarget | undefined {
  if (o.to === undefined) {
    if (o.toCaFile || o.toCertFile || o.toKeyFile)
      throw new ConfigError("--to-ca-file, --to-cert-file and --to-key-file go with --to");
    return undefined;
  }
  return {
    url: o.to,
    ...(o.toCaFile ? { caPath: o.toCaFile } : {}),
    ...(o.toCertFile ? { certPath: o.toCertFile } : {}),
    ...(o.toKeyFile ? { keyPath: o.toKeyFile } : {}),
  };
}

/** The source's settings: options first, then the ETCD_* variables the original read too. */
export function sourceSettings(o: Options, env: NodeJS.ProcessEnv): V2Settings {
  const settings: V2Settings = { url: o.from };
  const ca = o.fromCaFile ?? env.ETCD_CACERT;
  const cert = o.fromCertFile ?? env.ETCD_TLSPEM;
  const key = o.fromKeyFile ?? env.ETCD_TLSKEY;
  if (ca) settings.caPath = ca;
  if (cert) settings.certPath = cert;
  if (key) settings.keyPath = key;
  if (o.fromUser !== undefined) {
    if (env.COMMISSAIRE_FROM_PASSWORD === undefined)
      throw new ConfigError("--from-user needs the password in COMMISSAIRE_FROM_PASSWORD");
    settings.username = o.fromUser;
    settings.password = env.COMMISSAIRE_FROM_PASSWORD;
  } else if (env.ETCD_USERNAME) {
    settings.username = env.ETCD_USERNAME;
    settings.password = env.ETCD_PASSWORD ?? "";
  }
  return settings;
}

const out = (line: string) => process.stdout.write(`${line}\n`);
const err = (line: string) => process.stderr.write(`${line}\n`);

async function run(o: Options): Promise<number> {
  const env = process.env;
  const to = etcdTarget(o);
  const tree = await readV2Tree(sourceSettings(o, env));
  out(`read ${tree.entries.length} keys under /commissaire from etcd v2 at ${describeUrl(o.from)}`);
  const planned = plan(tree.entries);
  const target = await buildTarget({
    ...(o.configFile !== undefined ? { configFile: o.configFile } : {}),
    ...(to ? { to } : {}),
    env,
    report: err,
  });
  try {
    for (const line of describeTarget(target)) out(`store ${line}`);
    // Every store written to must answer before anything is written.
    for (const handler of handlersFor(planned.candidates, target)) {
      try {
        await handler.probe();
      } catch (e) {
        err(`error: store ${handler.name} cannot be used: ${(e as Error).message}`);
        err("nothing was written");
        return 3;
      }
    }
    const results = await migrate(planned, target, {
      dryRun: o.dryRun === true,
      overwrite: o.overwrite === true,
      onResult: (r) => {
        const line = formatResult(r, o.dryRun === true);
        if (line !== null) out(line);
      },
    });
    for (const key of planned.others) out(`left alone (not a record): ${key}`);
    const { lines, failed } = summary(results, o.dryRun === true);
    for (const line of lines) out(line);
    return failed ? 1 : 0;
  } finally {
    await target.close();
  }
}

export function storageCommand(): Command {
  const storage = new Command("storage").description("the records of the storage service");
  const migrateV2 = new Command("migrate-v2")
    .description(
      "copy the original Commissaire's records from etcd's v2 API into our stores (the source is only read)",
    )
    .requiredOption("--from <url>", "etcd serving the v2 API (etcd 3.x: started with --enable-v2)")
    .option(
      "--to <url>",
      "etcd (v3) for every model but secrets; default: the stores of the storage configuration",
    )
    .option(
      "-c, --config-file <path>",
      "storage configuration (default /etc/commissaire/storage.conf)",
    )
    .option("--to-ca-file <path>", "CA of the --to etcd's certificate")
    .option("--to-cert-file <path>", "client certificate for the --to etcd")
    .option("--to-key-file <path>", "its key")
    .option("--dry-run", "say what would be written, write nothing")
    .option("--overwrite", "replace stored records that differ from the v2 ones")
    .option("--from-ca-file <path>", "CA of the source's certificate (default $ETCD_CACERT)")
    .option("--from-cert-file <path>", "client certificate for the source (default $ETCD_TLSPEM)")
    .option("--from-key-file <path>", "its key (default $ETCD_TLSKEY)")
    .option(
      "--from-user <name>",
      "HTTP Basic user for the source, password in $COMMISSAIRE_FROM_PASSWORD (default $ETCD_USERNAME)",
    );
  migrateV2.action(async () => {
    process.exitCode = await run(migrateV2.opts<Options>()).catch((e: unknown) => {
      const usage = e instanceof ConfigError;
      err(`commissaire storage migrate-v2: ${usage ? "" : "error: "}${(e as Error).message}`);
      err("nothing was written");
      return usage ? 2 : 3;
    });
  });
  storage.addCommand(migrateV2);
  return storage;
}
