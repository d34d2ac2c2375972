/**
 * `commissaire doctor`: checks a deployment from the machine it runs on and says in words what is
 * wrong: every service's configuration file under the configuration directory, the bus each one
 * uses, the storage service answering there, the stores behind it (etcd, Custodia, directories),
 * the REST server's users file and the server answering its API. Exit 0 when nothing is wrong,
 * 1 when something is, 2 on a bad command line.
 */
import { Command } from "commander";
import { DEFAULT_CONFIG_DIR } from "../../config/file-source.js";
import type { ConfigObject } from "../../config/normalise.js";
import { busSettings } from "../../service/common-options.js";
import { type BusTarget, checkBus, serviceChecks } from "../doctor/bus.js";
import { loadConfigs } from "../doctor/configs.js";
import type { Finding } from "../doctor/finding.js";
import { checkRestServer, checkUsersFile, serverUrl } from "../doctor/server.js";
import { checkStores } from "../doctor/stores.js";

interface DoctorOptions {
  configDir: string;
  busUri?: string;
  server?: string;
  timeout: string;
}

/** Each distinct bus the configured services use, and whether the storage service is on it. */
function busTargets(configs: Map<string, ConfigObject>, busUri?: string) {
  const targets = new Map<string, BusTarget & { storage: boolean }>();
  const all = configs.size ? [...configs] : [["", {}] as [string, ConfigObject]];
  for (const [name, config] of all) {
    const s = busSettings(busUri ? { busUri } : {}, config);
    const key = `${s.busUri} ${s.busExchange}`;
    const target = targets.get(key) ?? { uri: s.busUri, exchange: s.busExchange, storage: false };
    target.storage ||= name === "storage";
    targets.set(key, target);
  }
  return [...targets.values()];
}

export async function runDoctor(o: DoctorOptions): Promise<Finding[]> {
  const timeoutMs = Math.max(1, Number(o.timeout)) * 1000;
  const { configs, findings } = await loadConfigs(o.configDir);
  for (const target of busTargets(configs, o.busUri))
    findings.push(...(await checkBus(target, serviceChecks(target.storage), timeoutMs)));
  const storage = configs.get("storage");
  if (storage) findings.push(...(await checkStores(storage, timeoutMs)));
  const server = configs.get("commissaire");
  if (server && typeof server.users_file === "string")
    findings.push(checkUsersFile(server.users_file));
  if (server || o.server)
    findings.push(await checkRestServer(o.server ?? serverUrl(server!), timeoutMs));
  return findings;
}

export function doctorCommand(): Command {
  const command = new Command("doctor")
    .description("check the configuration, the bus, the stores and the REST server, in words")
    .option("--config-dir <dir>", "where the services' .conf files are", DEFAULT_CONFIG_DIR)
    .option("--bus-uri <uri>", "check this bus instead of the configured ones")
    .option("--server <url>", "REST server to check [default: from commissaire.conf]")
    .option("-t, --timeout <seconds>", "how long to wait for each answer", "5");
  return command.action(async () => {
    const findings = await runDoctor(command.opts<DoctorOptions>());
    const width = Math.max(...findings.map((f) => f.subject.length));
    for (const f of findings)
      process.stdout.write(
        `${f.ok ? "ok     " : "PROBLEM"}  ${f.subject.padEnd(width)}  ${f.detail}\n`,
      );
    const problems = findings.filter((f) => !f.ok).length;
    process.stdout.write(
      problems ? `${problems} problem${problems === 1 ? "" : "s"} found\n` : "no problems found\n",
    );
    process.exitCode = problems ? 1 : 0;
  });
}
