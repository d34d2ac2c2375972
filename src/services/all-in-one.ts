/**
 * The all-in-one mode: every built-in service that exists (storage, containermgr, investigator) and the REST
 * server in one process on the memory bus, with the file store and the local secret store in a data directory,
 * and credentials generated on first start. The quick start of README.md.
 */
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import type { Logger } from "../base/logger.js";
import { Bus } from "../bus/bus.js";
import { MemoryBroker } from "../bus/transports/memory/broker.js";
import type { CommissaireService } from "../service/service.js";
import { ClusterExecService } from "./clusterexec/service.js";
import { ContainerManagerService } from "./containermgr/service.js";
import { InvestigatorService } from "./investigator/service.js";
import { hashPassword, UsersFileAuthenticator } from "./server/auth.js";
import { CommissaireServer } from "./server/server.js";
import { createStorageService } from "./storage/definition.js";
import { WatcherService } from "./watcher/service.js";

export const DEFAULT_DATA_DIR = "./commissaire-data";
export const ADMIN_USER = "admin";

export interface AllInOneOptions {
  dataDir: string;
  host: string;
  port: number;
  logger: Logger;
}

export interface AllInOne {
  url: string;
  usersFile: string;
  /** The password made on this start, or null when the users file already existed. */
  generatedPassword: string | null;
  stop(): Promise<void>;
}

export async function startAllInOne(options: AllInOneOptions): Promise<AllInOne> {
  const dataDir = resolve(options.dataDir);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const usersFile = join(dataDir, "users.json");
  let generatedPassword: string | null = null;
  if (!existsSync(usersFile)) {
    generatedPassword = randomBytes(15).toString("base64url");
    writeFileSync(
      usersFile,
      `${JSON.stringify({ [ADMIN_USER]: await hashPassword(generatedPassword) }, null, 2)}\n`,
      { mode: 0o600 },
    );
  }

  const broker = new MemoryBroker();
  const config = {
    storage_handlers: [
      { type: "file", name: "models", directory: join(dataDir, "models") },
      { type: "secret_file", name: "secrets", directory: join(dataDir, "secrets") },
    ],
  };
  // Every built-in service on a bus of its own over one memory broker, as separate processes
  // would be; stopped in the reverse order (storage last: the others still write to it).
  const running: Array<{ service: CommissaireService; bus: Bus }> = [];
  const start = async (make: (bus: Bus) => CommissaireService | Promise<CommissaireService>) => {
    const bus = Bus.connect("memory://", {
      logger: options.logger,
      transport: { memoryBroker: broker },
    });
    const service = await make(bus);
    await service.start();
    running.push({ service, bus });
  };
  const logger = options.logger;
  await start(async (bus) => (await createStorageService({ bus, config, logger })).service);
  // Container managers as stored (a `trivial` one needs no cluster).
  await start((bus) => new ContainerManagerService({ bus, logger }));
  // New hosts are investigated over SSH with the credentials they were added with.
  await start((bus) => new InvestigatorService({ bus, logger }));
  // Rolling upgrade, restart and deploy over SSH (docs/cluster-execution.md).
  await start((bus) => new ClusterExecService({ bus, logger }));
  // Every known host checked once per interval (docs/watcher.md).
  await start((bus) => new WatcherService({ bus, logger }));
  const serverBus = Bus.connect("memory://", { logger, transport: { memoryBroker: broker } });
  const closeAll = async (timeoutMs: number) => {
    await server.close(timeoutMs);
    await serverBus.close();
    for (const { service, bus } of running.reverse()) {
      await service.stop(timeoutMs);
      await bus.close();
    }
  };

  const server = new CommissaireServer({
    bus: serverBus,
    authenticator: new UsersFileAuthenticator(usersFile),
    logger,
  });
  let address: { address: string; port: number };
  try {
    address = await server.listen(options.port, options.host);
  } catch (err) {
    await closeAll(0);
    throw new Error(`cannot listen on ${options.host}:${options.port}: ${(err as Error).message}`);
  }
  const host = address.address.includes(":") ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/api/v0/`,
    usersFile,
    generatedPassword,
    stop: () => closeAll(5000),
  };
}
