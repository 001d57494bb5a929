// Parses human durations ("500ms", "30s", "5m", "1h", bare number = seconds) into milliseconds.

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const pattern = /^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h)?$/;

/** The longest duration a timer can hold (Node fires a longer one after 1 ms): about 24.8 days. */
export const maxDurationMs = 2 ** 31 - 1;

/** Milliseconds for a duration string, or undefined when it is not one (or is over the bound). */
export function parseDuration(text: string): number | undefined {
  const match = pattern.exec(text.trim());
  if (!match) return undefined;
  return bounded(Number(match[1]) * (units[match[2] ?? 's'] ?? 1000));
}

/**
 * The one duration validator of every path (options, QRUN_* variables, NDJSON records, the
 * library): a string as parseDuration, or a number of seconds. Undefined when it is neither,
 * negative, or longer than maxDurationMs.
 */
export function toDurationMs(value: unknown): number | undefined {
  if (typeof value === 'string') return parseDuration(value);
  if (typeof value === 'number' && value >= 0) return bounded(value * 1000);
  return undefined;
}

function bounded(ms: number): number | undefined {
  if (!Number.isFinite(ms) || ms > maxDurationMs) return undefined;
  return Math.round(ms);
}

/** "1.25s", "300ms", "2m05s": a short human rendering of a span of milliseconds. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}
