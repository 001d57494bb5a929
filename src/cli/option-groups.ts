// The options of `qrun`, group by group as help shows them: commander's declarations, with the
// text of help, the man page and shell completions.

import { Option, type Command } from 'commander';

/** The options of help's 'Input' group. */
export function inputOptions(program: Command): Command {
  return program
    .optionsGroup('Input:')
    .option('-a, --arg-file <file>', 'read job records from <file> ("-" is stdin); several -a are input sources combined as ::::', collect)
    .option('-0, --null', 'records are separated by NUL bytes instead of newlines')
    .option('--shuf', 'read every record first, then run the jobs in random order (spilled to disk: flat memory)')
    .option('--link', 'pair the ::: and :::: input sources by position (shorter ones start over) instead of every combination')
    .option('--xapply', 'another name for --link')
    .option('--ndjson', 'each record is a JSON object: {"cmd", "id"?, "timeout"?, "retries"?, "env"?, "cwd"?}; with a template, its fields fill {name}')
    .option('--pipe', 'give each job a block of the input on stdin instead of arguments (GNU parallel --pipe)')
    .option('--pipe-part', 'with -a <file>: each job reads its part of the file on stdin, straight from the file')
    .option('--pipepart', 'another name for --pipe-part')
    .option('--block <size>', 'with --pipe: bytes per block, e.g. 1M (default), 500k; with --pipe-part, -N means N parts per job slot (default: -10)')
    .option('--block-size <size>', 'another name for --block')
    .option('--recend <text>', 'with --pipe: a record ends with <text> (default: \\n; escapes \\n \\t \\0 work)')
    .option('--recstart <text>', 'with --pipe: a record starts with <text>; blocks are cut only between records')
    .option('--arg-sep <sep>', 'the word that starts an input source of arguments, instead of :::')
    .option('--arg-file-sep <sep>', 'the word that starts input source files, instead of ::::')
    .option('-r, --no-run-if-empty', 'leave out records (and ::: arguments) that are empty or only white space; with --pipe, such blocks')
    .option('--queue-size <n>', 'jobs read ahead into the bounded queue (default: 2 x concurrency)');
}

/** The options of help's 'Running' group. */
export function runningOptions(program: Command): Command {
  return program
    .optionsGroup('Running:')
    .option('-c, --concurrency <n>', 'how many jobs run at once (default: number of CPUs)')
    .option('-j, --jobs <n>', 'another name for --concurrency')
    .option('-t, --timeout <duration>', 'per-job time limit: 500ms, 30s, 5m, 1h; a bare number is seconds; N% of the median runtime of the jobs that succeeded so far')
    .option('--kill-after <duration>', 'after SIGTERM to a job, SIGKILL it this much later (default: 2s; short for --term-seq TERM,<ms>,KILL)')
    .option('--term-seq <sequence>', 'how a job is killed (timeout, halt, Ctrl-C twice): signals and waits in ms, e.g. TERM,200,TERM,100,TERM,50,KILL,25')
    .option('--grace <duration>', 'after the first Ctrl-C or SIGTERM, running jobs get this long to finish, then are terminated; unlimited: no limit (default: 5s)')
    .option('--load <max>', 'start a job only while the 1-minute load average is below <max> (or N% of the CPUs)')
    .option('--memfree <size>', 'start a job only while <size> of memory is free (e.g. 2G); under half of it, kill the youngest job (retried if --retries allows)')
    .option('--delay <duration>', 'at least this long between job starts (default: 0)')
    .option('--shell <path>', 'shell that runs each job as <shell> -c <command> (default: /bin/sh)')
    .option('--nice <n>', 'run jobs at niceness <n> (-20 to 19), as nice -n <n> does')
    .option('--env <name>', 'copy the environment variable <name> into each job (_: all), which matters for jobs run by qrun workers', collect)
    .option('--plus', "GNU parallel's extra replacement strings: {+/} {+.} {..} {...} {/..} {##}…, bash's {#x} {%x} {/x/y}… (run by perl)")
    .option('-I, --replace <text>', 'the replacement string for the record is <text> instead of {} (GNU\'s --extensionreplace and the others: the README)')
    .addOption(new Option('--extensionreplace <text>').hideHelp())
    .addOption(new Option('--basenamereplace <text>').hideHelp())
    .addOption(new Option('--dirnamereplace <text>').hideHelp())
    .addOption(new Option('--basenameextensionreplace <text>').hideHelp())
    .addOption(new Option('--seqreplace <text>').hideHelp())
    .addOption(new Option('--slotreplace <text>').hideHelp())
    .option('--process-slot-var <name>', "set the environment variable <name> in each job to its slot, counted from 0 (as xargs)")
    .option('--quote', "quote the command's words, so that the shell sees them as written (GNU parallel -q)")
    .option('--rpl <tag perl>', "define a replacement string in Perl, as GNU parallel: --rpl '{..} s/\\.[^.]+$//' (run by perl)", collect)
    .addOption(new Option('--fg').hideHelp())
    .addOption(new Option('--semaphore').hideHelp())
    .option('--dry-run', "print each job's command line instead of running it")
    .option('--dryrun', 'another name for --dry-run')
    .option('--executor <kind>', 'how jobs start: helper (a small spawn helper, fastest), execa, or auto: the helper where it can run (default: auto)')
    .option('--lock <file>', 'refuse to start (exit 254) while another qrun holds this lock file (cron)')
    .option('--lock-wait <duration>', 'with --lock: wait this long for the lock before refusing (default: 0)');
}

