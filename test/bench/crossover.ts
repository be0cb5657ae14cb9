/**
 * The crossover between the two emission strategies (generator/compile.ts, LOOP_MIN_WIDTH): tanh
 * MLPs (sigmoid output, BCE), each emitted unrolled and as loops, and the hand-written loop backprop
 * (reference-mlp.ts) as the common bar, timed in the same process on the seed's 200-sample data after a
 * 2 s warm-up each, interleaved rounds, median of per-round ratios.
 *
 *   npx tsx test/bench/crossover.ts [--models 2-2-1,2-4-4-1,2-8-8-1,2-16-1,2-16-16-1,2-24-24-1,2-32-32-1] [--rounds 5]
 *     [--activation tanh|sigmoid|…] [--output sigmoid|softmax]
 *
 * With --output softmax (cross-entropy on one-hot targets; the last layer has 2 or more units) there is
 * no hand-written reference, and its columns read "—".
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { compileModel, type Strategy } from "../../generator/compile.ts";
import { formatTypeScript } from "../../generator/emit/format.ts";
import { emitModule } from "../../generator/emit/module.ts";
import { defineModel, mlp } from "../../generator/index.ts";
import type { Activation } from "../../generator/nn/activations.ts";
import type { GeneratedModel } from "../../src/contract.ts";
import { clusters } from "../../src/data.ts";
import { randomParams } from "../../src/init.ts";
import { mlpReference } from "./reference-mlp.ts";
import { formatTable, significant } from "./table.ts";
import { measureRound, median, summarize, warmUpAndCalibrate } from "./timing.ts";

const DEFAULT_MODELS = "2-2-1,2-4-4-1,2-8-8-1,2-16-1,2-16-16-1,2-24-24-1,2-32-32-1";
const { values } = parseArgs({
  options: {
    models: { type: "string", default: DEFAULT_MODELS },
    rounds: { type: "string", default: "5" },
    activation: { type: "string", default: "tanh" },
    output: { type: "string", default: "sigmoid" },
  },
});
const activation = values.activation as Activation;
const output = values.output === "softmax" ? "softmax" : "sigmoid";
const shapes = values.models.split(",").map((m) => m.split("-").map(Number));
const rounds = Number(values.rounds);
const dir = resolve("out/crossover");
mkdirSync(dir, { recursive: true });

async function generate(layers: number[], strategy: Strategy): Promise<GeneratedModel> {
  const name = `mlp_${layers.join("_")}`;
  const loss = output === "softmax" ? "cross-entropy" : "bce";
  const model = defineModel({ name, ...mlp({ layers, activation, output, loss }) });
  const file = join(dir, `${name}_${strategy}.ts`);
  writeFileSync(file, await formatTypeScript(emitModule(compileModel(model, strategy))));
  return (await import(pathToFileURL(file).href)) as GeneratedModel;
}

const data = clusters({ n: 100, seed: 42 });
/** The seed's data with one-hot targets (class 0 or 1 of the first two columns), for a softmax output. */
function oneHot(classes: number): Float64Array {
  const Y = new Float64Array(data.n * classes);
  for (let i = 0; i < data.n; i++) Y[i * classes + (data.Y[i] === 1 ? 1 : 0)] = 1;
  return Y;
}
const rows: string[][] = [];
for (const layers of shapes) {
  const unrolled = await generate(layers, "unrolled");
  const loops = await generate(layers, "loops");
  const params = randomParams(unrolled.PARAM_NAMES, `crossover/${layers.join("-")}`);
  const grad = new Float64Array(params.length);
  const hand = output === "sigmoid" ? mlpReference(layers) : undefined;
  const Y = output === "softmax" ? oneHot(layers[layers.length - 1]!) : data.Y;
  const variants = [unrolled.lossAndGradient, loops.lossAndGradient, ...(hand ? [hand] : [])].map((f) => {
    const call = () => f(params, data.X, Y, grad);
    return { call, repetitions: warmUpAndCalibrate(call, 2000), medians: [] as number[] };
  });
  for (let r = 0; r < rounds; r++) {
    for (const v of variants) v.medians.push(summarize(measureRound(layers.join("-"), v.call, v.repetitions, { timeMs: 150, warmupMs: 50 })).medianUs);
  }
  /** Median over rounds of variant a's time over variant b's. */
  const ratio = (a: number, b: number) =>
    variants[a] && variants[b] ? `${significant(median(variants[a].medians.map((m, r) => m / variants[b]!.medians[r]!)), 3)}×` : "—";
  rows.push([
    layers.join("-"),
    ...[0, 1, 2].map((k) => (variants[k] ? significant(median(variants[k].medians), 4) : "—")),
    ratio(1, 0),
    ratio(2, 0),
    ratio(2, 1),
  ]);
  console.error(rows[rows.length - 1].join("  "));
}
console.log(`${activation} hidden, ${output} output`);
console.log(formatTable(["model", "unrolled µs", "loops µs", "hand loop µs", "loops / unrolled", "hand / unrolled", "hand / loops"], rows));
