/**
 * Assembles test/bench/wasm/emit-wat.ts's text with wabt (the WebAssembly Binary Toolkit compiled to
 * JavaScript; a pinned devDependency) and wraps the bytes into a self-contained JavaScript module with
 * a generated module's `lossAndGradient(params, X, Y, grad): number` signature: the bytes embedded as
 * base64, compiled and instantiated synchronously when the module is imported. The base64 is decoded
 * with atob and a plain loop: `Uint8Array.from(atob(…), callback)` took 3–6 ms of a cold import (the
 * callback runs in the interpreter), the loop 0.4 ms; a byte-array literal decodes in 0.07 ms but the
 * larger source takes longer to load (import 2.6–3.0 ms against 1.9–2.4 ms for the loop).
 *
 * `npx tsx test/bench/wasm/build.ts` writes out/wasm/{name}.wat, .wasm and .mjs (scalar and f64x2) and
 * prints their sizes.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import wabtInit from "wabt";
import { emitWat, mlpLayout, TILE, type WasmOptions } from "./emit-wat.ts";
import { PRINTED_KERNELS } from "./program-kernels.ts";

export interface BuiltModule {
  readonly name: string;
  readonly wat: string;
  readonly wasm: Uint8Array;
  /** The JavaScript module an app would ship (ES module text). */
  readonly js: string;
}

const wabt = await wabtInit();

/** WAT text → module bytes; a validation error names the module. */
export function assemble(name: string, wat: string): Uint8Array<ArrayBuffer> {
  const module = wabt.parseWat(`${name}.wat`, wat, { simd: true, bulk_memory: true });
  try {
    module.validate();
    return new Uint8Array(module.toBinary({}).buffer);
  } finally {
    module.destroy();
  }
}

/**
 * The wrapper's source. Each call copies params, X and Y into linear memory (growing it when a batch
 * does not fit), runs the module and copies the gradient out; the views are re-made after a grow,
 * which detaches the old buffer. Without Math imports the module leaves each sample's e^(−|z|) and
 * other loss term in memory, and the wrapper sums log1p(e) + term per tile of 256 and then over the
 * tiles, as the generated code sums its loss.
 */
export interface WrapperOptions {
  /**
   * Compile and instantiate with `await WebAssembly.instantiate` at the module's top level instead of
   * synchronously: importing the module then waits for it (top-level await), and its API stays
   * synchronous. (Chrome once refused synchronous compilation above 4 KB on the main thread; Chromium 156
   * allows up to 8 MB: see README.md here.)
   */
  readonly asyncCompile?: boolean;
}

