// The live status line on a terminal (ora), loaded only when it will be shown.

import type { Writable } from 'node:stream';
import { progressText, type ProgressState } from './terminal/progress-text.js';
import { fitOneLine } from './terminal/fit.js';

/** What the rest of the run sees of the progress display. */
export interface Progress {
  /** Erases the status line so job output never mixes with it. */
  readonly beforeWrite: () => void;
  readonly stop: () => void;
}

/** The display used when progress is off: does nothing. */
export const noProgress: Progress = { beforeWrite: () => undefined, stop: () => undefined };

/** A terminal stream as far as progress cares: a Writable that may know it is a TTY. */
export type TerminalStream = Writable & { isTTY?: boolean; columns?: number };

/**
 * Whether to show progress: asked for (or, unasked, a terminal outside CI that is not dumb),
 * never in ungroup mode, and only on a TTY with a known non-zero width (ora loops on a
 * 0-column terminal).
 */
export function wantsProgress(asked: boolean | undefined, stream: TerminalStream, env: NodeJS.ProcessEnv, ungroup: boolean): boolean {
  if (ungroup || asked === false) return false;
  if (stream.isTTY !== true || !(typeof stream.columns === 'number' && stream.columns > 0)) return false;
  return asked === true || ((env.CI ?? '') === '' && env.TERM !== 'dumb');
}

/** Starts the spinner on `stream`, refreshing its text from `state` a few times a second. */
export async function startProgress(stream: TerminalStream, state: () => ProgressState, color: boolean): Promise<Progress> {
  const { default: ora } = await import('ora');
  // discardStdin: false, since stdin carries the job records. hideCursor: false, since hiding
  // it makes ora install exit and signal hooks of its own; shutdown owns the signals.
  const spinner = ora({ stream, discardStdin: false, hideCursor: false, isEnabled: true, color: color ? 'cyan' : false, text: 'starting' }).start();
  const refresh = (): void => {
    // The spinner and a space come first; a status line that wrapped could not be cleared.
    spinner.text = fitOneLine(progressText(state()), stream.columns === undefined ? undefined : stream.columns - 2);
  };
  refresh();
  const timer = setInterval(refresh, 250);
  return {
    beforeWrite: () => {
      spinner.clear();
    },
    stop: () => {
      clearInterval(timer);
      spinner.stop();
    },
  };
}
