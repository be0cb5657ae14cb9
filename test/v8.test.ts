/**
 * V8 must optimize every batch function and every part of a split body: V8 leaves a function whose
 * bytecode exceeds 60 KB in the interpreter, which is what the chunked layout avoids. Read from
 * `--trace-opt` in a child process after a warm-up; this checks optimization status, not speed.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { fileURLToPath } from "node:url";
import { SHIPPED_MODELS } from "../generator/models/index.ts";
import { generateModule } from "../generator/pipeline.ts";
import { deepChain } from "./deep-chain-model.ts";

/**
 * A deep model (deep-chain-model.ts): DEPTH layers of h ← tanh(w·h + b) sharing w and b, so ∂loss/∂w and
 * ∂loss/∂b are DEPTH-term sums (emitted as chains of partial sums, schedule.ts) in a body split into parts.
 */
const DEPTH = 600;

const root = fileURLToPath(new URL("..", import.meta.url));

const WORKLOAD = `
const m = await import(process.argv[2]);
if (m.BACKEND !== undefined && m.BACKEND !== "javascript") throw new Error("lossAndGradient must run its JavaScript loops here, not " + m.BACKEND);
const n = 200;
const params = Float64Array.from({ length: m.MODEL.params }, (_, i) => Math.sin(i) * 0.3);
const X = Float64Array.from({ length: n * m.MODEL.inputs }, (_, i) => Math.cos(i));
const Y = Float64Array.from({ length: n * m.MODEL.targets }, (_, i) => i % 2);
const grad = new Float64Array(m.MODEL.params);
const out = new Float64Array(n * m.MODEL.outputs);
const v = Float64Array.from({ length: m.MODEL.params }, (_, i) => Math.cos(3 * i));
const hv = new Float64Array(m.MODEL.params);
const H = m.hessian ? new Float64Array(m.MODEL.params ** 2) : undefined;
// At least 40 rounds and one second: a small module's 40 rounds can end before TurboFan, compiling on
// a background thread, reports its last function.
const start = performance.now();
for (let k = 0; k < 40 || performance.now() - start < 1000; k++) {
  m.lossAndGradient(params, X, Y, grad); m.loss(params, X, Y); m.predict(params, X, out);
  if (m.hessianVectorProduct) m.hessianVectorProduct(params, X, Y, v, hv);
  if (H) m.hessian(params, X, Y, H);
}
`;

/**
 * The functions a training run spends its time in. Unrolled modules: the batch functions and the parts
 * of split bodies. Loop modules (dense layers as loops): the per-layer loops, the head and the input
 * transpose; their loss, lossAndGradient and predict only call those once per tile of 256 samples
 * (a handful of statements per call), so V8 may rightly leave them to the baseline tiers.
 */
function hotFunctions(source: string): string[] {
  const loops = /function (_forward\d+|_gradient\d+|_delta\d+|_head\w+|_loadInputs)\(/g;
  const found = [...source.matchAll(loops)].map((m) => m[1]);
  // Second-order functions are unrolled in every strategy.
  const secondOrder = /function (hessianVectorProduct|hessian|_(?:hessianVectorProduct|hessian)Part\d+)\(/g;
  if (found.length > 0) return [...found, ...[...source.matchAll(secondOrder)].map((m) => m[1])];
  return [...source.matchAll(/function ((?:loss|lossAndGradient|predict|hessianVectorProduct|hessian)|_\w+Part\d+)\(/g)].map((m) => m[1]);
}

describe("V8 optimizes the generated code", () => {
  const dir = mkdtempSync(join(tmpdir(), "symgrad-v8-"));
  const script = join(dir, "workload.mjs");
  writeFileSync(script, WORKLOAD);

  const check = (file: string) => {
    const hot = hotFunctions(readFileSync(file, "utf8"));
    // The trace goes to a file: through a pipe, V8's last trace lines were lost at exit.
    const traceFile = join(dir, `${basename(file)}.trace.txt`); // one per module
    const fd = openSync(traceFile, "w");
    // WebAssembly hidden: a loop module's lossAndGradient then runs its JavaScript loops (what pages whose
    // Content-Security-Policy refuses WebAssembly run), which must be optimized too.
    const flags = ["--no-expose-wasm", "--trace-opt", "--trace-turbo-inlining"];
    const r = spawnSync(process.execPath, ["--import", "tsx", ...flags, script, file], { cwd: root, stdio: ["ignore", fd, "pipe"] });
    closeSync(fd);
    expect(r.status).toBe(0);
    const trace = readFileSync(traceFile, "utf8");
    const optimized = new Set([...trace.matchAll(/\[completed optimizing \S+ <JSFunction (\w+) /g)].map((m) => m[1]));
    // A function TurboFan inlined into an optimized caller runs as optimized code without ever being
    // optimized on its own (a loop module's head, called once per tile, is inlined into lossAndGradient).
    const inlined = [...trace.matchAll(/Inlining \S+ \{\S+ <SharedFunctionInfo (\w+)>\} into \S+ \{\S+ <SharedFunctionInfo (\w+)>\}/g)];
    for (const [, callee, caller] of inlined) if (optimized.has(caller)) optimized.add(callee);
    expect(hot.filter((f) => !optimized.has(f))).toEqual([]);
    return hot;
  };

  // V8's tiering is not deterministic: while CI runs other test files on both cores, a function was now
  // and then missing from a run's trace (seed's predict, a loop module's _gradient2, a deep chain's part)
  // and present in the next. A function V8 will not optimize (bytecode over its limit) is missing from
  // every run, so a retry keeps what the test is for.
  const retry = { retry: 2 };

  it(`a ${DEPTH}-deep chain with shared weights`, { ...retry, timeout: 120_000 }, async () => {
    const generated = await generateModule(deepChain(DEPTH));
    const file = join(dir, generated.path);
    writeFileSync(file, generated.content);
    expect(check(file).length).toBeGreaterThan(3); // split into parts
  });

  it.each(SHIPPED_MODELS.map((m) => [m.name]))("generated/%s.ts", retry, (name) => {
    const file = join(root, "generated", `${name}.ts`);
    const hot = check(file);
    if (name === "seed") expect(hot).toEqual(["loss", "lossAndGradient", "predict", "hessianVectorProduct", "hessian"]); // flat, unrolled
    if (name === "mlp_2_64_64_1") expect(hot).toContain("_delta2"); // loops
  });

  it.sequential("cleans up", () => rmSync(dir, { recursive: true, force: true }));
});
