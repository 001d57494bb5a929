// The report as one self-contained HTML page: the model as JSON, the charting library (uPlot)
// and the page's own script inline, and a policy that forbids the page any fetch.

import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ReportModel } from './report-model.js';

/** The page's parts read from qrun's installation: uPlot (script and style) and the page script. */
export interface PageAssets {
  readonly chartScript: string;
  readonly chartStyle: string;
  readonly pageScript: string;
}

/** Reads the assets once: uPlot from its package, the page script from qrun's `assets/`. */
export function loadPageAssets(): PageAssets {
  const require = createRequire(import.meta.url);
  const chartScript = readFileSync(require.resolve('uplot/dist/uPlot.iife.min.js'), 'utf8');
  const chartStyle = readFileSync(require.resolve('uplot/dist/uPlot.min.css'), 'utf8');
  return { chartScript, chartStyle, pageScript: readFileSync(findAsset('report-page.js'), 'utf8') };
}

/** `assets/<name>` in qrun's package, found by walking up from this module (dist/bundle/ or dist/src/…). */
function findAsset(name: string): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (let up = 0; up < 6; up++) {
    const path = join(dir, 'assets', name);
    if (existsSync(path)) return path;
    dir = dirname(dir);
  }
  throw new Error(`assets/${name} is not in this installation`);
}

/** The whole page. */
export function reportHtml(model: ReportModel, assets: PageAssets): string {
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(model.title)}</title>
<style>${assets.chartStyle}
${pageStyle}</style>
</head>
<body>
<h1>${escapeHtml(model.title)}</h1>
<div id="totals"></div>
<h2>Timeline <small>one row per job running at once, per host; failures red, killed or timed out orange</small></h2>
<div id="timeline-note" class="note"></div>
<canvas id="timeline"></canvas>
<div id="timeline-axis" class="note"></div>
<h2>Jobs over time</h2>
<div id="over-time"></div>
<div id="queue-block"><h2>The queue <small>from the --log-file</small></h2><div id="verdict" class="verdict"></div><div id="queue"></div></div>
<h2>Run times</h2>
<div id="quantiles" class="note"></div>
<div id="histogram"></div>
<h2>Slowest jobs</h2>
<table id="slowest"></table>
<h2>Failures</h2>
<div id="failures-note" class="note"></div>
<table id="failures"></table>
<footer>made by qrun report</footer>
<script>${assets.chartScript.replaceAll('</script', '<\\/script')}</script>
<script id="report-data" type="application/json">${jsonForScript(model)}</script>
<script>${assets.pageScript.replaceAll('</script', '<\\/script')}</script>
</body>
</html>
`;
}

const pageStyle = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 24px; color: #222; max-width: 1400px; }
h1 { font-size: 20px; margin: 0 0 12px; word-break: break-all; }
h2 { font-size: 16px; margin: 28px 0 8px; }
h2 small { font-weight: normal; color: #666; }
#totals { display: flex; flex-wrap: wrap; gap: 8px 24px; }
#totals div { min-width: 110px; }
#totals b { display: block; font-size: 20px; }
.failed b { color: #d62728; }
.note { color: #555; margin: 4px 0; }
.verdict { font-weight: bold; margin: 4px 0 8px; }
canvas#timeline { border: 1px solid #ddd; display: block; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid #eee; vertical-align: top; }
td.num { text-align: right; white-space: nowrap; }
td.cmd { font-family: ui-monospace, monospace; white-space: pre-wrap; word-break: break-all; }
footer { margin-top: 32px; color: #999; font-size: 12px; }
`;

/** JSON that cannot end the script element it sits in, nor open a comment in it. */
function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replaceAll('<', '\\u003c').replaceAll('\u2028', '\\u2028').replaceAll('\u2029', '\\u2029');
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
