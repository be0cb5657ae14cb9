/**
 * Cold start and warm speed of the WebAssembly prototype against a generated module (default
 * generated/mlp_2_64_64_1.ts; `--model mlp_2_16_16_1` etc. for another loop-emitted tanh MLP), the way
 * test/bench/cold-start.ts measures it: every module as plain JavaScript under out/, each fresh child
 * process imports one module, times import (for wasm: base64 decode + compile + instantiate) and the
 * first lossAndGradient on the bench data, then the median warm call over ~3 s. Processes of the
 * variants alternate, so load from other jobs spreads over all of them.
 *
 * Then the warm speed side by side: in one fresh process all variants are imported and called in
 * interleaved rounds (after a warm-up), and the median call of each is printed with its ratio to JS.
 *
 * Run under the shared lock: `flock /tmp/symgrad-bench.lock npx tsx test/bench/wasm/cold-start.ts
 * [--processes 5] [--warm-processes 3] [--only name,name] [--node-flags=--liftoff-only]`. `--only` takes
 * variant names (build.ts VARIANTS, or "js"); `--node-flags=…` (with "=", as the value starts with a dash) are passed to every child process, for
 * diagnosis: `--liftoff-only` (no tier-up: the first call in wasm's baseline code alone) or
 * `--v8-pool-size=2` (two background compile threads instead of Node's four, on this 2-core machine).
 */
import { spawnSync } from "node:child_process";
import { loadavg } from "node:os";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { benchCases } from "../cases.ts";
import { COLD_START_PROBE, shippedJavaScript } from "../cold-start.ts";
import { median } from "../timing.ts";
import { buildModule, VARIANTS, writeModule } from "./build.ts";

/** All modules in one process, called in interleaved rounds of ~200 ms each; median call per module. */
const WARM_PROBE = `
const [dataFile, ...files] = process.argv.slice(2);
const { X, Y, params } = JSON.parse((await import("node:fs")).readFileSync(dataFile, "utf8"));
const x = Float64Array.from(X), y = Float64Array.from(Y), p = Float64Array.from(params);
const grad = new Float64Array(p.length);
const modules = [];
for (const file of files) modules.push(await import(file));
const times = modules.map(() => []);
let sink = 0;
for (let round = 0; round < 16; round++) {
  modules.forEach((m, k) => {
    const end = performance.now() + 200;
    while (performance.now() < end) {
      const s = performance.now();
      sink += m.lossAndGradient(p, x, y, grad);
      if (round >= 4) times[k].push(performance.now() - s); // the first rounds warm up
    }
  });
}
const med = (a) => (a.sort((u, v) => u - v), a[a.length >> 1]);
console.log(JSON.stringify({ warmMs: times.map(med), sink }));
`;

/** The module compiled and instantiated on its own, fresh process: what import costs beyond decoding. */
const COMPILE_PROBE = `
const [wasmFile] = process.argv.slice(2);
const bytes = new Uint8Array((await import("node:fs")).readFileSync(wasmFile));
const t0 = performance.now();
const module = new WebAssembly.Module(bytes);
const t1 = performance.now();
new WebAssembly.Instance(module, { math: { exp: Math.exp, expm1: Math.expm1, log1p: Math.log1p } });
const t2 = performance.now();
console.log(JSON.stringify({ compileMs: t1 - t0, instantiateMs: t2 - t1 }));
`;

interface Cold {
  readonly importMs: number;
  readonly firstMs: number;
  readonly secondMs: number;
  /** The first 20 calls together (a short training run's first batches). */
  readonly first20Ms: number;
  readonly warmMs: number;
}

const root = fileURLToPath(new URL("../../..", import.meta.url));
const dir = resolve(root, "out/wasm");

let nodeFlags: string[] = [];

function node(args: readonly string[]): string {
  const r = spawnSync(process.execPath, [...nodeFlags, ...args], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`probe failed (${args.join(" ")}): ${r.stderr}`);
  return r.stdout;
}

function writeProbes() {
  mkdirSync(dir, { recursive: true });
  const probes = { cold: join(dir, "cold-probe.mjs"), warm: join(dir, "warm-probe.mjs"), compile: join(dir, "compile-probe.mjs") };
  writeFileSync(probes.cold, COLD_START_PROBE);
  writeFileSync(probes.warm, WARM_PROBE);
  writeFileSync(probes.compile, COMPILE_PROBE);
  return probes;
}

/** The generated module as an app would ship it: plain JavaScript. */
function writeGeneratedJs(model: string): string {
  const source = readFileSync(join(root, "generated", `${model}.ts`), "utf8");
  const file = join(dir, `${model}_js.mjs`);
  writeFileSync(file, shippedJavaScript(source));
  return file;
}

