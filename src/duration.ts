// Parses human durations ("500ms", "30s", "5m", "1h", bare number = seconds) into milliseconds.

const units: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const pattern = /^(\d+(?:\.\d+)?|\.\d+)\s*(ms|s|m|h)?$/;

/** Milliseconds for a duration string, or undefined when it is not one (or is not finite). */
export function parseDuration(text: string): number | undefined {
  const match = pattern.exec(text.trim());
  if (!match) return undefined;
  const value = Number(match[1]) * (units[match[2] ?? 's'] ?? 1000);
  if (!Number.isFinite(value) || value > 2 ** 31 - 1) return undefined;
  return Math.round(value);
}

/** "1.25s", "300ms", "2m05s": a short human rendering of a span of milliseconds. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.round((ms % 60_000) / 1000);
  return `${minutes}m${String(seconds).padStart(2, '0')}s`;
}
