// Every line qrun itself says on stderr while a run goes on: one place that knows --silent and
// steps the progress line aside first.

import type { Progress, TerminalStream } from '../progress.js';
import { noProgress } from '../progress.js';
import { fitToTerminal } from './fit.js';

/** What the run says to the person watching, besides job output and the summary. */
export class Notices {
  private statusLine: Pick<Progress, 'beforeWrite'> = noProgress;

  /** `silent`: --silent, nothing is said; `debug`: --log-level debug, the debug lines are said too. */
  constructor(
    private readonly stderr: TerminalStream,
    private readonly silent: boolean,
    private readonly debugOn: boolean,
  ) {}

  /** The status line now shown (the display sets it), erased before every line written. */
  showing(line: Pick<Progress, 'beforeWrite'> | undefined): void {
    this.statusLine = line ?? noProgress;
  }

  /** Erases the status line so that what comes next starts on a clean line. */
  readonly beforeWrite = (): void => this.statusLine.beforeWrite();

  /** `qrun: <text>`: a notice. */
  readonly say = (text: string): void => this.line(`qrun: ${text}\n`);

  /** `qrun: warning: <text>`. */
  readonly warn = (text: string): void => this.line(`qrun: warning: ${text}\n`);

  /** `qrun: debug: <text>`, only at --log-level debug (asked for, so said even with --silent). */
  readonly debug = (text: string): void => {
    if (!this.debugOn) return;
    this.beforeWrite();
    this.stderr.write(`qrun: debug: ${text}\n`);
  };

  /** A whole line as it is (fitted to a terminal's width), unless --silent. */
  readonly line = (text: string): void => {
    if (this.silent) return;
    this.beforeWrite();
    this.stderr.write(fitToTerminal(text, this.stderr));
  };

  /** A machine-read line (a CI workflow command): written even with --silent, never fitted. */
  readonly command = (text: string): void => {
    this.beforeWrite();
    this.stderr.write(text);
  };
}
