/**
 * The crossover between the two emission strategies (generator/compile.ts, LOOP_MIN_WIDTH): tanh
 * MLPs (sigmoid output, BCE), each emitted unrolled and as loops, and the hand-written loop backprop
 * (reference-mlp.ts) as the common bar, timed in the same process on the seed's 200-sample data after a
 * 2 s warm-up each, interleaved rounds, median of per-round ratios.
 *
 *   npx tsx test/bench/crossover.ts [--models 2-2-1,2-4-4-1,2-8-8-1,2-16-1,2-16-16-1,2-24-24-1,2-32-32-1] [--rounds 5]
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { compileModel, type Strategy } from "../../generator/compile.ts";
import { formatTypeScript } from "../../generator/emit/format.ts";
import { emitModule } from "../../generator/emit/module.ts";
import { defineModel, mlp } from "../../generator/index.ts";
import type { GeneratedModel } from "../../src/contract.ts";
import { clusters } from "../../src/data.ts";
import { randomParams } from "../../src/init.ts";
import { mlpReference } from "./reference-mlp.ts";
import { formatTable, significant } from "./table.ts";
import { measureRound, median, summarize, warmUpAndCalibrate } from "./timing.ts";

const DEFAULT_MODELS = "2-2-1,2-4-4-1,2-8-8-1,2-16-1,2-16-16-1,2-24-24-1,2-32-32-1";
const { values } = parseArgs({ options: { models: { type: "string", default: DEFAULT_MODELS }, rounds: { type: "string", default: "5" } } });
const shapes = values.models.split(",").map((m) => m.split("-").map(Number));
const rounds = Number(values.rounds);
const dir = resolve("out/crossover");
mkdirSync(dir, { recursive: true });

async function generate(layers: number[], strategy: Strategy): Promise<GeneratedModel> {
  const name = `mlp_${layers.join("_")}`;
  const model = defineModel({ name, ...mlp({ layers, activation: "tanh", output: "sigmoid", loss: "bce" }) });
  const file = join(dir, `${name}_${strategy}.ts`);
  writeFileSync(file, await formatTypeScript(emitModule(compileModel(model, strategy))));
  return (await import(pathToFileURL(file).href)) as GeneratedModel;
}

const data = clusters({ n: 100, seed: 42 });
const rows: string[][] = [];
for (const layers of shapes) {
  const unrolled = await generate(layers, "unrolled");
  const loops = await generate(layers, "loops");
  const params = randomParams(unrolled.PARAM_NAMES, `crossover/${layers.join("-")}`);
  const grad = new Float64Array(params.length);
  const hand = mlpReference(layers);
  const variants = [unrolled.lossAndGradient, loops.lossAndGradient, hand].map((f) => {
    const call = () => f(params, data.X, data.Y, grad);
    return { call, repetitions: warmUpAndCalibrate(call, 2000), medians: [] as number[] };
  });
  for (let r = 0; r < rounds; r++) {
    for (const v of variants) v.medians.push(summarize(measureRound(layers.join("-"), v.call, v.repetitions, { timeMs: 150, warmupMs: 50 })).medianUs);
  }
  /** Median over rounds of variant a's time over variant b's. */
  const ratio = (a: number, b: number) => median(variants[a].medians.map((m, r) => m / variants[b].medians[r]));
  rows.push([
    layers.join("-"),
    ...variants.map((v) => significant(median(v.medians), 4)),
    `${significant(ratio(1, 0), 3)}×`,
    `${significant(ratio(2, 0), 3)}×`,
    `${significant(ratio(2, 1), 3)}×`,
  ]);
  console.error(rows[rows.length - 1].join("  "));
}
console.log(formatTable(["model", "unrolled µs", "loops µs", "hand loop µs", "loops / unrolled", "hand / unrolled", "hand / loops"], rows));
