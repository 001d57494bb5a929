// The script of a qrun run report (qrun report, --report): draws the model embedded in the page.
// The timeline is drawn on one canvas (a rectangle per job: fast for 100,000 jobs); the series
// are uPlot charts. What was drawn is written on <body> as data attributes, for tests.
(function () {
  'use strict';
  const started = performance.now();
  const model = JSON.parse(document.getElementById('report-data').textContent);
  const colors = ['#4c78a8', '#d62728', '#ff7f0e'];
  const width = Math.min(1400, document.body.clientWidth || 1200);

  function seconds(s) {
    if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
    if (s >= 60) return `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
    if (s >= 10) return `${s.toFixed(1)}s`;
    return `${s.toFixed(3)}s`;
  }
  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined) node.textContent = text;
    if (cls) node.className = cls;
    return node;
  }

  // Totals.
  const totals = document.getElementById('totals');
  const started_at = model.jobs > 0 ? new Date(model.startedAt * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '-';
  const boxes = [
    ['jobs', model.jobs.toLocaleString('en')],
    ['succeeded', model.succeeded.toLocaleString('en')],
    ['failed', model.failed.toLocaleString('en'), model.failed > 0 ? 'failed' : ''],
    ['killed or timed out', model.killed.toLocaleString('en'), model.killed > 0 ? 'failed' : ''],
    ['wall time', seconds(model.wallSeconds)],
    ['most at once', String(model.mostRunning)],
    ['busy (sum of run times)', seconds(model.busySeconds)],
    ['started', started_at],
  ];
  if (model.hosts.length > 1) boxes.push(['hosts', String(model.hosts.length)]);
  if (model.exitCode !== undefined && model.exitCode !== null) boxes.push(['exit status', String(model.exitCode)]);
  for (const [label, value, cls] of boxes) {
    const box = el('div', undefined, cls);
    box.append(el('b', value), label);
    totals.append(box);
  }

  // Timeline: one row per lane, hosts one after the other; failures drawn last, on top.
  const tl = model.timeline;
  const canvas = document.getElementById('timeline');
  const rowHeight = tl.lanes <= 16 ? 18 : tl.lanes <= 60 ? 10 : tl.lanes <= 200 ? 4 : tl.lanes <= 600 ? 2 : 1;
  const height = Math.max(20, Math.min(1200, tl.lanes * rowHeight));
  const scale = window.devicePixelRatio || 1;
  canvas.width = width * scale;
  canvas.height = height * scale;
  canvas.style.width = `${width}px`;
  canvas.style.height = `${height}px`;
  const ctx = canvas.getContext('2d');
  ctx.scale(scale, scale);
  const span = Math.max(1, model.wallSeconds * 1000);
  const laneHeight = height / Math.max(1, tl.lanes);
  const drawn = [0, 0, 0];
  for (const pass of [0, 2, 1]) {
    ctx.fillStyle = colors[pass];
    for (let i = 0; i < tl.detailed; i++) {
      if (tl.status[i] !== pass) continue;
      const x = (tl.start[i] / span) * width;
      const w = Math.max(pass === 0 ? 0.5 : 2, (tl.duration[i] / span) * width);
      const y = tl.lane[i] * laneHeight;
      ctx.fillRect(x, y, w, Math.max(1, laneHeight - (laneHeight > 3 ? 1 : 0)));
      drawn[pass]++;
    }
  }
  // Host boundaries and names.
  if (model.hosts.length > 1) {
    let row = 0;
    ctx.fillStyle = '#222';
    ctx.font = '11px sans-serif';
    for (let h = 0; h < model.hosts.length; h++) {
      const y = row * laneHeight;
      ctx.fillRect(0, y, width, 1);
      ctx.fillText(model.hosts[h], 4, y + 11);
      row += tl.hostLanes[h];
    }
  }
  document.getElementById('timeline-axis').textContent = `0 to ${seconds(model.wallSeconds)} from the first start, left to right; ${tl.lanes} rows`;
  if (tl.detailed < model.jobs) {
    document.getElementById('timeline-note').textContent = `The timeline shows the first ${tl.detailed.toLocaleString('en')} jobs read of ${model.jobs.toLocaleString('en')}; the counts and tables cover them all.`;
  }

  // Series over time.
  const axisTime = { stroke: '#444', values: (u, ticks) => ticks.map((t) => seconds(t)) };
  const over = model.overTime;
  new uPlot(
    {
      width,
      height: 220,
      scales: { x: { time: false } },
      axes: [axisTime, { stroke: '#444', label: 'running' }, { side: 1, stroke: '#444', label: 'finished', scale: 'finished', grid: { show: false } }],
      series: [{ label: 'seconds', value: (u, v) => (v === null ? '' : seconds(v)) }, { label: 'running', stroke: '#4c78a8', fill: 'rgba(76,120,168,0.15)', paths: uPlot.paths.stepped({ align: 1 }), points: { show: false } }, { label: 'finished', stroke: '#2ca02c', scale: 'finished', paths: uPlot.paths.stepped({ align: 1 }), points: { show: false } }],
    },
    [over.t, over.running, over.finished],
    document.getElementById('over-time'),
  );

  // The queue, from a --log-file.
  const queue = model.queue;
  if (queue) {
    document.getElementById('verdict').textContent = queue.verdict || '';
    if (queue.t.length > 0) {
      new uPlot(
        {
          width,
          height: 200,
          scales: { x: { time: false }, pct: { range: [0, 100] } },
          axes: [axisTime, { stroke: '#444', label: 'jobs' }, { side: 1, stroke: '#444', label: 'idle %', scale: 'pct', grid: { show: false } }],
          series: [
            { label: 'seconds', value: (u, v) => (v === null ? '' : seconds(v)) },
            { label: 'read ahead (queue depth)', stroke: '#9467bd' },
            { label: 'running', stroke: '#4c78a8' },
            { label: 'workers idle %', stroke: '#ff7f0e', scale: 'pct' },
          ],
        },
        [queue.t, queue.depth, queue.running, queue.idle],
        document.getElementById('queue'),
      );
    }
  } else {
    document.getElementById('queue-block').style.display = 'none';
  }

  // Run-time distribution.
  const hist = model.histogram;
  const q = model.quantiles;
  document.getElementById('quantiles').textContent = `median ${seconds(q.median)}, 90th percentile ${seconds(q.p90)}, 99th ${seconds(q.p99)}, longest ${seconds(q.max)}${hist.log ? ' (bins on a logarithmic scale)' : ''}`;
  const mids = hist.counts.map((_, i) => i);
  new uPlot(
    {
      width,
      height: 200,
      scales: { x: { time: false } },
      axes: [{ stroke: '#444', values: (u, ticks) => ticks.map((t) => (Number.isInteger(t) && hist.edges[t] !== undefined ? seconds(hist.edges[t]) : '')) }, { stroke: '#444', label: 'jobs' }],
      series: [{ label: 'from', value: (u, v) => (v === null || hist.edges[v] === undefined ? '' : `${seconds(hist.edges[v])} to ${seconds(hist.edges[v + 1])}`) }, { label: 'jobs', stroke: '#4c78a8', fill: 'rgba(76,120,168,0.5)', paths: uPlot.paths.bars({ size: [0.9, 100] }), points: { show: false } }],
    },
    [mids, hist.counts],
    document.getElementById('histogram'),
  );

  // Tables.
  function table(id, jobs) {
    const node = document.getElementById(id);
    const head = el('tr');
    for (const name of ['#', 'host', 'run time', 'exit', 'signal', 'command']) head.append(el('th', name));
    node.append(head);
    for (const job of jobs) {
      const row = el('tr');
      row.append(el('td', String(job.seq), 'num'), el('td', job.host), el('td', seconds(job.runtime), 'num'), el('td', String(job.exitval), 'num'), el('td', String(job.signal), 'num'), el('td', job.command, 'cmd'));
      node.append(row);
    }
  }
  table('slowest', model.slowest);
  table('failures', model.failures);
  const failedAll = model.failed + model.killed;
  document.getElementById('failures-note').textContent =
    failedAll === 0 ? 'No job failed.' : model.failures.length < failedAll ? `The first ${model.failures.length} of ${failedAll.toLocaleString('en')} failures, in the order they were recorded.` : `${failedAll} failed.`;

  const body = document.body;
  const box = canvas.getBoundingClientRect();
  body.dataset.timelineBox = [box.left + window.scrollX, box.top + window.scrollY, box.width, box.height].map(Math.round).join(',');
  body.dataset.drawnJobs = String(drawn[0] + drawn[1] + drawn[2]);
  body.dataset.drawnFailed = String(drawn[1]);
  body.dataset.drawnKilled = String(drawn[2]);
  body.dataset.renderMs = String(Math.round(performance.now() - started));
  body.dataset.drawn = 'yes';
})();
