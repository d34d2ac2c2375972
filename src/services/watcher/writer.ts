/**
 * The watcher's storage writes: a status change as a partial write conditioned on the revision
 * read (so a change someone made meanwhile is never overwritten), and `last_check` batched into
 * one partial list save per flush.
 */
import type { Logger } from "../../base/logger.js";
import { StorageLookupError, StoragePreconditionError } from "../../bus/errors.js";
import { Host } from "../../models/host.js";
import type { StorageClient } from "../../storage/client.js";

type HostMember = keyof Host & string;

export class HostWriter {
  private pending = new Map<string, string>();
  /** Storage write calls made (for the benchmark's writes per minute). */
  writes = 0;
  /** Records those calls wrote (a batch of `last_check` counts each host). */
  records = 0;

  constructor(
    private readonly storage: StorageClient,
    private readonly logger: Logger,
  ) {}

  /**
   * Writes `change` when `expect` accepts the stored host; false when it did not (someone else
   * changed the host) or the host is gone.
   */
  async change(
    address: string,
    change: Partial<Host>,
    expect: (stored: Host) => boolean = () => true,
  ): Promise<boolean> {
    const members = Object.keys(change) as HostMember[];
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const current = await this.storage.read(Host, { address });
        if (!expect(current.model)) return false;
        this.writes += 1;
        this.records += 1;
        await this.storage.save(
          Host,
          { address, ...change },
          { members, ifRevision: current.revision },
        );
        return true;
      } catch (err) {
        if (err instanceof StorageLookupError) return false;
        if (!(err instanceof StoragePreconditionError)) throw err;
      }
    }
    return false;
  }

  checked(address: string, at: string): void {
    this.pending.set(address, at);
  }

  forget(address: string): void {
    this.pending.delete(address);
  }

  /** One partial list save of every `last_check` since the last flush. */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = [...this.pending].map(([address, last_check]) => ({ address, last_check }));
    this.pending = new Map();
    this.writes += 1;
    this.records += batch.length;
    try {
      await this.storage.saveMany(Host, batch, { members: ["last_check"] });
    } catch (err) {
      // A host deleted since its check fails the whole list: write the others one by one.
      if (!(err instanceof StorageLookupError)) throw err;
      for (const item of batch) {
        try {
          this.writes += 1;
          this.records += 1;
          await this.storage.save(Host, item, { members: ["last_check"] });
        } catch (e) {
          if (!(e instanceof StorageLookupError)) throw e;
        }
      }
      this.logger.debug({ hosts: batch.length }, "last_check written one by one");
    }
  }
}
