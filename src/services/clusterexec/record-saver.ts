/**
 * Saves of an operation record, coalesced: while one write is on its way, every change made
 * meanwhile goes out together in the next one, so ten hosts changing phase at once cost two
 * writes, not ten in a row (each host's turn waited for all the saves queued before its own).
 * A save taken after a change always includes it: the snapshot is taken when the write starts.
 */
export class RecordSaver {
  private running: Promise<void> | null = null;
  private next: Promise<void> | null = null;

  constructor(private readonly write: () => Promise<unknown>) {}

  /** Resolves once a write that started after this call has landed (rejects if it failed). */
  save(): Promise<void> {
    if (this.next) return this.next; // not started yet: it will carry this change too
    if (!this.running) return this.start();
    this.next = this.running
      .catch(() => undefined)
      .then(() => {
        this.next = null;
        return this.start();
      });
    return this.next;
  }

  private start(): Promise<void> {
    const write = (async () => {
      await this.write();
    })().finally(() => {
      if (this.running === write) this.running = null;
    });
    this.running = write;
    return write;
  }
}
