/**
 * `train --workers N` speed: full-batch gradient descent on 100,000 rows of 2-64-64-1 (two moons),
 * epochs per second with 1 worker (the main thread itself) and N workers, measured back to back in
 * rounds in one process (alternating which goes first), so the ratio is fair on a shared machine.
 * Worker start-up is timed apart: it is paid once per run, not per epoch.
 *
 * It also reports the process's CPU time per epoch, and CPU time / wall time. On a machine that others
 * load, the kernel shares CPU between sessions (autogroup), so a process gets about the same CPU time per
 * second however many threads it runs, and no wall-clock speed-up can show; CPU per epoch then still
 * says whether the workers add work (their per-step round trip, the summation).
 *
 *   npm run bench:workers [-- --rows 100000 --epochs 3 --rounds 5 --workers 2]
 */
import { parseArgs } from "node:util";
import * as model from "../../generated/mlp_2_64_64_1.ts";
import { moons } from "../../src/data.ts";
import { randomParams } from "../../src/init.ts";
import { startWorkers } from "../../src/parallel/train.ts";
import { train } from "../../src/train.ts";

const { values } = parseArgs({
  options: {
    rows: { type: "string", default: "100000" },
    epochs: { type: "string", default: "3" },
    rounds: { type: "string", default: "5" },
    workers: { type: "string", default: "2" },
  },
});
const rows = Number(values.rows);
const epochs = Number(values.epochs);
const rounds = Number(values.rounds);
const workers = Number(values.workers);

const data = moons({ n: rows / 2, seed: 1 });
const init = randomParams(model.PARAM_NAMES, 1);
const options = { optimizer: "gd" as const, lr: 0.1, epochs };

let started = performance.now();
const parallel = startWorkers(model, data, workers);
const startupSeconds = (performance.now() - started) / 1000;

interface Timing {
  epochsPerSecond: number;
  /** Process CPU seconds (all threads) per epoch. */
  cpuPerEpoch: number;
  /** CPU seconds per wall second: how many cores the process actually got. */
  cores: number;
}

/** One training run of `epochs` full-batch epochs, on this thread or on the workers. */
function time(parallelRun: boolean): Timing {
  const cpu = process.cpuUsage();
  started = performance.now();
  const result = parallelRun ? train(parallel.model, parallel.data, init, options) : train(model, data, init, options);
  const wall = (performance.now() - started) / 1000;
  const { user, system } = process.cpuUsage(cpu);
  if (result.epochs !== epochs) throw new Error(`stopped early: ${result.message}`);
  const cpuSeconds = (user + system) / 1e6;
  return { epochsPerSecond: epochs / wall, cpuPerEpoch: cpuSeconds / epochs, cores: cpuSeconds / wall };
}

const describe = (t: Timing) => `${t.epochsPerSecond.toFixed(3)} epochs/s (CPU ${t.cpuPerEpoch.toFixed(2)} s/epoch on ${t.cores.toFixed(2)} cores)`;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  console.log(`${model.MODEL.name}, ${data.n.toLocaleString("en-US")} rows, full-batch gd, ${epochs} epochs per run, ${rounds} rounds`);
  console.log(`worker start-up (${workers} workers, once per run): ${startupSeconds.toFixed(2)} s`);
  time(false); // warm-up: both paths optimized before timing
  time(true);
  const ratios: number[] = [];
  const cpuRatios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const singleFirst = round % 2 === 0;
    const before = singleFirst ? time(false) : undefined;
    const multi = time(true);
    const single = before ?? time(false);
    ratios.push(multi.epochsPerSecond / single.epochsPerSecond);
    cpuRatios.push(multi.cpuPerEpoch / single.cpuPerEpoch);
    console.log(`round ${round + 1}: 1 thread ${describe(single)}; ${workers} workers ${describe(multi)}; speed-up ${ratios[round].toFixed(2)}×`);
  }
  console.log(
    `median speed-up ${median(ratios).toFixed(2)}× (range ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×); ` +
      `CPU per epoch, ${workers} workers / 1 thread: ${median(cpuRatios).toFixed(2)}`,
  );
} finally {
  parallel.close();
}
