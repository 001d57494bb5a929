// A bounded async FIFO: put waits while the queue is full, get waits while it is empty.

interface WaitingPut<T> {
  item: T;
  resolve: (accepted: boolean) => void;
}

/** The bounded queue between the producer and the workers; its capacity is the back-pressure. */
export class BoundedQueue<T> {
  readonly capacity: number;
  private readonly items: T[] = [];
  private readonly getters: ((item: T) => void)[] = [];
  private readonly putters: WaitingPut<T>[] = [];

  constructor(capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`Expected queue capacity to be a whole number of 1 or more, got ${capacity}`);
    }
    this.capacity = capacity;
  }

  /** Items waiting to be taken (not counting puts still waiting for room). */
  get size(): number {
    return this.items.length;
  }

  /** Queued items that satisfy `predicate` (e.g. jobs, not sentinels); O(size), for progress displays. */
  count(predicate: (item: T) => boolean): number {
    let n = 0;
    for (const item of this.items) if (predicate(item)) n++;
    return n;
  }

  /**
   * Adds an item, waiting while the queue is full. Resolves true once the item is in
   * (or handed to a waiting getter), false if `signal` aborted first: the item was not added.
   */
  put(item: T, signal?: AbortSignal): Promise<boolean> {
    if (signal?.aborted) return Promise.resolve(false);
    const getter = this.getters.shift();
    if (getter) {
      getter(item);
      return Promise.resolve(true);
    }
    if (this.items.length < this.capacity) {
      this.items.push(item);
      return Promise.resolve(true);
    }
    return new Promise((resolve) => {
      const waiting: WaitingPut<T> = { item, resolve };
      this.putters.push(waiting);
      if (!signal) return;
      const onAbort = (): void => {
        const index = this.putters.indexOf(waiting);
        if (index === -1) return;
        this.putters.splice(index, 1);
        resolve(false);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      // Stop listening once the put went through, so a long run does not pile up listeners.
      waiting.resolve = (accepted) => {
        signal.removeEventListener('abort', onAbort);
        resolve(accepted);
      };
    });
  }

  /** Takes the oldest item, waiting while the queue is empty. */
  get(): Promise<T> {
    if (this.items.length > 0) {
      const item = this.items.shift() as T;
      this.admitWaitingPut();
      return Promise.resolve(item);
    }
    const putter = this.putters.shift();
    if (putter) {
      putter.resolve(true);
      return Promise.resolve(putter.item);
    }
    return new Promise((resolve) => this.getters.push(resolve));
  }

  /**
   * Removes and returns every queued item (shutdown counts them as not started).
   * Puts still waiting for room stay waiting: their callers own those items.
   */
  drain(): T[] {
    const taken = this.items.splice(0, this.items.length);
    while (this.items.length < this.capacity && this.putters.length > 0) this.admitWaitingPut();
    return taken;
  }

  private admitWaitingPut(): void {
    const putter = this.putters.shift();
    if (!putter) return;
    this.items.push(putter.item);
    putter.resolve(true);
  }
}
