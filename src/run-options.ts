// The typed options of a run, validated: what every stage is configured by (no schema library here).

import type { ArgSource } from './input/arg-sources.js';
import type { Trim } from './jobs/columns.js';
import type { RecordSeparator } from './input/split-records.js';
import type { ResumeMode } from './recording/resume.js';
import type { RedisTarget } from './redis/url.js';
import type { Replacement } from './jobs/user-replacements.js';
import type { TermSeq } from './runner/term-seq.js';
import type { OutputMode } from './output/output-sink.js';
import type { HaltSpec } from './shutdown/halt.js';

/** CI annotations: none, GitHub `::error::` lines for failed jobs, or those plus `::group::` around each job's output. */
export type Annotate = 'github' | 'github-group' | 'none';

/** How local jobs are started: auto (the spawn helper where it can run, else execa), helper, execa. */
export type ExecutorChoice = 'auto' | 'helper' | 'execa';

/** A pino level name. */
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** Everything a run is configured by, validated. */
export interface RunOptions {
  readonly concurrency: number;
  readonly queueSize: number;
  readonly timeoutMs: number | undefined;
  /** --timeout N%: a job is killed after N% of the median runtime of the jobs that succeeded so far. */
  readonly timeoutPercent: number | undefined;
  /** How a job is killed (timeout, halt, second signal): --term-seq, or --kill-after's TERM,<ms>,KILL. */
  readonly termSeq: TermSeq;
  readonly shell: string;
  readonly output: OutputMode;
  /** -j <file>: the number of jobs at once is read from the file (first `initial`), and again when it changes. */
  readonly slotsFile: { readonly path: string; readonly initial: number } | undefined;
  /** --plus and --rpl: replacement strings defined in Perl (the later of two with one tag wins). */
  readonly replacements: readonly Replacement[];
  /** The input is counted before the first job starts: --halt N% and {##} (total_jobs()) need the number of jobs. */
  readonly countFirst: boolean;
  /** -I, --extensionreplace…: replacement strings spelled otherwise, each [qrun's, the user's] ({} as ::). */
  readonly renamedStrings: readonly (readonly [string, string])[];
  /** --quote (GNU's -q): the command's words are quoted, so the shell runs them as written. */
  readonly quoteCommand: boolean;
  /** -r: records (and ::: arguments) that are empty or white space make no job; with --pipe, such blocks. */
  readonly skipBlank: boolean;
  /** -v: each job's command line goes to stdout before its output; --verbose: to stderr as it starts. */
  readonly showCommand: { readonly stdout: boolean; readonly stderr: boolean };
  /** --process-slot-var (xargs's): the variable that holds each job's slot, from 0. */
  readonly slotVariable: string | undefined;
  /** --nice: jobs run at this niceness (undefined: qrun's own). */
  readonly nice: number | undefined;
  /** --env: environment variables copied into each job's environment by name (`_`: all), which matters when jobs run elsewhere (--redis). */
  readonly envNames: readonly string[];
  readonly keepOrder: boolean;
  /** --tag: each output line starts with the job's arguments and a tab. */
  readonly tag: boolean;
  /** --ctag, --ctagstring: the tag on a colour of each job's own. */
  readonly colourTag: boolean;
  /** --tagstring: the tag as a template ({#}, {1}… ; values as they are). */
  readonly tagString: string | undefined;
  /** --colsep: records are cut into columns, the job's arguments. */
  readonly colsep: RegExp | undefined;
  /** --header: this many first lines are a header naming the columns ({name}); with sources, each one's first value. */
  readonly header: number | undefined;
  /** --header with --pipe given as a regular expression (GNU parallel's): the header is what it matches at the start. */
  readonly headerPattern?: RegExp | undefined;
  /** --load: start jobs only while the 1-minute load average is below this. */
  readonly maxLoad: number | undefined;
  /** --memfree: start jobs only while this many bytes are free; under half of it, kill the youngest. */
  readonly memFree: number | undefined;
  /** -X and -N: each word of the template holding {} is repeated once per argument. */
  readonly contextReplace: boolean;
  /** -m, -X, --xargs: as many arguments per job as the command line (-s) holds. */
  readonly fill: FillSettings | undefined;
  /** --shuf: all records read first, then run in random order. */
  readonly shuffle: boolean;
  /** --trim: spaces and tabs trimmed around columns (or the record). */
  readonly trim: Trim;
  /** undefined: on when stderr is a terminal and CI is unset. */
  readonly progress: boolean | undefined;
  readonly logFile: string | undefined;
  readonly logLevel: LogLevel;
  /** No success summary (a failed run still gets one). */
  readonly quiet: boolean;
  /** No summary at all, and no notices about the run. */
  readonly silent: boolean;
  /** After the first signal, running jobs get this long before they are terminated (undefined: no limit). */
  readonly graceMs: number | undefined;
  /** Refuse to start while another qrun holds this lock file. */
  readonly lock: string | undefined;
  /** How long to wait for the lock before refusing (0: refuse at once). */
  readonly lockWaitMs: number;
  /** CI annotations: GitHub workflow commands for failed jobs, and job output in groups. */
  readonly annotate: Annotate;
  /** Where the queue metrics go as OpenMetrics text, if anywhere. */
  readonly metricsFile: string | undefined;
  /** --report: the run's HTML report goes here when it ends. */
  readonly report: string | undefined;
  /** GNU parallel's input sources (`:::`, `::::`, `:::+`, `::::+`); empty: records from -a files or stdin. */
  readonly sources: readonly ArgSource[];
  /** --link: input sources pair by position instead of every combination. */
  readonly link: boolean;
  /** -n/-N: records per job (0 with -N0: one record per job, its value not used). */
  readonly perJob: number | undefined;
  /** --pipe or --pipe-part: each job gets a block of the input on stdin (and no arguments). */
  readonly pipe: PipeOptions | undefined;
  /** How jobs start here: the spawn helper where it can (auto), always (helper), or execa only. */
  readonly executor: ExecutorChoice;
  readonly argFiles: readonly string[];
  readonly separator: RecordSeparator;
  /** Command template words (empty: each record is a shell line). */
  readonly command: readonly string[];
  readonly ndjson: boolean;
  readonly joblog: string | undefined;
  /** `--joblog +file` (GNU parallel's spelling): rows are appended and no header is written. */
  readonly joblogAppend: boolean;
  readonly resume: ResumeMode | undefined;
  readonly retries: number;
  readonly retryDelayMs: number;
  readonly halt: HaltSpec;
  readonly delayMs: number;
  readonly dryRun: boolean;
  /** --results: a table (.json/.csv/.tsv), or a directory (GNU's layout, or qrun's by job number with `resultsBySeq`). */
  readonly results: string | undefined;
  /** --results-seq: the directory holds <seq>/{stdout,stderr,result.json}, and job output is printed too. */
  readonly resultsBySeq: boolean;
  /** Where the summary goes as JSON ("-": stdout), if anywhere. */
  readonly summaryJson: string | undefined;
  /** Fleet mode: jobs go to workers through this Redis (undefined: run them here). */
  readonly redis: RedisOptions | undefined;
}

/** --pipe (stdin cut into blocks) and --pipe-part (a file's byte ranges), as GNU parallel. */
export interface PipeOptions {
  readonly mode: 'pipe' | 'part';
  /** --block in bytes (negative with --pipe-part: parts per job slot); undefined: GNU's default. */
  readonly blockSize: number | undefined;
  readonly recstart: string;
  readonly recend: string;
  /** -N: records per block instead of a size. */
  readonly records: number | undefined;
}

/** -m (spread over the slots at the end), -X (context replace, spread too), --xargs (no spreading). */
export interface FillSettings {
  readonly mode: 'multi' | 'context' | 'xargs';
  /** -s: command lines stay shorter than this many bytes. */
  readonly maxChars: number;
  /** -n with -m/-X: at most this many arguments per job. */
  readonly maxArgs: number | undefined;
}

/** The submitter's side of the fleet mode. */
export interface RedisOptions {
  readonly target: RedisTarget;
  readonly queue: string;
  readonly waitWorkersMs: number | undefined;
  readonly runTtlMs: number;
  readonly reconnectMs: number;
}

