/**
 * npm run bench: generated vs hand-written vs interpreted gradients, per model, in one process.
 *
 * Per model: generate (timed), validate every variant against the generated module, time them in
 * interleaved tinybench rounds, train 2000 epochs; then ask V8 (child processes) what it made of each
 * module. Prints progress on stderr, tables and targets on stdout, and writes every number to JSON.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { dirname } from "node:path";
import { parseArgs } from "node:util";
import { benchCases, CASE_NAMES } from "./cases.ts";
import { generationStats, wholeGenerationMs, type GenerationStats } from "./generation.ts";
import { measureCase, type CaseTiming } from "./measure-case.ts";
import { formatTable, significant } from "./table.ts";
import { checkTargets } from "./targets.ts";
import { coldStart, type ColdStart } from "./cold-start.ts";
import { trainingRun, type TrainingStats } from "./training.ts";
import { MAX_OPTIMIZED_BYTECODE, v8Report, type V8Report } from "./v8-report.ts";

const USAGE = `Usage: npm run bench -- [options]

Times one full-batch lossAndGradient per model (${CASE_NAMES.join(", ")}) with the generated module,
the hand-written reference, the memoized interpreter and the naive per-parameter tree walk.

Options:
  --only LIST     comma-separated subset of the models (default: all); --models is the same
  --no-v8         skip the V8 bytecode/optimization report (child processes)
  --no-train      skip the 2000-epoch training runs
  --no-cold       skip the cold-start probe (fresh processes) and the whole-generation timing
  --rounds N      interleaved timing rounds per model (default: 8)
  --time MS       measuring time per variant and round (default: 150)
  --train-budget MS  wall-time budget of a training run; slower models extrapolate (default: 30000)
  --json FILE     where to write all numbers (default: out/bench.json)
  -h, --help      show this help`;

const { values } = parseArgs({
  options: {
    models: { type: "string" },
    only: { type: "string" },
    "no-v8": { type: "boolean", default: false },
    "no-train": { type: "boolean", default: false },
    "no-cold": { type: "boolean", default: false },
    rounds: { type: "string", default: "8" },
    time: { type: "string", default: "150" },
    "train-budget": { type: "string", default: "30000" },
    json: { type: "string", default: "out/bench.json" },
    help: { type: "boolean", short: "h", default: false },
  },
});
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const positive = (flag: string, text: string) => {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} must be a positive integer, got ${JSON.stringify(text)}`);
  return n;
};
const rounds = positive("rounds", values.rounds);
const timeMs = positive("time", values.time);
const trainBudgetMs = positive("train-budget", values["train-budget"]);

interface ModelResult {
  name: string;
  referenceKind: string;
  samples: number;
  params: number;
  generation: Omit<GenerationStats, "compiled">;
  timing: CaseTiming;
  training?: TrainingStats;
  v8?: V8Report;
  coldStart?: ColdStart;
}

const started = performance.now();
const progress = (model: string) => (line: string) =>
  console.error(`[${((performance.now() - started) / 1000).toFixed(1).padStart(5)} s] ${model}: ${line}`);

const results: ModelResult[] = [];
const only = values.only ?? values.models;
for (const c of benchCases(only?.split(","))) {
  const say = progress(c.name);
  const { compiled, ...generation } = await generationStats(c.definition);
  say(`generated in ${Math.round(generation.ms)} ms, ${generation.bytes} bytes${generation.fresh ? "" : " (generated/ is STALE: run npm run generate)"}`);
  const timing = await measureCase(c, compiled.strategy === "unrolled" ? compiled.lossAndGradient : undefined, rounds, { timeMs, warmupMs: timeMs / 3 }, say);
  const generatedUs = timing.variants.find((v) => v.variant === "generated")!.medianUs;
  let training: TrainingStats | undefined;
  if (!values["no-train"]) {
    training = trainingRun(c.module, c.data, c.params, generatedUs, trainBudgetMs);
    say(`trained ${training.epochsRun} epochs in ${Math.round(training.ms)} ms (final loss ${training.finalLoss.toFixed(4)})`);
  }
  results.push({ name: c.name, referenceKind: c.referenceKind, samples: c.data.n, params: c.params.length, generation, timing, training });
}
let wholeGeneration: number | undefined;
if (!values["no-cold"]) {
  for (const c of benchCases(only?.split(","))) {
    const r = results.find((x) => x.name === c.name)!;
    r.coldStart = coldStart(c.name, { X: c.data.X, Y: c.data.Y, params: c.params });
    progress(c.name)(`cold start: import ${r.coldStart.importMs.toFixed(1)} ms + first call ${r.coldStart.firstMs.toFixed(1)} ms = ${r.coldStart.ratio.toFixed(1)}× the warm call (${r.coldStart.warmMs.toFixed(3)} ms); median of ${r.coldStart.processes} processes, ${r.coldStart.ratioRange.map((x) => x.toFixed(1)).join("–")}×`);
  }
  wholeGeneration = wholeGenerationMs();
  progress("all")(`npm run generate -- --force (median of 3 fresh runs): ${Math.round(wholeGeneration)} ms`);
}
for (const r of values["no-v8"] ? [] : results) {
  progress(r.name)("asking V8 (child process: bytecode sizes, optimization)");
  r.v8 = await v8Report(r.name, 2000);
}

const timingRows = results.flatMap((r) => [
  ...r.timing.variants.map((v) => [
    r.name,
    v.variant === "reference" ? `hand-written ${r.referenceKind}` : v.variant,
    significant(v.medianUs, 4),
    `${significant(v.p25Us, 3)}–${significant(v.p75Us, 3)}`,
    significant(v.nsPerSample, 4),
    `${significant(v.ratioToGenerated, 3)}×`,
    `${significant(Math.min(...v.roundRatios), 3)}–${significant(Math.max(...v.roundRatios), 3)}`,
  ]),
  ...r.timing.skipped.map((s) => [r.name, s.variant, "—", "—", "—", "—", s.reason]),
]);
const modelRows = results.map((r) => {
  const v8 = r.v8;
  const largest = v8?.functions[0];
  const largestHot = v8?.hot[0];
  const optimizedHot = v8?.hot.filter((f) => f.optimized).length;
  const t = r.training;
  const cold = r.coldStart;
  return [
    r.name,
    String(r.params),
    significant(r.generation.ms, 3),
    significant(r.generation.bytes / 1024, 3),
    largest ? `${largest.name} ${largest.bytecodeBytes}` : "—",
    largestHot ? `${largestHot.name} ${largestHot.bytecodeBytes}` : "—",
    v8 ? `${optimizedHot}/${v8.hot.length}` : "—",
    t ? `${significant(t.ms2000 / 1000, 3)}${t.extrapolated ? ` (≈, ${t.epochsRun} run)` : ""}` : "—",
    cold ? `${significant(cold.importMs + cold.firstMs, 3)} ms = ${significant(cold.ratio, 3)}× (${cold.ratioRange.map((x) => significant(x, 3)).join("–")}×)` : "—",
  ];
});
const targets = checkTargets({
  models: results.map((r) => ({ name: r.name, variants: r.timing.variants, generationMs: r.generation.ms, moduleBytes: r.generation.bytes, coldStartRatio: r.coldStart?.ratio })),
  wholeGenerationMs: wholeGeneration,
});

const machine = `${cpus()[0]?.model ?? "unknown CPU"}, ${cpus().length} cores, Node ${process.version}`;
console.log(`\nsymgrad bench — ${machine}; ${results[0]?.samples ?? 0} samples per batch; ${rounds} rounds × ${timeMs} ms per variant\n`);
console.log(formatTable(["model", "variant", "µs/batch", "p25–p75 µs", "ns/sample", "× generated", "per-round ×"], timingRows));
console.log("\nPer model: generation time, generated file size, largest function's bytecode (V8 optimizes ≤ " +
  `${MAX_OPTIMIZED_BYTECODE} bytes), hot functions TurboFan optimized, 2000-epoch GD training (lr 0.5)\n`);
console.log(formatTable(["model", "params", "generate ms", "file KiB", "largest fn (bytes)", "largest hot fn (bytes)", "optimized", "train 2000 s", "cold start (import + 1st call; range)"], modelRows));
console.log("\nTargets (issue 10)\n");
console.log(formatTable(["target", "measured", "met"], targets.map((t) => [t.target, t.measured, t.met === undefined ? "—" : t.met ? "yes" : "NO"])));

mkdirSync(dirname(values.json), { recursive: true });
writeFileSync(values.json, JSON.stringify({ machine, rounds, timeMs, models: results, targets }, null, 2) + "\n");
console.log(`\nAll numbers: ${values.json} (${((performance.now() - started) / 1000).toFixed(0)} s)`);
