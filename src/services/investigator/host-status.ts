/**
 * A host's status as one investigation moves it: every change is a partial write (only the
 * members it sets) on the revision this investigation last saw, so a status someone else wrote
 * meanwhile (a delete, a newer investigation, an operator) is never overwritten.
 */
import { StoragePreconditionError } from "../../bus/errors.js";
import { Host } from "../../models/index.js";
import type { StorageClient } from "../../storage/client.js";

/** Someone else changed the host's status: this investigation stops without writing. */
export class SupersededError extends Error {
  constructor(address: string, status: string) {
    super(`${address}: status changed to "${status || "(none)"}" by someone else`);
    this.name = "SupersededError";
  }
}

export class HostStatusWriter {
  private constructor(
    private readonly storage: StorageClient,
    readonly address: string,
    private revision: string,
    /** The status as this investigation last read or wrote it. */
    public status: string,
  ) {}

  static async read(storage: StorageClient, address: string): Promise<HostStatusWriter> {
    const { model, revision } = await storage.read(Host, { address });
    return new HostStatusWriter(storage, address, revision, model.status);
  }

  async set(fields: Partial<Host> & { status: Host["status"] }): Promise<void> {
    const members = Object.keys(fields) as (keyof Host & string)[];
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        const saved = await this.storage.write(
          Host,
          { address: this.address, ...fields },
          { members, ifRevision: this.revision },
        );
        this.revision = saved.revision;
        this.status = saved.model.status;
        return;
      } catch (err) {
        if (!(err instanceof StoragePreconditionError)) throw err;
        // Another member changed (facts, source): fine. The status changed: not ours any more.
        const { model, revision } = await this.storage.read(Host, { address: this.address });
        if (model.status !== this.status) throw new SupersededError(this.address, model.status);
        this.revision = revision;
      }
    }
    throw new SupersededError(this.address, this.status);
  }
}
