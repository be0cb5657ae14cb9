/**
 * `train --workers N` speed: full-batch gradient descent on 100,000 rows of 2-64-64-1 (two moons),
 * epochs per second with 1 worker (the main thread itself) and N workers, measured back to back in
 * rounds in one process (alternating which goes first), so the ratio is fair on a shared machine.
 * Worker start-up is timed apart: it is paid once per run, not per epoch.
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

/** Epochs per second of one training run of `epochs` full-batch epochs. */
function epochsPerSecond(parallelRun: boolean): number {
  started = performance.now();
  const result = parallelRun ? train(parallel.model, parallel.data, init, options) : train(model, data, init, options);
  if (result.epochs !== epochs) throw new Error(`stopped early: ${result.message}`);
  return epochs / ((performance.now() - started) / 1000);
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

try {
  console.log(`${model.MODEL.name}, ${data.n.toLocaleString("en-US")} rows, full-batch gd, ${epochs} epochs per run, ${rounds} rounds`);
  console.log(`worker start-up (${workers} workers, once per run): ${startupSeconds.toFixed(2)} s`);
  epochsPerSecond(false); // warm-up: both paths optimized before timing
  epochsPerSecond(true);
  const single: number[] = [];
  const multi: number[] = [];
  const ratios: number[] = [];
  for (let round = 0; round < rounds; round++) {
    const first = round % 2 === 0;
    const a = first ? epochsPerSecond(false) : 0;
    const b = epochsPerSecond(true);
    const c = first ? a : epochsPerSecond(false);
    single.push(c);
    multi.push(b);
    ratios.push(b / c);
    console.log(`round ${round + 1}: 1 thread ${c.toFixed(3)} epochs/s, ${workers} workers ${b.toFixed(3)} epochs/s, speed-up ${(b / c).toFixed(2)}×`);
  }
  console.log(
    `median: 1 thread ${median(single).toFixed(3)} epochs/s, ${workers} workers ${median(multi).toFixed(3)} epochs/s, ` +
      `speed-up ${median(ratios).toFixed(2)}× (range ${Math.min(...ratios).toFixed(2)}–${Math.max(...ratios).toFixed(2)}×)`,
  );
} finally {
  parallel.close();
}