const fmt = (ms: number) => ms.toFixed(3);

function main() {
  const { values } = parseArgs({
    options: {
      processes: { type: "string", default: "5" },
      "warm-processes": { type: "string", default: "3" },
      only: { type: "string" },
      "node-flags": { type: "string", default: "" },
      model: { type: "string", default: "mlp_2_64_64_1" },
    },
  });
  const model = values.model;
  const layers = /^mlp_(\d+(?:_\d+)+)$/.exec(model)?.[1]?.split("_").map(Number);
  if (!layers) throw new Error(`--model: expected a shipped model named mlp_<layer sizes>, got ${model}`);
  nodeFlags = values["node-flags"].split(/\s+/).filter(Boolean);
  const known = ["js", ...VARIANTS.map((v) => v.name)];
  const only = values.only?.split(",");
  const unknown = (only ?? []).filter((name) => !known.includes(name));
  if (unknown.length) throw new Error(`--only: unknown variant(s) ${unknown.join(", ")} (valid: ${known.join(", ")})`);
  const wanted = (name: string) => !only || only.includes(name);
  const processes = Number(values.processes);
  const warmProcesses = Number(values["warm-processes"]);
  const probes = writeProbes();
  const bench = benchCases([model])[0]!;
  const dataFile = join(dir, `${model}.json`);
  writeFileSync(dataFile, JSON.stringify({ X: Array.from(bench.data.X), Y: Array.from(bench.data.Y), params: Array.from(bench.params) }));

  const variants = wanted("js") ? [{ name: "js (generated)", file: writeGeneratedJs(model) }] : [];
  for (const { name, options } of VARIANTS.filter((v) => wanted(v.name))) {
    const built = buildModule(`${model}_${name}`, layers, options);
    const file = writeModule(built);
    variants.push({ name, file });
    console.log(`${model} ${name}: .wasm ${built.wasm.length} B, embedded module (.mjs) ${Buffer.byteLength(built.js)} B`);
  }
  console.log(
    `data: ${bench.data.Y.length} rows; node ${process.version} ${nodeFlags.join(" ")}; ${processes} cold processes per variant, alternating; load average ${loadavg()[0]!.toFixed(2)}`,
  );

  for (const { name } of VARIANTS.filter((v) => wanted(v.name))) {
    const runs = Array.from({ length: processes }, () => JSON.parse(node([probes.compile, join(dir, `${model}_${name}.wasm`)])) as { compileMs: number; instantiateMs: number });
    console.log(`${name}: new WebAssembly.Module ${fmt(median(runs.map((r) => r.compileMs)))} ms, new WebAssembly.Instance ${fmt(median(runs.map((r) => r.instantiateMs)))} ms (medians, fresh processes)`);
  }

  const cold = new Map<string, Cold[]>(variants.map((v) => [v.name, []]));
  for (let k = 0; k < processes; k++)
    for (const v of variants) cold.get(v.name)!.push(JSON.parse(node([probes.cold, v.file, dataFile])) as Cold);
  console.log("\nCold start (per process: import ms / first call ms / second call ms / first 20 calls ms / warm median ms / (import + first) ÷ warm):");
  for (const v of variants) {
    const runs = cold.get(v.name)!;
    for (const r of runs)
      console.log(`  ${v.name.padEnd(24)} ${fmt(r.importMs)} / ${fmt(r.firstMs)} / ${fmt(r.secondMs)} / ${fmt(r.first20Ms)} / ${fmt(r.warmMs)} / ${((r.importMs + r.firstMs) / r.warmMs).toFixed(1)}×`);
    const m = (f: (r: Cold) => number) => median(runs.map(f));
    console.log(
      `  ${v.name.padEnd(24)} MEDIAN import ${fmt(m((r) => r.importMs))} ms, first ${fmt(m((r) => r.firstMs))} ms, first 20 calls ${fmt(m((r) => r.first20Ms))} ms, warm ${fmt(m((r) => r.warmMs))} ms, ratio ${m((r) => (r.importMs + r.firstMs) / r.warmMs).toFixed(1)}×`,
    );
  }

  console.log(`\nWarm, side by side in one process (median call ms; ratio to the first variant); load average ${loadavg()[0]!.toFixed(2)}:`);
  for (let k = 0; k < warmProcesses; k++) {
    const { warmMs } = JSON.parse(node([probes.warm, dataFile, ...variants.map((v) => v.file)])) as { warmMs: number[] };
    console.log(`  process ${k + 1}: ` + variants.map((v, i) => `${v.name} ${fmt(warmMs[i]!)} (${(warmMs[i]! / warmMs[0]!).toFixed(3)}×)`).join(", "));
  }
}

main();
