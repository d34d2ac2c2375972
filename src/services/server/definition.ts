/**
 * `commissaire-server`: the REST server as a binary (configuration name `commissaire`), on the
 * scaffold every binary shares, with --listen-interface / --listen-port of its own.
 */
import { InvalidArgumentError } from "commander";
import { ConfigError } from "../../config/errors.js";
import type { ConfigObject } from "../../config/normalise.js";
import type { ExtraOptions, ServiceDefinition } from "../../service/definition.js";
import { HealthResponder } from "../../service/health-responder.js";
import { readinessProbes } from "./observability.js";
import { addOriginalServerOptions, applyOriginalOptions } from "./original-options.js";
import { CommissaireServer } from "./server.js";
import { serverSettings } from "./settings.js";

function port(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535)
    throw new InvalidArgumentError("must be a port number");
  return n;
}

const listenOptions: ExtraOptions = {
  add(command) {
    command
      .option("--listen-interface <address>", "address to listen on [default: 127.0.0.1]")
      .option("--listen-port <port>", "port to listen on [default: 8000]", port);
    addOriginalServerOptions(command);
  },
  apply(options, config): ConfigObject {
    const out = applyOriginalOptions(options, config);
    if (options.listenInterface !== undefined) out.listen_interface = options.listenInterface;
    if (options.listenPort !== undefined) out.listen_port = options.listenPort;
    return out;
  },
};

export const serverDefinition: ServiceDefinition = {
  name: "commissaire",
  description: "Commissaire REST server (/api/v0/...) on the message bus",
  workers: false,
  options: listenOptions,
  async create({ bus, config, logging }) {
    const settings = await serverSettings(config);
    for (const warning of settings.warnings) logging.root.warn(warning);
    const metricsRequireAuth = config.metrics_require_auth ?? false;
    if (typeof metricsRequireAuth !== "boolean")
      throw new ConfigError('configuration member "metrics_require_auth" must be true or false');
    const server = new CommissaireServer({
      bus,
      authenticator: settings.authenticator,
      logger: logging.forComponent("server"),
      metricsRequireAuth,
      ...(settings.tls ? { tls: settings.tls } : {}),
    });
    // On the bus like every service process: `commissaire services` lists it with its health.
    const health = new HealthResponder(
      bus,
      {
        service: "server",
        probes: () => {
          const { storage } = readinessProbes(bus);
          return { storage };
        },
        inFlight: () => server.inFlight,
        figures: () => ({}),
      },
      logging.forComponent("health"),
    );
    return {
      metrics: server.metrics,
      async start() {
        await health.start();
        const address = await server.listen(settings.port, settings.host);
        const host = address.address.includes(":") ? `[${address.address}]` : address.address;
        logging.root.info(
          { url: `${server.secure ? "https" : "http"}://${host}:${address.port}/api/v0/` },
          "server listening",
        );
      },
      async stop(timeoutMs?: number) {
        await health.stop();
        await server.close(timeoutMs);
      },
    };
  },
};
