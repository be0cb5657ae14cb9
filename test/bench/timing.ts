/**
 * Timing with tinybench. One tinybench sample is one call of a loop that runs the measured function
 * `repetitions` times, chosen so that a sample lasts about a millisecond: timer resolution and
 * tinybench's per-sample overhead then vanish next to the work, even for a 5 µs batch.
 * Variants of one model are measured in interleaved rounds, so a burst of noise from another process
 * on this 2-core machine hits all of them alike instead of one variant's whole measurement.
 */
import { Bench } from "tinybench";

export interface RoundOptions {
  /** Measuring time per variant and round, ms (tinybench `time`). */
  readonly timeMs: number;
  /** Warm-up time before the samples of each round, ms (tinybench `warmupTime`). */
  readonly warmupMs: number;
}

/** Milliseconds a tinybench sample should last. */
const SAMPLE_MS = 1;
/** Fewest samples per variant and round, whatever the time budget (matters for the slow naive walk). */
const MIN_SAMPLES = 3;

/** Written by every measured loop so that no compiler can prove the calls useless. */
let sink = 0;

/**
 * Runs `call` for warmupMs (so that V8 has tiered it up before anything is measured), then returns
 * how many calls make one sample of about SAMPLE_MS.
 */
export function warmUpAndCalibrate(call: () => number, warmupMs: number): number {
  const warmupEnd = performance.now() + warmupMs;
  do sink += call();
  while (performance.now() < warmupEnd);
  const start = performance.now();
  let calls = 0;
  do {
    sink += call();
    calls++;
  } while (performance.now() - start < 20 * SAMPLE_MS);
  const perCallMs = (performance.now() - start) / calls;
  return Math.max(1, Math.round(SAMPLE_MS / perCallMs));
}

/** One round: tinybench samples of `repetitions` calls, returned as µs per call. */
export function measureRound(name: string, call: () => number, repetitions: number, options: RoundOptions): number[] {
  const bench = new Bench({
    time: options.timeMs,
    warmupTime: options.warmupMs,
    iterations: MIN_SAMPLES,
    warmupIterations: 1,
    retainSamples: true,
    throws: true,
    timestampProvider: "hrtimeNow",
  });
  bench.add(name, () => {
    let total = 0;
    for (let r = 0; r < repetitions; r++) total += call();
    sink += total;
  });
  const [task] = bench.runSync();
  const result = task.result;
  if (result.state !== "completed" || !result.latency.samples) throw new Error(`tinybench did not complete ${name}: ${result.state}`);
  return Array.from(result.latency.samples, (ms) => (ms * 1000) / repetitions);
}

export interface Summary {
  readonly medianUs: number;
  readonly p25Us: number;
  readonly p75Us: number;
  readonly samples: number;
}

/** Quantile q of sorted values, linearly interpolated between order statistics. */
function quantile(sorted: readonly number[], q: number): number {
  const position = (sorted.length - 1) * q;
  const below = Math.floor(position);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below] + (sorted[above] - sorted[below]) * (position - below);
}

export function median(values: readonly number[]): number {
  return quantile([...values].sort((a, b) => a - b), 0.5);
}

export function summarize(samplesUs: readonly number[]): Summary {
  const sorted = [...samplesUs].sort((a, b) => a - b);
  return { medianUs: quantile(sorted, 0.5), p25Us: quantile(sorted, 0.25), p75Us: quantile(sorted, 0.75), samples: sorted.length };
}
