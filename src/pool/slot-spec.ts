// How many jobs run at once, in GNU parallel's -j forms: N, +N or -N (the CPUs plus or minus N),
// N% (of the CPUs), or 0 (as many as the open-file limit allows).

import { mostConcurrency } from '../runner/fd-budget.js';

/** A -j form, not yet counted. */
export type SlotSpec = { readonly kind: 'count' | 'plus' | 'minus' | 'percent'; readonly n: number } | { readonly kind: 'most' };

/** What the forms are, for messages. */
export const slotForms = 'a whole number of 1 or more, +N or -N (the CPUs plus or minus N), N% (of the CPUs) or 0 (as many as possible)';

/** The form `value` is written in, or undefined if it is none of them. */
export function parseSlotSpec(value: unknown): SlotSpec | undefined {
  if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 1) return { kind: 'count', n: value };
  const match = typeof value === 'string' ? /^\s*([+-]?)(\d+)(%?)\s*$/.exec(value) : null;
  const n = Number(match?.[2]);
  if (match === null || !Number.isSafeInteger(n)) return undefined;
  const [, sign, , percent] = match;
  if (percent === '%' && sign === '' && n >= 1) return { kind: 'percent', n };
  if (percent === '' && sign === '+') return { kind: 'plus', n };
  if (percent === '' && sign === '-') return { kind: 'minus', n };
  if (percent === '' && n === 0) return { kind: 'most' };
  if (percent === '' && n >= 1) return { kind: 'count', n };
  return undefined;
}

/** The number of jobs at once a form stands for, on `cpus` CPUs (at least 1); the open-file limit is read only for 0. */
export function slotCount(spec: SlotSpec, cpus: number, openFiles: () => number | undefined): number {
  switch (spec.kind) {
    case 'count':
      return spec.n;
    case 'plus':
      return cpus + spec.n;
    case 'minus':
      return Math.max(1, cpus - spec.n);
    case 'percent':
      return Math.max(1, Math.floor((cpus * spec.n) / 100));
    case 'most':
      return mostConcurrency(openFiles());
  }
}
