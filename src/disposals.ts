// The run's clean-up: each stage registers how it is undone as it is built; all are undone in
// reverse order, every one even when another throws.

import { messageOf } from './errors.js';
import { atProcessExit } from './exit-hooks.js';

/** A stack of clean-up steps. */
export class Disposals {
  private readonly steps: (() => void | Promise<void>)[] = [];

  /** Registers `dispose` and returns `value`, so a stage is built and registered in one line. */
  add<T>(value: T, dispose: (value: T) => void | Promise<void>): T {
    this.steps.push(() => dispose(value));
    return value;
  }

  /** Registers a clean-up step. */
  defer(step: () => void | Promise<void>): void {
    this.steps.push(step);
  }

  /**
   * Until `dispose`, a process exit (a process.exit from elsewhere) runs every step registered
   * by then, each as far as it goes without waiting: the last-resort clean-up (killing local
   * process groups, removing temp files).
   */
  coverExit(): void {
    this.defer(
      atProcessExit(() => {
        for (const step of [...this.steps].reverse()) {
          try {
            void Promise.resolve(step()).catch(() => undefined);
          } catch {
            // The process is exiting: one failed step must not stop the others.
          }
        }
      }),
    );
  }

  /** Runs every step, last registered first; rejects with the first step's failure, after all ran. */
  async dispose(): Promise<void> {
    let failure: unknown;
    for (let step = this.steps.pop(); step !== undefined; step = this.steps.pop()) {
      try {
        await step();
      } catch (error) {
        failure ??= error;
      }
    }
    if (failure !== undefined) throw new Error(`cleaning up failed: ${messageOf(failure)}`, { cause: failure });
  }
}
