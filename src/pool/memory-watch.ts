// --memfree: when free memory falls under half of it, the youngest running job is killed (its
// --term-seq), to be retried if --retries allows, as GNU parallel does.

import type { SystemReadings } from './system-load.js';

/** Running attempts that may be evicted, by job number. */
export class Evictions {
  private readonly running = new Map<number, AbortController>();

  /** An attempt of job `seq` started: returns its eviction signal, and how to forget it. */
  add(seq: number): { readonly signal: AbortSignal; readonly done: () => void } {
    const controller = new AbortController();
    this.running.set(seq, controller);
    return { signal: controller.signal, done: () => void (this.running.get(seq) === controller && this.running.delete(seq)) };
  }

  /** Evicts the youngest running job (the highest number) not evicted yet; its number, if any. */
  evictYoungest(): number | undefined {
    const seqs = [...this.running.entries()].filter(([, c]) => !c.signal.aborted).map(([seq]) => seq);
    if (seqs.length === 0) return undefined;
    const youngest = Math.max(...seqs);
    this.running.get(youngest)?.abort();
    return youngest;
  }
}

/** Checks free memory every `intervalMs` and evicts one job each time it is under `memFree / 2`; returns a stop function. */
export function watchMemory(memFree: number, readings: SystemReadings, evictions: Evictions, onEvict: (seq: number, freeBytes: number) => void, intervalMs = 500): () => void {
  const timer = setInterval(() => {
    const free = readings.freeBytes();
    if (free >= memFree / 2) return;
    const seq = evictions.evictYoungest();
    if (seq !== undefined) onEvict(seq, free);
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
