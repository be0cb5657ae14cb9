/**
 * Child process of v8-report.ts. It runs as plain JavaScript (v8-report.ts transpiles it and the
 * generated module into out/v8/), so no loader thread prints its own bytecode into the traces:
 *
 *   node --allow-natives-syntax --trace-opt --trace-deopt --print-bytecode out/v8/v8-probe.mjs MODULE.mjs [WARMUP_MS]
 *
 * It warms the module's batch functions up on 200 rows, then prints one line `V8PROBE {json}` on stderr
 * with %GetOptimizationStatus of loss, lossAndGradient and predict. It imports nothing but the module,
 * so its inputs are a fixed formula rather than the seeded dataset (V8 cares about types, not values).
 */
interface ProbedModule {
  MODEL: { inputs: number; targets: number; outputs: number; params: number };
  loss(params: Float64Array, X: Float64Array, Y: Float64Array): number;
  lossAndGradient(params: Float64Array, X: Float64Array, Y: Float64Array, grad: Float64Array): number;
  predict(params: Float64Array, X: Float64Array, out: Float64Array): void;
  /** The packing helpers are the largest functions of wide nets' modules: call them to compile them. */
  packParams(p: unknown): Float64Array;
  unpackParams(a: Float64Array): unknown;
}

const PROBE_MARKER = "V8PROBE ";
const ROWS = 200;

// Parsed at run time by V8 itself, which accepts the % syntax only under --allow-natives-syntax.
const optimizationStatus = new Function("f", "return %GetOptimizationStatus(f);") as (f: unknown) => number;

async function probe(modulePath: string, warmupMs: number): Promise<void> {
  const model = (await import(modulePath)) as ProbedModule;
  const { inputs, targets, outputs, params: count } = model.MODEL;
  const params = Float64Array.from({ length: count }, (_, k) => 0.5 * Math.sin(k + 1));
  const X = Float64Array.from({ length: ROWS * inputs }, (_, k) => 3 * Math.cos(0.7 * k));
  const Y = Float64Array.from({ length: ROWS * targets }, (_, k) => k % 2);
  const grad = new Float64Array(count);
  const out = new Float64Array(ROWS * outputs);
  model.packParams(model.unpackParams(params));
  const start = performance.now();
  let calls = 0;
  while (calls < 50 || performance.now() - start < warmupMs) {
    model.lossAndGradient(params, X, Y, grad);
    model.loss(params, X, Y);
    model.predict(params, X, out);
    calls++;
  }
  const status = {
    loss: optimizationStatus(model.loss),
    lossAndGradient: optimizationStatus(model.lossAndGradient),
    predict: optimizationStatus(model.predict),
  };
  // stderr: V8's traces fill stdout through a separate buffer and could split this line.
  console.error(PROBE_MARKER + JSON.stringify({ calls, status }));
}

const [modulePath, warmupMs = "1000"] = process.argv.slice(2);
await probe(modulePath, Number(warmupMs));
