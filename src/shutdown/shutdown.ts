// Signals -> shutdown phases. The first signal stops new jobs; the second terminates running ones.

import { setMaxListeners } from 'node:events';
import { systemClock, type Clock } from '../clock.js';
import { interruptSignals, messageOf, type InterruptSignal } from '../errors.js';

/** The part of `process` shutdown listens to (passed in, so tests can use an EventEmitter). */
export interface SignalSource {
  on(signal: InterruptSignal, listener: () => void): unknown;
  off(signal: InterruptSignal, listener: () => void): unknown;
}

/** The two phases: stop taking jobs, then kill the running ones. */
export type Phase = 'stop' | 'kill';

/** Told of a phase as it begins. */
export type PhaseListener = (phase: Phase, reason: string) => void;

/**
 * Owns the run's two abort phases. `stop`: start no more jobs (queued ones are reported as not
 * started, running ones finish). `kill`: terminate running jobs' process groups too.
 * Everything else only reads the two signals.
 */
export class Shutdown {
  private readonly stopping = new AbortController();
  private readonly killing = new AbortController();
  private readonly listeners = new Map<InterruptSignal, () => void>();
  /** The first interrupting signal received, if any. */
  interruptedBy: InterruptSignal | undefined;
  /** The first failure of qrun itself, if any. */
  failure: string | undefined;
  /** When --grace ends after the first signal (Date.now() ms), if it is running. */
  graceEndsAt: number | undefined;
  private graceTimer: unknown;
  private readonly phaseListeners: PhaseListener[] = [];

  /**
   * `graceMs`: after the first signal, running jobs get this long, then are terminated as by a
   * second signal (undefined: no limit).
   */
  constructor(
    private readonly source: SignalSource | undefined,
    private readonly graceMs: number | undefined = undefined,
    private readonly clock: Clock = systemClock,
  ) {
    // Every running job listens to `kill` (and a pacer wait to `stop`): hundreds at -c 256.
    setMaxListeners(Infinity, this.stopping.signal, this.killing.signal);
    for (const signal of interruptSignals) {
      const listener = (): void => this.interrupt(signal);
      this.listeners.set(signal, listener);
      source?.on(signal, listener);
    }
  }

  /** Tells `listener` of each phase as it begins, with its reason (a signal's name, 'halt', 'grace', 'failure'…). */
  onPhase(listener: PhaseListener): void {
    this.phaseListeners.push(listener);
  }

  private entered(phase: Phase, reason: string): void {
    for (const listener of this.phaseListeners) listener(phase, reason);
  }

  get stop(): AbortSignal {
    return this.stopping.signal;
  }

  get kill(): AbortSignal {
    return this.killing.signal;
  }

  /**
   * A signal arrived: the first one stops, any later one kills. A stop that was not a signal's
   * (--halt soon draining) does not make the first signal a second one.
   */
  interrupt(signal: InterruptSignal): void {
    if (this.interruptedBy !== undefined) {
      this.terminate(signal);
      return;
    }
    this.interruptedBy = signal;
    if (!this.stopping.signal.aborted) {
      this.stopping.abort(signal);
      this.entered('stop', signal);
    }
    this.startGrace();
  }

  private startGrace(): void {
    if (this.graceMs === undefined || this.killing.signal.aborted) return;
    if (this.graceMs === 0) {
      this.terminate('grace');
      return;
    }
    this.graceEndsAt = this.clock.now() + this.graceMs;
    this.graceTimer = this.clock.setTimeout(() => this.terminate('grace'), this.graceMs);
  }

  /** Stops taking jobs and terminates the running ones at once. */
  terminate(reason: string): void {
    this.clock.clearTimeout(this.graceTimer);
    this.graceEndsAt = undefined;
    if (!this.stopping.signal.aborted) this.stopping.abort(reason);
    if (this.killing.signal.aborted) return;
    this.killing.abort(reason);
    this.entered('kill', reason);
  }

  /** --halt: "soon" stops taking jobs, "now" also terminates the running ones. Not an interrupt. */
  halt(now: boolean): void {
    if (now) this.terminate('halt');
    else if (!this.stopping.signal.aborted) {
      this.stopping.abort('halt');
      this.entered('stop', 'halt');
    }
  }

  /** qrun itself failed (a worker crashed, output could not be written): stop everything. */
  fail(error: unknown): void {
    this.failure ??= messageOf(error);
    this.terminate('failure');
  }

  /** An external AbortSignal (library use) acts like a first signal. */
  follow(signal: AbortSignal | undefined): void {
    if (!signal) return;
    const onAbort = (): void => this.interrupt('SIGINT');
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  }

  /** Removes the signal listeners; call on every exit path. */
  dispose(): void {
    this.clock.clearTimeout(this.graceTimer);
    for (const [signal, listener] of this.listeners) this.source?.off(signal, listener);
    this.listeners.clear();
  }
}
