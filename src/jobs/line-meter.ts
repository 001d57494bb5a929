// -m, -X, -s: how long a job's command line gets as arguments are added, counted exactly as GNU
// parallel 20221122 counts it (so the same -s cuts the arguments into the same jobs).

import { argAt, quotedValue, type Field, type Template, type TemplatePart } from './template.js';

type FieldPart = Extract<TemplatePart, { field: Field }>;

/** A job's command line being filled: records are pushed (and the last one taken back) one by one. */
export interface LineMeter {
  push(record: readonly string[], seq: number): void;
  pop(record: readonly string[], seq: number): void;
  reset(): void;
  /** The command line's length in bytes as GNU parallel reckons it. */
  length(): number;
}

/** GNU parallel's \\S: anything but space, \\t \\n \\r \\f \\v. */
const contextWord = /[^ \t\n\r\f\v]*\0[^ \t\n\r\f\v]*/g;

/**
 * A meter for `template`. GNU parallel's reckoning: the text around the replacement strings
 * (words holding one are "context", repeated per argument with -X), plus, for each distinct
 * replacement string, the lengths of the values it takes (each argument's for `{}`, the record's
 * own column for `{n}` and `{#}`) and a space between arguments, times its uses.
 */
export function lineMeter(template: Template, contextReplace: boolean): LineMeter {
  const skeleton = template.map((part) => ('text' in part ? part.text : '\0')).join('');
  let context = 0;
  let groups = 0;
  let contextText = 0;
  for (const match of skeleton.matchAll(contextWord)) {
    context += Buffer.byteLength(match[0].replaceAll('\0', ''));
    contextText += Buffer.byteLength(match[0]);
    groups++;
  }
  const noncontext = Buffer.byteLength(skeleton) - contextText;
  // Distinct replacement strings, with how often each is used.
  const distinct = new Map<string, { part: FieldPart; uses: number; length: number }>();
  for (const part of template) {
    if (!('field' in part)) continue;
    const key = JSON.stringify([part.field, part.quoting]);
    const seen = distinct.get(key);
    if (seen) seen.uses++;
    else distinct.set(key, { part, uses: 1, length: 0 });
  }
  let records = 0;
  const valueLength = (part: FieldPart, record: readonly string[], seq: number): number => {
    const { field } = part;
    if (field.kind === 'value' && field.position === undefined) return record.reduce((sum, value) => sum + Buffer.byteLength(quotedValue(part, value)), 0);
    // Positional, {#} and {%} (GNU parallel's {= 1 … =}): from the record's own column.
    const column = field.kind === 'value' ? argAt(record, field.position ?? 1) : record[0];
    if (column === undefined) return 0;
    const value = field.kind === 'seq' ? String(seq) : field.kind === 'slot' ? '1' : column;
    return Buffer.byteLength(quotedValue(part, value));
  };
  return {
    push: (record, seq) => {
      records++;
      for (const entry of distinct.values()) entry.length += valueLength(entry.part, record, seq);
    },
    pop: (record, seq) => {
      records--;
      for (const entry of distinct.values()) entry.length -= valueLength(entry.part, record, seq);
    },
    reset: () => {
      records = 0;
      for (const entry of distinct.values()) entry.length = 0;
    },
    length: () => {
      let length = noncontext;
      if (contextReplace) {
        length += records * context + (records - 1) * groups;
        for (const entry of distinct.values()) length += entry.length * entry.uses;
      } else {
        length += context;
        for (const entry of distinct.values()) length += (records - 1 + entry.length) * entry.uses;
      }
      return length;
    },
  };
}
