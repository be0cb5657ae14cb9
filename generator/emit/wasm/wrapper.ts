/**
 * The JavaScript a loop module gets around its lossAndGradient's WebAssembly form (backend.ts): the
 * bytes as base64, instantiated synchronously when the module loads; lossAndGradient then copies each
 * tile's rows into the module's memory, runs it, sums the loss as the loops do, and copies the gradient
 * out. Where WebAssembly is missing or refused (a Content-Security-Policy without 'wasm-unsafe-eval'),
 * the instance is undefined and the JavaScript loops answer instead: same results (backend.ts says
 * where they can differ by an ulp), just a slower first call.
 *
 * The generated code names only what JavaScript itself defines: WebAssembly is read off globalThis and
 * typed here, and so are the base64 decoders it uses where the platform has one (else a loop decodes),
 * so the module type-checks without the DOM or Node's type declarations, as every generated module does.
 */
import type { EmittedBatch } from "../batch.ts";
import type { DenseWasm } from "./backend.ts";

/** The type aliases, module-level constants and functions a loop module adds for its wasm form. */
export interface WasmWrapper extends EmittedBatch {
  /** lossAndGradient's first statement after its checks: run the wasm form when there is one. */
  readonly dispatch: string;
}

/** `name` times a constant factor, as code (without a "× 1"). */
const times = (name: string, factor: number) => (factor === 1 ? name : `${name} * ${factor}`);

const BASE64_DIGITS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