/** The options of help's 'Output' group. */
export function outputOptions(program: Command): Command {
  return program
    .optionsGroup('Output:')
    .addOption(new Option('--output <mode>', 'group: whole job output at once; line: whole lines; ungroup: as is (default: group)'))
    .option('-u, --ungroup', 'GNU parallel\'s --output ungroup')
    .option('--line-buffer', 'GNU parallel\'s --output line')
    .option('--lb', 'another name for --line-buffer')
    .option('--group', 'GNU parallel\'s --output group (the default)')
    .option('-v', "print each job's command line on stdout, before its output")
    .option('--verbose', "print each job's command line on stderr as it starts (GNU parallel -t)")
    .option('-k, --keep-order', 'write job output in input order (group and line modes)')
    .option('--tag', "prefix each output line with the job's arguments and a tab (as GNU parallel)")
    .option('--tagstring <text>', 'prefix each output line with <text> and a tab: replacement strings work ({#} is the job number)')
    .option('--ctag', "as --tag, each job's tag on a background colour of its own (GNU parallel's colours)")
    .option('--ctagstring <text>', 'as --tagstring, in colour')
    .option('--header <:>', "the input's first line names the columns ({name}); with ::: sources, each one's first value is its name; with --pipe, : or N lines go in front of every block")
    .option('-C, --colsep <regex>', 'cut each record into columns at <regex>: the arguments {1} {2}...')
    .option('-n, --max-args <n>', 'give each job the next n records as its arguments ({} all, {1} {2}... each)')
    .option('-N, --max-replace-args <n>', 'as -n; -N0 reads one record per job and passes none of it')
    .option('-m', 'as many arguments per job as the command line holds; at the end, the last ones spread over the job slots')
    .option('-X', 'as -m, repeating each word that holds {} once per argument (pre-{}-post)')
    .option('--xargs', 'as -m, without spreading the last arguments')
    .option('-s, --max-chars <n>', 'with -m, -X, --xargs: command lines stay shorter than <n> bytes (default: 63664, as GNU parallel on Linux)')
    .option('--trim <lr>', 'with --colsep: trim spaces and tabs around columns: n (none), l, r, lr (default: lr, as GNU parallel)')
    .option('--results <dir>', "save each job's output in <dir>/1/<value>/…/{seq,stdout,stderr} (GNU's layout; replacement strings make the path), or as rows of <dir>.json/.csv/.tsv; not printed")
    .option('--results-seq <dir>', "save each job's stdout, stderr and result.json in <dir>/<seq>/, and print its output too")
    .option('--res <dir>', 'another name for --results')
    .option('--annotate <kind>', 'github: a ::error:: line per failed job; github-group: also ::group:: around job output; none (default: github when GITHUB_ACTIONS=true)');
}

/** The options of help's 'Job control' group. */
export function jobControlOptions(program: Command): Command {
  return program
    .optionsGroup('Job control:')
    .option('--joblog <file>', "write GNU parallel's job log to <file> (\"-\": stdout)")
    .option('--resume', 'skip jobs the --joblog shows as run; append to it')
    .option('--resume-failed', 'skip jobs the --joblog shows as succeeded; rerun failed ones')
    .option('--retries <n>', 'run a failed job up to n more times (default: 0)')
    .option('--retry-delay <duration>', 'wait this long before the first retry, doubling each time (default: 0)')
    .option('--halt <spec>', 'stop early: never, now|soon,fail|success|done=N or =N% (default: never)')
    .option('--halt-on-error <spec>', 'another name for --halt');
}

/** The options of help's 'Progress, summary and logging' group. */
export function reportingOptions(program: Command): Command {
  return program
    .optionsGroup('Progress, summary and logging:')
    .option('--progress', 'show a live status line on stderr (default: when stderr is a terminal and CI is unset)')
    .option('--no-progress', 'never show the status line')
    .option('--bar', 'GNU parallel\'s progress bar: --progress')
    .option('--eta', 'GNU parallel\'s estimate of the time left: --progress')
    .option('-q, --quiet', 'no summary when every job succeeded (a failed run still gets one: for cron)')
    .option('--silent', 'no summary and no notices at all, even on failure')
    .option('--summary-json <file>', 'write the summary as one JSON object to <file> ("-": stdout, after all output)')
    .option('--metrics-file <path>', 'write queue metrics to <path> as OpenMetrics text (node_exporter textfile)')
    .option('--report <file.html>', 'write an HTML report of the run (timeline, failures, run times) when it ends, however it ends')
    .option('--log-file <path>', 'append a structured NDJSON log of the run to <path>')
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace or silent (nothing logged) (default: info)');
}

/** The options of help's 'Fleet (jobs run on `qrun worker`s through Redis)' group. */
export function fleetOptions(program: Command): Command {
  return program
    .optionsGroup('Fleet (jobs run on `qrun worker`s through Redis):')
    .option('--redis <url>', 'send jobs to `qrun worker`s through this Redis (redis://, rediss://)')
    .option('--queue <name>', 'the queue the workers take jobs from (default: qrun)')
    .option('--wait-workers <duration>', 'exit 255 if no worker takes a job for this long (default: wait)')
    .option('--run-ttl <duration>', "workers stop this run's jobs when qrun has been gone this long (default: 10s)")
    .option('--reconnect-timeout <duration>', 'a lost Redis connection that is not back after this long fails the run (default: 15s)')
    .option('--redis-password-file <file>', "the Redis password, read from the file's first line (or REDISCLI_AUTH): kept out of ps, unlike one in the URL");
}

/** Collects a repeatable option's values. */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
