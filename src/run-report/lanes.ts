// The timeline's rows: a joblog has no job slots, so each job is put, in order of start, on the
// lowest row of its host that is free by then (as many rows as jobs ran at once on that host).

/** Rows per job, in all and per host. */
export interface Lanes {
  /** Each job's row (hosts' rows one after the other, in host order). */
  readonly lane: Uint32Array;
  readonly perHost: number[];
  readonly total: number;
  /** The most jobs running at once, over all hosts. */
  readonly most: number;
}

/** A job that ended this close before another started shares its row (a joblog rounds both times to the ms). */
export const slack = 0.0011;

/** Assigns rows to jobs `order` (indexes sorted by start). */
export function assignLanes(order: Uint32Array, start: Float64Array, runtime: Float64Array, host: Uint16Array, hosts: number): Lanes {
  const local = new Uint32Array(order.length);
  const busy = Array.from({ length: hosts }, () => new MinHeap());
  const free = Array.from({ length: hosts }, () => new MinHeap());
  const perHost = new Array<number>(hosts).fill(0);
  // Every job's end, to count the most running at once.
  const ends = new MinHeap();
  let most = 0;
  for (const job of order) {
    const at = start[job] as number;
    const h = host[job] as number;
    const hostBusy = busy[h] as MinHeap;
    const hostFree = free[h] as MinHeap;
    while (hostBusy.size > 0 && hostBusy.peekKey() <= at + slack) {
      const lane = hostBusy.pop();
      hostFree.push(lane, lane);
    }
    let lane: number;
    if (hostFree.size > 0) lane = hostFree.pop();
    else {
      lane = perHost[h] as number;
      perHost[h] = lane + 1;
    }
    local[job] = lane;
    const end = at + (runtime[job] as number);
    hostBusy.push(end, lane);
    while (ends.size > 0 && ends.peekKey() <= at + slack) ends.pop();
    ends.push(end, 0);
    most = Math.max(most, ends.size);
  }
  const offset: number[] = [];
  let total = 0;
  for (const count of perHost) {
    offset.push(total);
    total += count;
  }
  const lane = local.map((row, job) => row + (offset[host[job] as number] as number));
  return { lane, perHost, total, most };
}

/** A binary min-heap of (key, value) pairs. */
class MinHeap {
  private readonly keys: number[] = [];
  private readonly values: number[] = [];

  get size(): number {
    return this.keys.length;
  }

  peekKey(): number {
    return this.keys[0] as number;
  }

  push(key: number, value: number): void {
    const { keys, values } = this;
    let i = keys.length;
    keys.push(key);
    values.push(value);
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if ((keys[parent] as number) <= key) break;
      keys[i] = keys[parent] as number;
      values[i] = values[parent] as number;
      i = parent;
    }
    keys[i] = key;
    values[i] = value;
  }

  /** Removes the smallest and returns its value. */
  pop(): number {
    const { keys, values } = this;
    const top = values[0] as number;
    const lastKey = keys.pop() as number;
    const lastValue = values.pop() as number;
    const n = keys.length;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const right = left + 1;
      const child = right < n && (keys[right] as number) < (keys[left] as number) ? right : left;
      if ((keys[child] as number) >= lastKey) break;
      keys[i] = keys[child] as number;
      values[i] = values[child] as number;
      i = child;
    }
    keys[i] = lastKey;
    values[i] = lastValue;
    return top;
  }
}