export function wasmWrapper(wasm: DenseWasm, tile: number): WasmWrapper {
  const { layout, region, inputs: I, targets: T } = wasm;
  const P = layout.paramCount;
  const at = (bytes: number) => bytes / 8; // a byte offset as an index of the module's memory as doubles
  const base64 = Buffer.from(wasm.bytes).toString("base64");
  const exportsType = "{ readonly memory: { readonly buffer: ArrayBuffer }; begin(): void; tile(rows: number): void; finish(n: number): void }";
  const apiType =
    "{ Module: new (bytes: Uint8Array) => object; Instance: new (module: object, imports: object) => { readonly exports: unknown }; " +
    "Memory: new (size: { initial: number; maximum: number }) => { readonly buffer: ArrayBuffer } }";
  const numbers = `{ ${wasm.numbers.map(([name, value]) => `${name}: ${value}`).join(", ")} }`;
  return {
    types: [{ name: "_Wasm", type: exportsType, docs: "lossAndGradient's WebAssembly instance: its memory and its exports." }],
    constants: [
      {
        name: "_wasm",
        initializer: `_wasmInstance("${base64}", ${wasm.bytes.length}, ${wasm.pages}, ${numbers})`,
        docs:
          `lossAndGradient's WebAssembly form (${wasm.bytes.length} bytes; its text: symgrad's generator/emit/wasm/), instantiated once ` +
          `with a memory of ${wasm.pages} page${wasm.pages === 1 ? "" : "s"} (64 KiB each) and this model's buffer addresses (bytes) and layer sizes, which the module imports; ` +
          "undefined where WebAssembly is unavailable or refused, and then the JavaScript loops below answer.",
      },
      {
        name: "_wasmHeap",
        initializer: `new Float64Array(_wasm === undefined ? new ArrayBuffer(0) : _wasm.memory.buffer)`,
        docs: "The module's memory as doubles: it never grows, so this view stays valid.",
      },
      {
        name: "_wasmGradient",
        initializer: `_wasmHeap.subarray(${at(layout.grad)}, ${at(layout.grad) + P})`,
        docs: "Where the module leaves the mean gradient.",
      },
      {
        name: "BACKEND",
        exported: true,
        initializer: `_wasm === undefined ? "javascript" : "webassembly"`,
        docs: "Which code answers lossAndGradient: its WebAssembly form, or the JavaScript loops where WebAssembly is unavailable.",
      },
    ],
    functions: [
      {
        exported: false,
        name: "_wasmInstance",
        parameters: [
          { name: "base64", type: "string" },
          { name: "length", type: "number" },
          { name: "pages", type: "number" },
          { name: "layout", type: "Readonly<Record<string, number>>" },
        ],
        returnType: "_Wasm | undefined",
        docs:
          "Compiles and instantiates the module (synchronously: it is small) with a memory of `pages` that never grows, or undefined " +
          "where WebAssembly is missing or refused.",
        statements: [
          `const api = (globalThis as unknown as { WebAssembly?: ${apiType} }).WebAssembly;`,
          "if (api === undefined) return undefined;",
          "try {",
          "  const memory = new api.Memory({ initial: pages, maximum: pages });",
          "  const module = new api.Module(_base64Bytes(base64, length));",
          "  const exports = new api.Instance(module, { env: { memory }, layout }).exports as Omit<_Wasm, \"memory\">;",
          "  return { memory, begin: exports.begin, tile: exports.tile, finish: exports.finish };",
          "} catch {",
          "  return undefined;",
          "}",
        ],
      },
      {
        exported: false,
        name: "_base64Bytes",
        parameters: [{ name: "text", type: "string" }, { name: "length", type: "number" }],
        returnType: "Uint8Array",
        docs: "Base64 -> its `length` bytes: the platform's decoder where there is one (Uint8Array.fromBase64, Node's Buffer), else a loop (padding reads as zeros; writes past the end of a typed array are dropped). The loop runs before V8 has compiled it: 0.74-0.93 ms of the module's load in a fresh Node process, against 0.22-0.39 ms for Buffer's first use.",
        statements: [
          `const platform = globalThis as unknown as { Uint8Array: { fromBase64?: (text: string) => Uint8Array }; Buffer?: { from(text: string, encoding: "base64"): Uint8Array } };`,
          "const decoded = platform.Uint8Array.fromBase64?.(text) ?? platform.Buffer?.from(text, \"base64\");",
          "if (decoded !== undefined && decoded.length === length) return decoded;",
          "const value = new Uint8Array(128);",
          `for (let k = 0; k < 64; k++) value["${BASE64_DIGITS}".charCodeAt(k)] = k;`,
          "const bytes = new Uint8Array(length);",
          "for (let i = 0, o = 0; o < length; i += 4, o += 3) {",
          "  const word =",
          "    (value[text.charCodeAt(i)]! << 18) | (value[text.charCodeAt(i + 1)]! << 12) | (value[text.charCodeAt(i + 2)]! << 6) | value[text.charCodeAt(i + 3)]!;",
          "  bytes[o] = word >> 16;",
          "  bytes[o + 1] = (word >> 8) & 255;",
          "  bytes[o + 2] = word & 255;",
          "}",
          "return bytes;",
        ],
      },
      {
        exported: false,
        name: "_lossAndGradientWasm",
        parameters: [
          { name: "wasm", type: "_Wasm" },
          { name: "params", type: "Float64Array" },
          { name: "X", type: "Float64Array" },
          { name: "Y", type: "Float64Array" },
          { name: "grad", type: "Float64Array" },
          { name: "n", type: "number" },
        ],
        returnType: "number",
        docs:
          `lossAndGradient in WebAssembly: per tile of ${tile} rows, the rows copied into the module's memory and run; ` +
          "each sample's loss is log1p(term) + rest (wasm has no log1p), summed per tile and over the tiles as the loops sum it.",
        statements: [
          `// The module's memory, in doubles: params at ${at(layout.params)}, the mean gradient at ${at(layout.grad)}; a tile's rows of X at ` +
            `${at(region.inputs)} and of Y at ${at(region.targets)}; per sample, the log1p argument at ${at(region.terms)} and the rest of the loss at ${at(region.rests)}.`,
          "const heap = _wasmHeap;",
          `heap.set(params, ${at(layout.params)});`,
          "wasm.begin();",
          "let loss = 0;",
          `for (let s0 = 0; s0 < n; s0 += ${tile}) {`,
          `  const m = Math.min(${tile}, n - s0);`,
          `  for (let k = 0, from = ${times("s0", I)}; k < ${times("m", I)}; k++) heap[${at(region.inputs)} + k] = X[from + k]!;`,
          `  for (let k = 0, from = ${times("s0", T)}; k < ${times("m", T)}; k++) heap[${at(region.targets)} + k] = Y[from + k]!;`,
          "  wasm.tile(m);",
          "  let tileLoss = 0;",
          `  for (let s = 0; s < m; s++) tileLoss += Math.log1p(heap[${at(region.terms)} + s]!) + heap[${at(region.rests)} + s]!;`,
          "  loss += tileLoss;",
          "}",
          "wasm.finish(n);",
          "grad.set(_wasmGradient);",
          "return loss / n;",
        ],
      },
    ],
    dispatch: "if (_wasm !== undefined) return _lossAndGradientWasm(_wasm, params, X, Y, grad, _n);",
  };
}
