// Bundles the CLI into dist/bundle/ (one ESM file plus lazily loaded chunks for ora and pino):
// loading one file instead of hundreds of modules is most of qrun's start-up time.
import { rmSync } from 'node:fs';
import { build } from 'esbuild';

// Chunk names change with their content: start from an empty directory, or old ones pile up.
rmSync('dist/bundle', { recursive: true, force: true });

await build({
  entryPoints: ['src/cli/cli.ts'],
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node20',
  splitting: true,
  outdir: 'dist/bundle',
  outExtension: { '.js': '.mjs' },
  logLevel: 'warning',
  // The fleet mode's Redis client and queue load from node_modules, only when used.
  external: ['bullmq', 'ioredis'],
  // Bundled CommonJS dependencies (commander) call require() for Node's own modules.
  banner: { js: "import { createRequire as __qrunRequire } from 'node:module'; const require = __qrunRequire(import.meta.url);" },
});
