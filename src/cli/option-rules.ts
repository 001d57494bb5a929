// The rules between options: which cannot be given together, which need another, which GNU
// parallel spellings qrun does not build, and which output mode the spellings ask for.

import { UsageError } from '../errors.js';
import type { OutputMode } from '../output/output-sink.js';
import type { ParsedOptions } from './option-schema.js';

/** --output, or GNU parallel's -u/--ungroup, --line-buffer/--lb, --group (one of them). */
export function outputMode(o: ParsedOptions): OutputMode {
  const asked = [
    ...(o.output === undefined ? [] : [['--output', o.output] as const]),
    ...(o.ungroup === true ? [['--ungroup', 'ungroup'] as const] : []),
    ...(o.lineBuffer === true ? [['--line-buffer', 'line'] as const] : []),
    ...(o.lb === true ? [['--lb', 'line'] as const] : []),
    ...(o.group === true ? [['--group', 'group'] as const] : []),
  ];
  const [first, other] = [asked[0], asked.find(([, mode]) => mode !== asked[0]?.[1])];
  if (first !== undefined && other !== undefined) throw new UsageError(`${first[0]} and ${other[0]} ask for different output modes; give one`);
  return first?.[1] ?? 'group';
}

/** GNU parallel's options that qrun does not build: one line each, saying what to use instead. */
export function refuseNotBuilt(o: ParsedOptions): void {
  const reasons: [unknown, string][] = [
    [o.semaphore ?? o.fg, `--${o.semaphore !== undefined ? 'semaphore' : 'fg'} is for GNU parallel's sem, with sem's options only: qrun sem [--fg] [--id name] [-j n] command (or qrun --semaphore …)`],
  ];
  // A Perl expression would otherwise be run as text: `{= s/a/b/ =}`, `{=2 uc =}`.
  const perl = [o.tagstring ?? o.ctagstring ?? '', o.results ?? o.res ?? ''].find((word) => /\{=[^]*=\}/.test(word));
  reasons.push([perl, `{= perl expression =} works in the command, not in --tagstring or --results (got '${perl ?? ''}')`]);
  const measured = o.m === true || o.X === true || o.xargs === true;
  const perlFill = measured && (o.plus === true || o.rpl !== undefined || (o.command ?? []).some((word) => /\{=[^]*=\}/.test(word)));
  reasons.push([perlFill || undefined, '{= perl expression =} (and --plus, --rpl) with -m, -X or --xargs is not built (the line length is known only once Perl has run)']);
  const refused = reasons.find(([given]) => given !== undefined && given !== false);
  if (refused !== undefined) throw new UsageError(refused[1]);
}

/** Options that cannot be given together, or one without the other it needs: a UsageError naming them. */
export function refuseConflicts(o: ParsedOptions): void {
  if (o.resume === true && o.resumeFailed === true) throw new UsageError('--resume and --resume-failed cannot be used together');
  if ((o.resume === true || o.resumeFailed === true) && o.joblog === undefined) {
    throw new UsageError(`${o.resume === true ? '--resume' : '--resume-failed'} needs --joblog <file> (the log of the run to resume)`);
  }
  if (o.maxArgs !== undefined && o.maxReplaceArgs !== undefined) throw new UsageError('-n and -N both set how many arguments a job takes; give one');
  if (o.ndjson === true && (o.maxArgs !== undefined || o.maxReplaceArgs !== undefined)) throw new UsageError('-n and -N group plain records; --ndjson records are one job each');
  if (o.header !== undefined && o.ndjson === true) throw new UsageError('--header names columns of plain records or input sources; it cannot be used with --ndjson');
  if (o.shuf === true && (o.pipe === true || o.pipePart === true)) throw new UsageError(`--shuf shuffles jobs; ${o.pipe === true ? '--pipe' : '--pipe-part'} blocks keep the input's order`);
  if (o.shuf === true && (o.resume === true || o.resumeFailed === true)) {
    throw new UsageError(`--shuf numbers jobs in a new random order each run, so ${o.resume === true ? '--resume' : '--resume-failed'} could not tell which are done`);
  }
  if (o.ndjson === true && o.colsep !== undefined) throw new UsageError('--colsep cuts plain records into columns; --ndjson records have fields');
  if (o.ndjson === true && (o.sources?.length ?? 0) > 0) {
    throw new UsageError('--ndjson reads records from stdin or -a files; ::: and :::: input sources cannot be used with it');
  }
  if (o.halt !== undefined && o.haltOnError !== undefined) throw new UsageError('--halt-on-error is another name for --halt; give one');
  if (o.results !== undefined && o.res !== undefined) throw new UsageError('--res is another name for --results; give one');
  if (o.resultsSeq !== undefined && (o.results ?? o.res) !== undefined) throw new UsageError('--results-seq and --results both say where results go; give one');
  if (o.resultsSeq !== undefined && /\.(json|csv|tsv)$/i.test(o.resultsSeq)) throw new UsageError(`--results-seq takes a directory; for a table give --results ${o.resultsSeq}`);
  if (o.output === 'ungroup' && o.keepOrder === true) {
    throw new UsageError('--keep-order cannot be used with --output ungroup (ungrouped output has no order to keep)');
  }
  if (o.output === 'ungroup' && o.progress === true) {
    throw new UsageError('--progress cannot be used with --output ungroup (jobs write straight to the terminal)');
  }
  if (o.termSeq !== undefined && o.killAfter !== undefined) throw new UsageError('--kill-after is a short form of --term-seq TERM,<ms>,KILL; give one');
  if (o.block !== undefined && o.blockSize !== undefined) throw new UsageError('--block-size is another name for --block; give one');
  if (o.memfree !== undefined && o.memfree < 0) throw new UsageError(`--memfree must be a size of 1 byte or more, got ${o.memfree}`);
  if ((o.load !== undefined || o.memfree !== undefined) && o.redis !== undefined) {
    throw new UsageError(`${o.load !== undefined ? '--load' : '--memfree'} watches this machine; with --redis jobs run on the workers' machines (give it to qrun worker)`);
  }
}
