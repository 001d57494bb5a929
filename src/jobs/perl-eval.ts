// {= perl expression =}: GNU parallel's replacement strings written in Perl, run by the system's
// perl (every Debian and macOS has one). Each expression changes `$_`, which starts as the value
// ({} or the N-th argument); seq() and slot() are the job's number and slot, Q() quotes for the
// shell. One perl process evaluates all of a job's expressions as its command line is made.

import { spawnSync } from 'node:child_process';
import { decodeBytes, encodeText } from '../byte-text.js';
import { UsageError } from '../errors.js';
import { findProgram } from '../find-program.js';
import { argAt, type PerlValues, type Template } from './template.js';

/** Reads NUL-separated fields: seq, slot, then pairs of expression and value; writes each result and a NUL. */
const evaluator = String.raw`
binmode STDIN; binmode STDOUT; local $/ = "\0";
my @f = <STDIN>; chomp @f;
our ($seq, $slot, $total) = (shift @f, shift @f, shift @f);
sub seq { $seq } sub slot { $slot } sub total_jobs { $total }
# --plus's {#x} and {%x}: the regular expression x with each quantifier made lazy (x*? for x*).
sub make_regexp_ungreedy { my ($in, $out, $class, $escape, $after) = (shift, '', 0, 0, 0);
  for my $c (split //, $in) {
    $out .= '?' if $after && $c ne '?'; $after = 0; $out .= $c;
    if ($escape) { $escape = 0; next } if ($c eq '\\') { $escape = 1; next }
    if ($class) { $class = 0 if $c eq ']'; next } if ($c eq '[') { $class = 1; next }
    $after = 1 if $c =~ /[*+}]/;
  }
  $after ? "$out?" : $out }
sub Q { my $s = shift; return "''" if $s eq ''; return $s if $s !~ m{[^-_.+a-zA-Z0-9/]}; $s =~ s/'/'"'"'/g; $s = "'$s'"; $s =~ s/^''//; $s =~ s/''$//; $s }
my %compiled;
while (@f >= 2) {
  my ($code, $value) = (shift @f, shift @f);
  my $sub = $compiled{$code} //= eval("sub { $code\n; }") // die "$@";
  local $_ = $value;
  $sub->();
  print $_, "\0";
}
`;

/** Compiles every expression once: a missing perl or an expression Perl cannot compile is a UsageError. */
export function checkPerl(codes: readonly string[], path: string | undefined): void {
  if (codes.length === 0) return;
  if (findProgram('perl', path) === undefined) throw new UsageError(`{=${codes[0]}=} needs perl, which is not on PATH (GNU parallel runs these replacement strings in Perl)`);
  for (const code of codes) {
    const compiled = spawnSync('perl', ['-e', 'eval("sub { $ARGV[0]\\n; }") // do { print STDERR $@; exit 1 }', code], { encoding: 'utf8' });
    if (compiled.status !== 0) throw new UsageError(`{=${code}=}: perl cannot compile it: ${(compiled.stderr || compiled.error?.message || '').trim().split('\n')[0]}`);
  }
}

/** The Perl expressions of a template, each once. */
export function perlCodes(template: Template): string[] {
  const codes = new Set<string>();
  for (const part of template) if ('field' in part && part.field.kind === 'value' && typeof part.field.modifier === 'object') codes.add(part.field.modifier.perl);
  return [...codes];
}

/** Evaluates every expression of `template` on the values it takes for this job; throws (qrun's failure) when perl does. */
export function evaluatePerl(template: Template, args: readonly string[], seq: number, slot: number, total?: number): PerlValues {
  const pairs: [string, string][] = [];
  for (const part of template) {
    if (!('field' in part) || part.field.kind !== 'value' || typeof part.field.modifier !== 'object') continue;
    const { position } = part.field;
    const values = position === undefined ? args : [argAt(args, position)].filter((value) => value !== undefined);
    for (const value of values) pairs.push([part.field.modifier.perl, value]);
  }
  const input = [String(seq), String(slot), total === undefined ? '' : String(total), ...pairs.flat()].map((field) => `${field}\0`).join('');
  const ran = spawnSync('perl', ['-e', evaluator], { input: encodeText(input), maxBuffer: 64 * 1024 * 1024 });
  if (ran.status !== 0) throw new Error(`{= perl =} failed for job #${seq}: ${(ran.stderr?.toString() || ran.error?.message || `perl exited with ${ran.status}`).trim().split('\n')[0]}`);
  const results = decodeBytes(ran.stdout).split('\0');
  const found = new Map<string, string>();
  pairs.forEach(([code, value], i) => found.set(`${code}\0${value}`, results[i] ?? ''));
  return (code, value) => found.get(`${code}\0${value}`) ?? value;
}
