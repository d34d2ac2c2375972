/**
 * A TCP proxy in front of a test host's sshd, to make the host misbehave on loopback (tc is not
 * available): pass, slow (every chunk delayed), blackhole (accepts, forwards nothing), drop
 * (accepts and resets at once), refuse (not listening: connection refused).
 */
import { createConnection, createServer, type Server, type Socket } from "node:net";

export type ProxyMode = "pass" | "blackhole" | "drop" | "refuse";

export class TcpProxy {
  mode: ProxyMode = "pass";
  /** Delay added to every chunk in both directions, in ms (0: none). */
  delayMs = 0;
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(
    readonly address: string,
    readonly port: number,
    private readonly target: { address: string; port: number },
  ) {}

  async listen(): Promise<void> {
    if (this.server) return;
    const server = createServer((client) => this.accept(client));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(this.port, this.address, () => resolve());
    });
    this.server = server;
  }

  async setMode(mode: ProxyMode): Promise<void> {
    this.mode = mode;
    if (mode === "refuse") await this.unlisten();
    else await this.listen();
  }

  /** Cuts every connection through the proxy (a host that vanished). */
  cutAll(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    this.cutAll();
    await this.unlisten();
  }

  private async unlisten(): Promise<void> {
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(client: Socket): void {
    if (this.mode === "drop") return void client.resetAndDestroy();
    const upstream = createConnection(this.target.port, this.target.address);
    for (const s of [client, upstream]) {
      s.setNoDelay(true); // SSH's small packets must not wait for Nagle
      this.sockets.add(s);
      s.on("close", () => this.sockets.delete(s));
      s.on("error", () => {
        client.destroy();
        upstream.destroy();
      });
      s.on("close", () => {
        client.destroy();
        upstream.destroy();
      });
    }
    this.pipe(client, upstream);
    this.pipe(upstream, client);
  }

  /** Forwards chunks in order, each after the current delay; blackhole swallows them. */
  private pipe(from: Socket, to: Socket): void {
    let chain = Promise.resolve();
    from.on("data", (chunk: Buffer) => {
      if (this.mode === "blackhole") return;
      const delay = this.delayMs;
      if (delay === 0) {
        chain = chain.then(() => void to.write(chunk));
        return;
      }
      chain = chain.then(
        () =>
          new Promise<void>((resolve) => setTimeout(() => resolve(void to.write(chunk)), delay)), // the slowness under test
      );
    });
  }
}