export function wrapperSource(name: string, layers: readonly number[], wasm: Uint8Array, options: WasmOptions & WrapperOptions = {}): string {
  const layout = mlpLayout(layers, options.subTile);
  const inputs = layers[0]!;
  const base64 = Buffer.from(wasm).toString("base64");
  const data = layout.data / 8;
  const imports = options.mathImports ? ", { math: { exp: Math.exp, expm1: Math.expm1, log1p: Math.log1p } }" : "";
  const run = options.mathImports
    ? `  const loss = _run(n);`
    : `  _run(n);
  const terms = ${data} + n * ${inputs + 1};
  let loss = 0;
  for (let s0 = 0; s0 < n; s0 += ${TILE}) {
    const end = Math.min(s0 + ${TILE}, n);
    let tileLoss = 0;
    for (let s = s0; s < end; s++) tileLoss += Math.log1p(_heap[terms + s]) + _heap[terms + n + s];
    loss += tileLoss;
  }`;
  const result = options.mathImports ? "loss" : "loss / n";
  return `// ${name}: mlp([${layers.join(", ")}]) loss and gradient in WebAssembly (test/bench/wasm prototype).
const _text = atob("${base64}");
const _bytes = new Uint8Array(_text.length);
for (let k = 0; k < _text.length; k++) _bytes[k] = _text.charCodeAt(k);
${
    options.asyncCompile
      ? `const { instance: _instance } = await WebAssembly.instantiate(_bytes${imports});`
      : `const _instance = new WebAssembly.Instance(new WebAssembly.Module(_bytes)${imports});`
  }
const _memory = _instance.exports.memory;
const _run = _instance.exports.lossAndGradient;
const PARAMS = ${layout.paramCount};
let _heap = new Float64Array(_memory.buffer);

/** Writes the mean gradient over the n samples into grad and returns the mean loss. */
export function lossAndGradient(params, X, Y, grad) {
  if (!(params instanceof Float64Array) || params.length !== PARAMS) throw new RangeError(\`lossAndGradient: params must be a Float64Array of length \${PARAMS}\`);
  if (!(grad instanceof Float64Array) || grad.length !== PARAMS) throw new RangeError(\`lossAndGradient: grad must be a Float64Array of length \${PARAMS}\`);
  if (!(Y instanceof Float64Array) || Y.length === 0) throw new RangeError("lossAndGradient: Y must be a non-empty Float64Array");
  const n = Y.length;
  if (!(X instanceof Float64Array) || X.length !== n * ${inputs}) throw new RangeError(\`lossAndGradient: X must be a Float64Array of length \${n * ${inputs}}\`);
  const end = ${layout.data} + n * ${(inputs + 3) * 8};
  if (end > _memory.buffer.byteLength) {
    _memory.grow(Math.ceil((end - _memory.buffer.byteLength) / 65536));
    _heap = new Float64Array(_memory.buffer);
  }
  _heap.set(params, ${layout.params / 8});
  _heap.set(X, ${data});
  _heap.set(Y, ${data} + n * ${inputs});
${run}
  grad.set(_heap.subarray(${layout.grad / 8}, ${layout.grad / 8 + layout.paramCount}));
  return ${result};
}
`;
}

export function buildModule(name: string, layers: readonly number[], options: WasmOptions & WrapperOptions = {}): BuiltModule {
  const wat = emitWat(layers, options, TILE);
  const wasm = assemble(name, wat);
  return { name, wat, wasm, js: wrapperSource(name, layers, wasm, options) };
}

const root = fileURLToPath(new URL("../../..", import.meta.url));

/** Writes the module's .wat, .wasm and .mjs under out/wasm/ and returns the .mjs path. */
export function writeModule(built: BuiltModule): string {
  const dir = resolve(root, "out/wasm");
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${built.name}.wat`), built.wat);
  writeFileSync(join(dir, `${built.name}.wasm`), built.wasm);
  const file = join(dir, `${built.name}.mjs`);
  writeFileSync(file, built.js);
  return file;
}

/** The variants the benchmark compares (a module's file is named model_variant). */
export const VARIANTS: readonly { readonly name: string; readonly options: WasmOptions & WrapperOptions }[] = [
  { name: "wasm", options: {} },
  { name: "wasm_simd", options: { simd: true } },
  { name: "wasm_imports", options: { mathImports: true } },
  { name: "wasm_one", options: { oneKernelFunction: true } },
  { name: "wasm_simd_one", options: { simd: true, oneKernelFunction: true } },
  { name: "wasm_one_async", options: { oneKernelFunction: true, asyncCompile: true } },
  // The tanh kernel and the head printed from the compiler's programs (program-kernels.ts).
  { name: "wasm_printed", options: { printedKernels: PRINTED_KERNELS } },
  { name: "wasm_printed_imports", options: { mathImports: true, printedKernels: PRINTED_KERNELS } },
];

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  for (const { name, options } of VARIANTS) {
    const built = buildModule(`mlp_2_64_64_1_${name}`, [2, 64, 64, 1], options);
    const file = writeModule(built);
    console.log(`${file}: .wasm ${built.wasm.length} bytes, .mjs ${Buffer.byteLength(built.js)} bytes, .wat ${built.wat.length} chars`);
  }
}
