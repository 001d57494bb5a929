// The termination sequence: which signals a job's process group gets, and how long apart, when qrun kills it.

import { constants } from 'node:os';

/** One step: send `signal` to the group, then wait up to `waitMs` for it to be gone. */
export interface TermStep {
  readonly signal: NodeJS.Signals;
  readonly waitMs: number;
}

/** A kill in steps; never empty. */
export type TermSeq = readonly TermStep[];

/** GNU parallel's default (`--term-seq TERM,200,TERM,100,TERM,50,KILL,25`). */
export const gnuTermSeq: TermSeq = parseTermSeq('TERM,200,TERM,100,TERM,50,KILL,25') as TermSeq;

/** `--kill-after <ms>`: SIGTERM, then SIGKILL that much later (qrun's default is 2 s). */
export function killAfterSeq(ms: number): TermSeq {
  return [{ signal: 'SIGTERM', waitMs: ms }, { signal: 'SIGKILL', waitMs: 0 }];
}

/** How long the whole sequence may take. */
export function termSeqMs(seq: TermSeq): number {
  return seq.reduce((total, step) => total + step.waitMs, 0);
}

/**
 * Parses GNU parallel's `SIG,ms,SIG,ms…` (names with or without SIG, or numbers; the last wait
 * may be left out). Undefined when it is not one.
 */
export function parseTermSeq(text: string): TermSeq | undefined {
  const parts = text.split(',').map((part) => part.trim());
  if (parts.length === 0 || parts[0] === '') return undefined;
  const steps: TermStep[] = [];
  for (let i = 0; i < parts.length; i += 2) {
    const signal = signalNamed(parts[i] ?? '');
    const wait = parts[i + 1];
    if (signal === undefined) return undefined;
    if (wait !== undefined && !/^\d+$/.test(wait)) return undefined;
    const waitMs = wait === undefined ? 0 : Number(wait);
    if (waitMs > 2 ** 31 - 1) return undefined;
    steps.push({ signal, waitMs });
  }
  return steps;
}

/** The signal a GNU parallel user may write: TERM, SIGTERM, 15. */
function signalNamed(word: string): NodeJS.Signals | undefined {
  const signals = constants.signals as Record<string, number>;
  if (/^\d+$/.test(word)) {
    const number = Number(word);
    return Object.keys(signals).find((name) => signals[name] === number) as NodeJS.Signals | undefined;
  }
  const name = word.toUpperCase().startsWith('SIG') ? word.toUpperCase() : `SIG${word.toUpperCase()}`;
  return name in signals ? (name as NodeJS.Signals) : undefined;
}
