/**
 * The optional metrics port of a service process (`--metrics-port`, `metrics_port`,
 * `metrics_address`): GET /metrics answers the Prometheus text exposition format, nothing else is
 * served. Bound to 127.0.0.1 unless metrics_address says otherwise; no authentication (whoever can
 * reach the address can read the figures, which hold no secret).
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "../base/logger.js";
import { ConfigError } from "../config/errors.js";
import type { ConfigObject } from "../config/normalise.js";

export const DEFAULT_METRICS_ADDRESS = "127.0.0.1";

export interface MetricsSettings {
  port: number;
  address: string;
}

export type Exposition = () => Promise<{ contentType: string; text: string }>;

function portOf(value: unknown, where: string): number {
  const n = typeof value === "string" && value.trim() !== "" ? Number(value) : value;
  if (typeof n !== "number" || !Number.isInteger(n) || n < 0 || n > 65535)
    throw new ConfigError(`${where} must be a port number (0-65535), got ${JSON.stringify(value)}`);
  return n;
}

/** The metrics port from `--metrics-port` (wins) or `metrics_port`; undefined: none. */
export function metricsSettings(
  cliPort: number | undefined,
  config: ConfigObject,
): MetricsSettings | undefined {
  const configured = config.metrics_port;
  if (cliPort === undefined && (configured === undefined || configured === null)) return undefined;
  const port = cliPort ?? portOf(configured, 'configuration member "metrics_port"');
  const address = config.metrics_address ?? DEFAULT_METRICS_ADDRESS;
  if (typeof address !== "string" || address === "")
    throw new ConfigError(
      'configuration member "metrics_address" must be an address such as 127.0.0.1',
    );
  return { port, address };
}

export class MetricsServer {
  private readonly server: Server;

  constructor(
    private readonly exposition: Exposition,
    private readonly logger: Logger,
  ) {
    this.server = createServer((req, res) => {
      const path = new URL(req.url ?? "/", "http://localhost").pathname;
      if (path !== "/metrics" || (req.method !== "GET" && req.method !== "HEAD")) {
        res
          .writeHead(404, { "content-type": "text/plain" })
          .end("only GET /metrics is served here\n");
        return;
      }
      this.exposition().then(
        ({ contentType, text }) => res.writeHead(200, { "content-type": contentType }).end(text),
        (err: Error) => {
          this.logger.error({ err }, "metrics not collected");
          res.writeHead(500, { "content-type": "text/plain" }).end(`${err.message}\n`);
        },
      );
    });
  }

  async listen(settings: MetricsSettings): Promise<AddressInfo> {
    await new Promise<void>((resolve, reject) => {
      this.server.once("error", reject);
      this.server.listen(settings.port, settings.address, () => resolve());
    });
    const address = this.server.address() as AddressInfo;
    const host = address.address.includes(":") ? `[${address.address}]` : address.address;
    this.logger.info({ url: `http://${host}:${address.port}/metrics` }, "metrics listening");
    return address;
  }

  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}
