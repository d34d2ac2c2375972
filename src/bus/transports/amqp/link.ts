/**
 * One AMQP connection with its two shared channels (confirmed publishes; declarations and looks),
 * made again with backoff whenever it is lost. Work that needs the connection waits for it.
 */
import type { ConnectionOptions } from "node:tls";
import amqp, { type Channel, type ChannelModel } from "amqplib";
import { BusClosedError } from "../../errors.js";
import { Publisher } from "./publisher.js";
import { batchWrites } from "./write-batch.js";

export interface Link {
  connection: ChannelModel;
  publisher: Publisher;
}

export interface LinkEvents {
  /** Connected: declare what must be declared again before anyone may use it. */
  prepare(link: Link, reconnect: boolean): Promise<void>;
  /** Connected and prepared; downMs: how long it was lost (undefined the first time). */
  up(downMs: number | undefined): void;
  down(error: Error): void;
  error(error: Error): void;
}

export const delay = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms).unref());

export class Linker {
  private link: Link | null = null;
  /** Connected, declarations under way: not handed out to waiters yet. */
  private preparing: Link | null = null;
  private readonly channels = new Map<string, Promise<Channel>>();
  private waiters: Array<{ resolve(link: Link): void; reject(error: Error): void }> = [];
  private lostAt: number | undefined;
  private connectedOnce = false;
  closed = false;

  constructor(
    private readonly url: string,
    private readonly tls: ConnectionOptions | undefined,
    private readonly events: LinkEvents,
    private readonly backoff = { firstMs: 100, longestMs: 5000 },
  ) {
    void this.connectLoop();
  }

  get current(): Link | null {
    return this.link ?? this.preparing;
  }

  /** The link once connected (waits while the broker cannot be reached). */
  ready(): Promise<Link> {
    if (this.link) return Promise.resolve(this.link);
    if (this.closed) return Promise.reject(new BusClosedError("use the AMQP connection"));
    return new Promise((resolve, reject) => this.waiters.push({ resolve, reject }));
  }

  /** The channel for declarations, opened again if an error closed it. */
  adminChannel(): Promise<Channel> {
    return this.channel("admin");
  }

  /**
   * A shared channel of the current connection by purpose, opened again if an error closed it
   * (a refused declaration or a look at a queue that is gone closes its channel: other purposes
   * are not disturbed).
   */
  async channel(purpose: string): Promise<Channel> {
    const link = this.preparing ?? (await this.ready());
    let opened = this.channels.get(purpose);
    if (!opened) {
      opened = link.connection.createChannel().then((channel) => {
        channel.on("error", () => undefined); // a refused operation rejects its own call
        channel.on("close", () => {
          if (this.channels.get(purpose) === opened) this.channels.delete(purpose);
        });
        return channel;
      });
      opened.catch(() => this.channels.delete(purpose));
      this.channels.set(purpose, opened);
    }
    return opened;
  }

  private async connectLoop(): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      let connection: ChannelModel | null = null;
      try {
        // No Nagle: a request or reply is one small write that must leave at once.
        connection = await amqp.connect(this.url, { noDelay: true, ...this.tls });
        if (this.closed) return void connection.close().catch(() => undefined);
        batchWrites(connection);
        connection.on("error", (err: Error) => this.events.error(err));
        const opened = connection;
        connection.on("close", (err?: Error) => this.lost(opened, err));
        const channel = await connection.createConfirmChannel();
        channel.on("error", (err: Error) => this.events.error(err));
        const link: Link = { connection, publisher: new Publisher(channel) };
        this.preparing = link;
        await this.events.prepare(link, this.connectedOnce);
        this.preparing = null;
        if (this.closed) return;
        this.link = link;
        this.connectedOnce = true;
        const downMs = this.lostAt === undefined ? undefined : Date.now() - this.lostAt;
        this.lostAt = undefined;
        for (const w of this.waiters.splice(0)) w.resolve(link);
        this.events.up(downMs);
        return;
      } catch (err) {
        this.preparing = null;
        this.channels.clear();
        connection?.close().catch(() => undefined);
        if (this.closed) return;
        this.events.error(err as Error);
        const wait = Math.min(this.backoff.longestMs, this.backoff.firstMs * 2 ** attempt);
        await delay(wait * (0.8 + Math.random() * 0.4));
      }
    }
  }

  private lost(connection: ChannelModel, err?: Error): void {
    // Lost while preparing: the connect loop's own failure handling starts over.
    if (this.link?.connection !== connection) return;
    this.link = null;
    this.channels.clear();
    if (this.closed) return;
    this.lostAt = Date.now();
    this.events.down(err ?? new Error("connection closed by the broker"));
    void this.connectLoop();
  }

  /** A clean close within deadlineMs, else the socket is dropped. */
  async close(deadlineMs = 2000): Promise<void> {
    const link = this.link;
    this.stop();
    if (!link) return;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, deadlineMs);
    });
    await Promise.race([link.connection.close().catch(() => undefined), late]);
    clearTimeout(timer);
    destroySocket(link.connection);
  }

  /** A crash, as far as the broker can tell: the socket goes, nothing is said. */
  abort(): void {
    const link = this.link;
    this.stop();
    if (link) destroySocket(link.connection);
  }

  private stop(): void {
    this.closed = true;
    this.link = null;
    this.channels.clear();
    for (const w of this.waiters.splice(0)) w.reject(new BusClosedError("use the AMQP connection"));
  }
}

function destroySocket(connection: ChannelModel): void {
  const inner = connection.connection as unknown as { stream?: { destroy(): void } };
  inner.stream?.destroy();
}
