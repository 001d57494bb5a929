// How records become jobs beyond one per record: --pipe/--pipe-part blocks, and -m/-X/--xargs
// filling command lines; each checked against what cannot go with it.

import { UsageError } from '../errors.js';
import type { ArgSource } from '../input/arg-sources.js';
import type { FillSettings, PipeOptions } from '../run-options.js';

/** --pipe and --pipe-part, checked against what cannot go with them. */
export function pipeOptions(o: {
  pipe?: boolean | undefined;
  pipePart?: boolean | undefined;
  block?: number | undefined;
  recstart?: string | undefined;
  recend?: string | undefined;
  maxArgs?: number | undefined;
  maxReplaceArgs?: number | undefined;
  ndjson?: boolean | undefined;
  sources?: readonly ArgSource[] | undefined;
  command?: readonly string[] | undefined;
  redis?: string | undefined;
  argFile?: readonly string[] | undefined;
}): PipeOptions | undefined {
  const name = o.pipePart === true ? '--pipe-part' : '--pipe';
  if (o.pipe !== true && o.pipePart !== true) {
    for (const [flagName, value] of [['--block', o.block], ['--recstart', o.recstart], ['--recend', o.recend]] as const) {
      if (value !== undefined) throw new UsageError(`${flagName} needs --pipe or --pipe-part`);
    }
    return undefined;
  }
  if ((o.command?.length ?? 0) === 0) throw new UsageError(`${name} needs a command to give each block to, e.g. qrun ${name} wc -l`);
  if (o.ndjson === true) throw new UsageError(`${name} gives jobs blocks of input; --ndjson records are jobs of their own`);
  if ((o.sources?.length ?? 0) > 0) throw new UsageError(`${name} reads blocks from stdin or -a files; ::: and :::: input sources cannot be used with it`);
  if (o.redis !== undefined) throw new UsageError(`${name} cannot be used with --redis: a worker on another machine cannot read this machine's blocks`);
  if (o.pipePart === true && (o.argFile?.length ?? 0) === 0) throw new UsageError('--pipe-part needs -a <file>: the file whose parts the jobs read');
  if (o.block !== undefined && o.block < 0 && o.pipePart !== true) throw new UsageError(`--block must be 1 byte or more with --pipe (a negative --block is for --pipe-part), got ${o.block}`);
  const records = o.maxReplaceArgs ?? o.maxArgs;
  if (records === 0) throw new UsageError(`-N0 cannot be used with ${name}: a block holds 1 record or more`);
  if (o.pipePart === true && records !== undefined) throw new UsageError('-N cannot be used with --pipe-part (its parts are cut by size); use --pipe');
  // Neither given: records end at a newline (GNU parallel's default).
  const both = o.recstart === undefined && o.recend === undefined;
  return {
    mode: o.pipePart === true ? 'part' : 'pipe',
    blockSize: o.block,
    recstart: o.recstart ?? '',
    recend: both ? '\n' : (o.recend ?? ''),
    records,
  };
}

/** Linux's limit on one exec argument (MAX_ARG_STRLEN, with its NUL): the whole command line goes to sh -c as one. */
const argumentLimit = 131_072;
/**
 * -s by default, GNU parallel's own on Linux: the longest command line its probe finds (that limit
 * less 743 bytes of its wrapping: 130,329, `parallel --max-line-length-allowed`), less 3,000 for
 * wrapping, halved for hexing: 63,664 (`parallel --show-limits`). The same default, the same jobs.
 */
export const defaultMaxChars = Math.floor((argumentLimit - 743 - 3000) / 2);

/** -m, -X, --xargs and -s. */
export function fillOptions(o: { m?: boolean | undefined; X?: boolean | undefined; xargs?: boolean | undefined; maxChars?: number | undefined; maxArgs?: number | undefined; maxReplaceArgs?: number | undefined; pipe?: boolean | undefined; pipePart?: boolean | undefined; ndjson?: boolean | undefined }): FillSettings | undefined {
  const given = [o.m === true && '-m', o.X === true && '-X', o.xargs === true && '--xargs'].filter((name): name is string => name !== false);
  if (given.length === 0) {
    if (o.maxChars !== undefined) throw new UsageError('-s limits the command lines of -m, -X or --xargs; give one of them');
    return undefined;
  }
  const name = given[0] as string;
  if (given.length > 1) throw new UsageError(`${given.join(' and ')} both set how arguments fill a job; give one`);
  if (o.pipe === true || o.pipePart === true) throw new UsageError(`${name} fills command lines with arguments; --pipe jobs get blocks of input instead`);
  if (o.ndjson === true) throw new UsageError(`${name} fills command lines with arguments; --ndjson records are one job each`);
  if (o.maxChars !== undefined && o.maxChars >= argumentLimit) throw new UsageError(`-s must be less than ${argumentLimit} (Linux's limit on one argument: the command line goes to sh -c whole), got ${o.maxChars}`);
  return { mode: o.X === true ? 'context' : o.xargs === true ? 'xargs' : 'multi', maxChars: o.maxChars ?? defaultMaxChars, maxArgs: o.maxArgs ?? (o.maxReplaceArgs === 0 ? undefined : o.maxReplaceArgs) };
}
