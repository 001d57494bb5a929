// What the bounded queue says about a run: is the input or are the workers the bottleneck?

/** One sample of the run, taken at a fixed interval. */
export interface MetricsSample {
  readonly elapsedMs: number;
  readonly queueDepth: number;
  readonly running: number;
  readonly finished: number;
  /** Jobs finished per second since the previous sample. */
  readonly jobsPerSecond: number;
  readonly producerWaitMs: number;
  readonly workerWaitMs: number;
}

/** The run's queue totals, as --summary-json and the summary report them. */
export interface QueueTotals {
  readonly queueCapacity: number;
  readonly workers: number;
  /** The deepest the queue was at a sample. */
  readonly maxQueueDepth: number;
  /** Time the producer spent waiting for room, in all. */
  readonly producerWaitMs: number;
  /** Time workers spent waiting for input, summed over workers. */
  readonly workerWaitMs: number;
  /** workerWaitMs over (workers × elapsed): the share of worker time spent starved for input. */
  readonly workerIdleRatio: number;
  readonly jobsPerSecond: number;
}

/** Counts of the run the sampler reads. */
export interface MetricsSource {
  readonly queueDepth: () => number;
  readonly running: () => number;
  readonly finished: () => number;
}

/** Accumulates the waits and samples the queue; `now` is passed in (ms, monotonic). */
export class QueueMetrics {
  private producerWaitMs = 0;
  private workerWaitMs = 0;
  private maxDepth = 0;
  private lastFinished = 0;
  private lastAt: number;

  constructor(
    private readonly now: () => number,
    private readonly startedAt: number,
    private readonly workers: number,
    private readonly capacity: number,
    private readonly source: MetricsSource,
  ) {
    this.lastAt = startedAt;
  }

  /** The producer waited this long for room in the full queue (back-pressure: workers are the bottleneck). */
  readonly producerWaited = (ms: number): void => {
    this.producerWaitMs += ms;
  };

  /** A worker waited this long for a job in the empty queue (starved: the input is the bottleneck). */
  readonly workerWaited = (ms: number): void => {
    this.workerWaitMs += ms;
  };

  /** Takes a sample now. */
  sample(): MetricsSample {
    const at = this.now();
    const depth = this.source.queueDepth();
    this.maxDepth = Math.max(this.maxDepth, depth);
    const finished = this.source.finished();
    const seconds = (at - this.lastAt) / 1000;
    const rate = seconds > 0 ? (finished - this.lastFinished) / seconds : 0;
    this.lastAt = at;
    this.lastFinished = finished;
    return {
      elapsedMs: Math.round(at - this.startedAt),
      queueDepth: depth,
      running: this.source.running(),
      finished,
      jobsPerSecond: round(rate),
      producerWaitMs: Math.round(this.producerWaitMs),
      workerWaitMs: Math.round(this.workerWaitMs),
    };
  }

  /** The totals so far. */
  totals(): QueueTotals {
    const elapsed = Math.max(1, this.now() - this.startedAt);
    return {
      queueCapacity: this.capacity,
      workers: this.workers,
      maxQueueDepth: this.maxDepth,
      producerWaitMs: Math.round(this.producerWaitMs),
      workerWaitMs: Math.round(this.workerWaitMs),
      workerIdleRatio: round(Math.min(1, this.workerWaitMs / (this.workers * elapsed))),
      jobsPerSecond: round(this.source.finished() / (elapsed / 1000)),
    };
  }
}

function round(n: number): number {
  return Math.round(n * 1000) / 1000;
}

/** The summary's line about the queue: "queue: workers idle 62% waiting for input; …". */
export function describeQueue(totals: QueueTotals): string {
  const idle = Math.round(totals.workerIdleRatio * 100);
  const producer = (totals.producerWaitMs / 1000).toFixed(1);
  const verdict = idle >= 50 ? ': the input is the bottleneck' : totals.producerWaitMs > 0 && idle < 10 ? ': the workers are the bottleneck' : '';
  return `queue: workers idle ${idle}% waiting for input, input waited ${producer}s for room (at most ${totals.maxQueueDepth} of ${totals.queueCapacity} queued)${verdict}`;
}
