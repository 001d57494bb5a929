// What a person watching the run sees besides job output: the status line and the stop notices.

import { interruptSignals } from '../../errors.js';
import type { Notices } from './notices.js';
import type { Progress, TerminalStream } from '../progress.js';
import { noProgress, startProgress } from '../progress.js';
import type { RunStats } from '../stats.js';

/** What the display reads from the run. */
export interface DisplayDeps {
  readonly stderr: TerminalStream;
  readonly stats: RunStats;
  readonly queueDepth: () => number;
  /** The number of jobs in the input, once counted (undefined: cannot be known). */
  readonly total: Promise<number | undefined>;
  readonly showProgress: boolean;
  /** Records come from a terminal: no status line until that input ends (typed keys would glue onto it). */
  readonly waitFor: Promise<void> | undefined;
  readonly color: boolean;
  /** Where its notices go (they know --silent); it shows the status line there. */
  readonly notices: Notices;
  readonly graceMs: number | undefined;
  /** When the grace after the first signal ends, if it is running. */
  readonly graceEndsAt: () => number | undefined;
}

/** The display of one run. */
export interface Display {
  /** Told of each shutdown phase, to say at once what happens to the running jobs. */
  readonly onPhase: (phase: 'stop' | 'kill', reason: string) => void;
  readonly stop: () => void;
}

/** Starts the status line (if wanted) and returns the display. */
export function startDisplay(deps: DisplayDeps): Display {
  let progress: Progress = noProgress;
  let ended = false;
  let total: number | undefined;
  let stoppedBy: string | undefined;
  void deps.total.then((counted) => (total = counted));
  if (deps.showProgress) {
    void (deps.waitFor ?? Promise.resolve())
      .then(() => (ended ? noProgress : startProgress(deps.stderr, state, deps.color)))
      .then((started) => {
        if (ended) started.stop();
        else {
          progress = started;
          deps.notices.showing(started);
        }
      });
  }
  function state() {
    const endsAt = deps.graceEndsAt();
    return {
      stats: deps.stats,
      queued: deps.queueDepth(),
      total,
      elapsedMs: Date.now() - deps.stats.startedAtMs,
      stopping: stoppedBy === undefined ? undefined : { signal: stoppedBy, killInMs: endsAt === undefined ? undefined : endsAt - Date.now() },
    };
  }
  const say = deps.notices.say;
  return {
    onPhase: (phase, reason) => {
      const running = deps.stats.running;
      const jobs = `${running} running ${running === 1 ? 'job' : 'jobs'}`;
      if (phase === 'stop' && isSignal(reason)) {
        stoppedBy = reason;
        if (running === 0) return;
        const again = reason === 'SIGINT' ? 'Ctrl-C' : reason;
        const one = running === 1;
        const grace = deps.graceMs === undefined ? 'may finish' : deps.graceMs === 0 ? `${one ? 'is' : 'are'} terminated now` : `${one ? 'gets' : 'get'} ${spoken(deps.graceMs)} to finish`;
        say(`${reason}: stopping; no new jobs; ${jobs} ${grace}${deps.graceMs === 0 ? '' : ` (${again} again kills them now)`}`);
      } else if (phase === 'kill' && running > 0 && (isSignal(reason) || reason === 'grace')) {
        if (reason === 'grace' && deps.graceMs === 0) return;
        say(`${reason === 'grace' ? `--grace ${spoken(deps.graceMs ?? 0)} is over` : `${reason} again`}: terminating ${jobs}`);
      }
    },
    stop: () => {
      ended = true;
      deps.notices.showing(undefined);
      progress.stop();
    },
  };
}

/** A duration as the user would have typed it: 5s, 1m30s, 250ms. */
function spoken(ms: number): string {
  if (ms % 1000 !== 0) return `${ms}ms`;
  const seconds = ms / 1000;
  return seconds >= 60 && seconds % 60 === 0 ? `${seconds / 60}m` : `${seconds}s`;
}

function isSignal(reason: string): boolean {
  return (interruptSignals as readonly string[]).includes(reason);
}
