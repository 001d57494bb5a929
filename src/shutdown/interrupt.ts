// A signal listener for the moments before the run's shutdown exists (counting the input).

import { interruptSignals, type InterruptSignal } from '../errors.js';
import type { SignalSource } from './shutdown.js';

/** An AbortSignal that aborts at the first SIGINT, SIGTERM or SIGHUP, and which one it was. */
export interface InterruptListener {
  readonly signal: AbortSignal;
  received(): InterruptSignal | undefined;
  /** Removes the listeners; call on every path. */
  dispose(): void;
}

/** Listens to `source` (none for a library run, which is never interrupted this way). */
export function listenForInterrupt(source: SignalSource | undefined): InterruptListener {
  const controller = new AbortController();
  let received: InterruptSignal | undefined;
  const listeners = interruptSignals.map((name) => {
    const listener = (): void => {
      received ??= name;
      controller.abort(new Error(`interrupted by ${name}`));
    };
    source?.on(name, listener);
    return [name, listener] as const;
  });
  return {
    signal: controller.signal,
    received: () => received,
    dispose: () => {
      for (const [name, listener] of listeners) source?.off(name, listener);
    },
  };
}
