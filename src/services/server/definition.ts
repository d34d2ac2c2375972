/**
 * `commissaire-server`: the REST server as a binary (configuration name `commissaire`), on the
 * scaffold every binary shares, with --listen-interface / --listen-port of its own.
 */
import { InvalidArgumentError } from "commander";
import type { ConfigObject } from "../../config/normalise.js";
import type { ExtraOptions, ServiceDefinition } from "../../service/definition.js";
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
    const server = new CommissaireServer({
      bus,
      authenticator: settings.authenticator,
      logger: logging.forComponent("server"),
      ...(settings.tls ? { tls: settings.tls } : {}),
    });
    return {
      async start() {
        const address = await server.listen(settings.port, settings.host);
        const host = address.address.includes(":") ? `[${address.address}]` : address.address;
        logging.root.info(
          { url: `${server.secure ? "https" : "http"}://${host}:${address.port}/api/v0/` },
          "server listening",
        );
      },
      stop: (timeoutMs?: number) => server.close(timeoutMs),
    };
  },
};
