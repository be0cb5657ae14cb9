/**
 * A/B of the emitter: each shipped model's committed module (generated/, from the last `npm run
 * generate`) against what the current generator emits for it (written to out/emitter-ab/), with the
 * hand-written reference as the common bar, in the same process on the bench data: checked to agree
 * (1e-12 relative), then timed in interleaved rounds. Use it to measure an emitter change before
 * regenerating. For the MLPs it also times the floor no backprop of the model can go below: the
 * Math.tanh calls of the hidden layers alone (one per hidden unit and row, as every variant makes),
 * which bounds the speed-up over the hand loop any emitter can reach.
 *
 *   npx tsx test/bench/emitter-ab.ts [--only mlp_2_16_16_1,mlp_2_64_64_1] [--rounds 5]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { compileModel } from "../../generator/compile.ts";
import { formatTypeScript } from "../../generator/emit/format.ts";
import { emitModule } from "../../generator/emit/module.ts";
import type { GeneratedModel } from "../../src/contract.ts";
import { benchCases } from "./cases.ts";
import { formatTable, significant } from "./table.ts";
import { measureRound, median, summarize, warmUpAndCalibrate } from "./timing.ts";

const { values } = parseArgs({ options: { only: { type: "string", default: "mlp_2_16_16_1,mlp_2_64_64_1" }, rounds: { type: "string", default: "5" } } });
const rounds = Number(values.rounds);
const dir = resolve("out/emitter-ab");
mkdirSync(dir, { recursive: true });

/** Math.tanh of every hidden unit for every row (of an MLP with these layer sizes), and nothing else. */
function tanhFloor(layers: readonly number[], rows: number): () => number {
  const calls = layers.slice(1, -1).reduce((sum, units) => sum + units, 0) * rows;
  const z = Float64Array.from({ length: calls }, (_, k) => 2 * Math.sin(k));
  const a = new Float64Array(calls);
  return () => {
    for (let k = 0; k < calls; k++) a[k] = Math.tanh(z[k]);
    return a[calls - 1];
  };
}

const rows: string[][] = [];
for (const c of benchCases(values.only.split(","))) {
  const file = join(dir, `${c.name}.ts`);
  writeFileSync(file, await formatTypeScript(emitModule(compileModel(c.definition))));
  const current = (await import(pathToFileURL(file).href)) as GeneratedModel;
  const functions = [c.module.lossAndGradient, current.lossAndGradient, c.reference];
  const results = functions.map((f) => {
    const grad = new Float64Array(c.params.length);
    return [f(c.params, c.data.X, c.data.Y, grad), ...grad];
  });
  const scale = Math.max(...results[0].map(Math.abs));
  const worst = Math.max(...results[1].map((x, k) => Math.abs(x - results[0][k]) / scale));
  if (!(worst <= 1e-12)) throw new Error(`${c.name}: the current emitter's module disagrees with generated/ (${worst})`);
  const grad = new Float64Array(c.params.length);
  const floor = tanhFloor(c.tfjs?.layers ?? [], c.data.n);
  const variants = [...functions, floor].map((f) => {
    const call = () => f(c.params, c.data.X, c.data.Y, grad);
    return { call, repetitions: warmUpAndCalibrate(call, 1000), medians: [] as number[] };
  });
  for (let r = 0; r < rounds; r++) {
    for (const v of variants) v.medians.push(summarize(measureRound(c.name, v.call, v.repetitions, { timeMs: 150, warmupMs: 50 })).medianUs);
  }
  const ratio = (a: number, b: number) => median(variants[a].medians.map((m, r) => m / variants[b].medians[r]));
  rows.push([
    c.name,
    ...variants.map((v) => significant(median(v.medians), 4)),
    ...[[1, 0], [2, 0], [2, 1], [2, 3]].map(([a, b]) => `${significant(ratio(a, b), 3)}×`),
  ]);
  console.error(rows[rows.length - 1].join("  "));
}
console.log(formatTable(
  ["model", "generated/ µs", "current µs", "hand µs", "tanh floor µs", "current / generated/", "hand / generated/", "hand / current", "hand / floor"],
  rows,
));
