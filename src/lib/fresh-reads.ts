/**
 * Shares one read among callers that want the same thing at the same time, without ever handing a caller an
 * answer older than its own request: a caller arriving while a read is in flight waits for the next read,
 * which starts as soon as the current one ends and serves everyone who waited meanwhile. N concurrent callers
 * cost at most two reads, and each sees a state read after it asked.
 */
export class FreshReads {
  private readonly inFlight = new Map<string, Entry>();

  read<T>(key: string, read: () => Promise<T>): Promise<T> {
    const entry = this.inFlight.get(key);
    if (!entry) return this.start(key, read);
    if (!entry.next) {
      let resolve: (value: unknown) => void = () => {};
      let reject: (error: unknown) => void = () => {};
      const promise = new Promise<unknown>((ok, fail) => {
        resolve = ok;
        reject = fail;
      });
      entry.next = { read, promise, resolve, reject };
    }
    // Every caller of one key reads the same thing, so the waiting read's result is this caller's type.
    return entry.next.promise as Promise<T>;
  }

  private start<T>(key: string, read: () => Promise<T>): Promise<T> {
    const entry: Entry = {};
    this.inFlight.set(key, entry);
    const running = read();
    const done = () => {
      this.inFlight.delete(key);
      const { next } = entry;
      if (next) this.start(key, next.read).then(next.resolve, next.reject);
    };
    running.then(done, done);
    return running;
  }
}

interface Entry {
  next?: {
    read: () => Promise<unknown>;
    promise: Promise<unknown>;
    resolve: (value: unknown) => void;
    reject: (error: unknown) => void;
  };
}
