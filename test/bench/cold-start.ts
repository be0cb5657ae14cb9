/**
 * Cold start of a generated module, in fresh processes: the module transpiled to plain JavaScript once
 * (typescript's transpileModule, as an app would ship it), then each child process imports it, times
 * the import plus the first lossAndGradient on the bench data, and then the median warm call. The
 * ratio (import + first call) / warm call is what a short training run pays before V8 has tiered up.
 *
 * The ratio is the median over seven processes, and the spread is reported beside it: on this 2-core
 * machine about half the processes run 2-64-64-1's first call in 9–19 ms instead of ~5 ms, because V8
 * tiers the hot wasm functions up on several background threads at once and they take the main thread's
 * core (first call over 8 ms in 23 of 44 processes; with `--wasm-num-compilation-tasks=1`, 4 of 34).
 * Three processes, as before, let that coin decide the row's verdict.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { median } from "./timing.ts";

/**
 * The probe each fresh process runs (argv: module file, data file). It prints import, first call,
 * second call, the first 20 calls together (a short training run's first batches) and the median warm
 * call, in ms; test/bench/wasm/cold-start.ts runs the same probe on its WebAssembly variants.
 */
export const COLD_START_PROBE = `
const [file, dataFile] = process.argv.slice(2);
const { X, Y, params } = JSON.parse((await import("node:fs")).readFileSync(dataFile, "utf8"));
const x = Float64Array.from(X), y = Float64Array.from(Y), p = Float64Array.from(params);
const grad = new Float64Array(p.length);
const t0 = performance.now();
const m = await import(file);
const t1 = performance.now();
m.lossAndGradient(p, x, y, grad);
const t2 = performance.now();
m.lossAndGradient(p, x, y, grad);
const t3 = performance.now();
for (let k = 2; k < 20; k++) m.lossAndGradient(p, x, y, grad);
const t4 = performance.now();
const warm = [];
const end = performance.now() + 1500;
while (performance.now() < end) { const s = performance.now(); m.lossAndGradient(p, x, y, grad); warm.push(performance.now() - s); }
warm.sort((a, b) => a - b);
console.log(JSON.stringify({ importMs: t1 - t0, firstMs: t2 - t1, secondMs: t3 - t2, first20Ms: t4 - t1, warmMs: warm[warm.length >> 1] }));
`;

/** A generated module as an app would ship it: its TypeScript transpiled to plain JavaScript. */
export function shippedJavaScript(source: string): string {
  return ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
}

export interface ColdStart {
  readonly importMs: number;
  readonly firstMs: number;
  readonly warmMs: number;
  /** (import + first call) / warm call, median over the processes. */
  readonly ratio: number;
  /** The smallest and largest of the processes' ratios. */
  readonly ratioRange: readonly [number, number];
  readonly processes: number;
}

const root = fileURLToPath(new URL("../..", import.meta.url));

export function coldStart(model: string, data: { X: Float64Array; Y: Float64Array; params: Float64Array }, processes = 7): ColdStart {
  const dir = resolve(root, "out/cold-start");
  mkdirSync(dir, { recursive: true });
  const source = readFileSync(join(root, "generated", `${model}.ts`), "utf8");
  const file = join(dir, `${model}.mjs`);
  writeFileSync(file, shippedJavaScript(source));
  const dataFile = join(dir, `${model}.json`);
  writeFileSync(dataFile, JSON.stringify({ X: Array.from(data.X), Y: Array.from(data.Y), params: Array.from(data.params) }));
  const probe = join(dir, "probe.mjs");
  writeFileSync(probe, COLD_START_PROBE);
  const runs = Array.from({ length: processes }, () => {
    const r = spawnSync(process.execPath, [probe, file, dataFile], { encoding: "utf8" });
    if (r.status !== 0) throw new Error(`cold-start probe failed for ${model}: ${r.stderr}`);
    return JSON.parse(r.stdout) as Pick<ColdStart, "importMs" | "firstMs" | "warmMs">;
  });
  const ratios = runs.map((r) => (r.importMs + r.firstMs) / r.warmMs);
  return {
    importMs: median(runs.map((r) => r.importMs)),
    firstMs: median(runs.map((r) => r.firstMs)),
    warmMs: median(runs.map((r) => r.warmMs)),
    ratio: median(ratios),
    ratioRange: [Math.min(...ratios), Math.max(...ratios)],
    processes,
  };
}
