/**
 * The stores behind the storage service, reached directly (not through the service): every etcd
 * handler's etcd (a read of one key, nothing written), every Custodia socket, every file store's
 * directory.
 */
import { accessSync, constants } from "node:fs";
import { createConnection } from "node:net";
import { EtcdClient } from "../../config/etcd-client.js";
import type { ConfigObject } from "../../config/normalise.js";
import { modelTypes } from "../../models/index.js";
import { storedModelNames } from "../../services/storage/definition.js";
import { defineHandlers, storableFrom } from "../../storage/handler-registry.js";
import { DEFAULT_CUSTODIA_SOCKET } from "../../storage/handlers/custodia.js";
import { etcdHandlerSettings } from "../../storage/handlers/etcd.js";
import { type Finding, ok, problem, reason } from "./finding.js";

async function checkEtcd(options: Record<string, unknown>, timeoutMs: number): Promise<Finding> {
  const settings = etcdHandlerSettings(options, process.env);
  const subject = `etcd ${settings.hosts.join(",")}`;
  const client = new EtcdClient(settings, { timeoutMs });
  try {
    await client.get("/commissaire/doctor");
    return ok(subject, "answers");
  } catch (err) {
    return problem(subject, `unreachable: ${reason(err)}`);
  } finally {
    client.close();
  }
}

function checkSocket(path: string, timeoutMs: number): Promise<Finding> {
  const subject = `Custodia ${path}`;
  return new Promise((resolve) => {
    const socket = createConnection(path);
    const done = (finding: Finding) => {
      socket.destroy();
      resolve(finding);
    };
    socket.setTimeout(timeoutMs, () => done(problem(subject, "no answer on the socket")));
    socket.once("connect", () => done(ok(subject, "accepts connections")));
    socket.once("error", (err) => done(problem(subject, `unreachable: ${reason(err)}`)));
  });
}

function checkDirectory(path: unknown, handler: string): Finding {
  const subject = `store directory ${String(path)} (handler "${handler}")`;
  try {
    accessSync(String(path), constants.W_OK);
    return ok(subject, "writable");
  } catch (err) {
    return problem(subject, `not writable: ${reason(err)}`);
  }
}

export async function checkStores(storage: ConfigObject, timeoutMs: number): Promise<Finding[]> {
  const definitions = await defineHandlers(
    storage,
    storableFrom(modelTypes.values(), storedModelNames()),
  );
  const findings: Finding[] = [];
  for (const d of definitions) {
    if (d.type === "etcd") findings.push(await checkEtcd(d.options, timeoutMs));
    else if (d.type === "custodia") {
      const path = d.options.custodia_socket_path ?? d.options.socket_path;
      findings.push(await checkSocket(String(path ?? DEFAULT_CUSTODIA_SOCKET), timeoutMs));
    } else if (d.type === "file" || d.type === "secret_file")
      findings.push(checkDirectory(d.options.directory, d.name));
  }
  return findings;
}
