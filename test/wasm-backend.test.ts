/**
 * lossAndGradient's WebAssembly form (generator/emit/wasm/): which models get it, that it is what runs
 * in Node, and that it computes the JavaScript loops' bits. The loops are the same module loaded where
 * WebAssembly is missing or refused (the fallback a strict Content-Security-Policy gets), a program the
 * wasm shares no code with; test/loops.test.ts and test/generated.test.ts check both against the
 * hand-written backprop, finite differences and the interpreter. Also: the assembler (watr) gives the
 * bytes wabt gives for every shipped module's text.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import wabtInit from "wabt";
import { afterAll, describe, expect, it } from "vitest";
import { compileModel, type LoopModel } from "../generator/compile.ts";
import { formatTypeScript } from "../generator/emit/format.ts";
import { emitModule } from "../generator/emit/module.ts";
import { denseWasm, wasmRefusal } from "../generator/emit/wasm/backend.ts";
import { binaryCrossEntropy, defineModel, dense, mlp } from "../generator/index.ts";
import { sigmoid, sym, type Expr } from "../generator/symbolic/expr.ts";
import { SHIPPED_MODELS } from "../generator/models/index.ts";
import type { GeneratedModel } from "../src/contract.ts";
import { rng, uniform } from "./helpers.ts";
import { importWithGlobals, importWithWebAssembly } from "./javascript-loops.ts";

type WasmModule = GeneratedModel & { readonly BACKEND?: "webassembly" | "javascript" };

const root = fileURLToPath(new URL("..", import.meta.url));
const dir = mkdtempSync(join(tmpdir(), "symgrad-wasm-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const importWith = (file: string, webAssembly: unknown) => importWithWebAssembly<WasmModule>(file, webAssembly);

/** A WebAssembly whose compiler refuses every module, as a page's Content-Security-Policy without 'wasm-unsafe-eval' does. */
const REFUSING = {
  Module: class {
    constructor() {
      throw new Error("WebAssembly.Module(): Refused to compile or instantiate WebAssembly module because 'wasm-unsafe-eval' is not an allowed source");
    }
  },
  Instance: WebAssembly.Instance,
  Memory: WebAssembly.Memory,
};

/** The real WebAssembly, recording the calls the module's JavaScript makes to its instance's exports. */
function spyingWebAssembly(): { Module: typeof WebAssembly.Module; Instance: unknown; Memory: typeof WebAssembly.Memory; calls: string[] } {
  const calls: string[] = [];
  const RealInstance = WebAssembly.Instance; // the global is this spy while the module loads
  class Instance {
    readonly exports: Record<string, unknown>;
    constructor(module: WebAssembly.Module, imports: WebAssembly.Imports) {
      const real = new RealInstance(module, imports).exports;
      const spied = (name: string, f: (...args: number[]) => void) => (...args: number[]) => {
        calls.push([name, ...args].join(" "));
        f(...args);
      };
      this.exports = Object.fromEntries(Object.entries(real).map(([name, value]) => [name, typeof value === "function" ? spied(name, value as (...args: number[]) => void) : value]));
    }
  }
  return { Module: WebAssembly.Module, Instance, Memory: WebAssembly.Memory, calls };
}

interface Batch {
  readonly label: string;
  readonly params: Float64Array;
  readonly X: Float64Array;
  readonly Y: Float64Array;
}

/** Seeded batches: 1 row, a 200-row batch, exactly one tile, one row over, three tiles; parameters up to saturation. */
function batches(m: WasmModule, seed: string): Batch[] {
  const { inputs, targets, params: P } = m.MODEL;
  const random = rng(seed);
  const shapes: [rows: number, scale: number][] = [[1, 1], [200, 1], [256, 1], [257, 3], [700, 1], [200, 40], [300, 800]];
  return shapes.map(([rows, scale]) => ({
    label: `${rows} rows, parameters ×${scale}`,
    params: Float64Array.from({ length: P }, () => uniform(random, -0.5, 0.5) * scale),
    X: Float64Array.from({ length: rows * inputs }, () => uniform(random, -3, 3)),
    Y: Float64Array.from({ length: rows * targets }, () => (random() < 0.5 ? 0 : 1)),
  }));
}

function expectSameBits(wasm: WasmModule, js: WasmModule, batch: Batch): void {
  const P = wasm.MODEL.params;
  const [gw, gj] = [new Float64Array(P), new Float64Array(P)];
  const lw = wasm.lossAndGradient(batch.params, batch.X, batch.Y, gw);
  const lj = js.lossAndGradient(batch.params, batch.X, batch.Y, gj);
  expect(Object.is(lw, lj), `${batch.label}: loss ${lw} against ${lj}`).toBe(true);
  const differing = [...gw.keys()].filter((k) => !Object.is(gw[k], gj[k]));
  expect(differing.map((k) => `${k}: ${gw[k]} against ${gj[k]}`).slice(0, 5), batch.label).toEqual([]);
}

const shippedWithWasm = SHIPPED_MODELS.map((d) => d.name).filter((name) => name.startsWith("mlp_"));

describe.each(shippedWithWasm)("generated/%s.ts", (name) => {
  const file = join(root, "generated", `${name}.ts`);

  it("runs lossAndGradient in WebAssembly in Node (one tile call per 256 rows), and in JavaScript where WebAssembly is missing or refused", async () => {
    const spy = spyingWebAssembly();
    const wasm = await importWith(file, spy);
    const missing = await importWith(file, undefined);
    const refused = await importWith(file, REFUSING);
    expect([wasm.BACKEND, missing.BACKEND, refused.BACKEND]).toEqual(["webassembly", "javascript", "javascript"]);
    const batch = batches(wasm, name).find((b) => b.label.startsWith("700 rows"))!;
    wasm.lossAndGradient(batch.params, batch.X, batch.Y, new Float64Array(batch.params.length));
    expect(spy.calls).toEqual(["begin", "tile 256", "tile 256", "tile 188", "finish 700"]);
  });

  it("gives the JavaScript loops' bits: loss and every gradient component, from 1 row to 3 tiles, up to saturated pre-activations", async () => {
    const wasm = await importWith(file, WebAssembly);
    const js = await importWith(file, undefined);
    for (const batch of batches(wasm, name)) expectSameBits(wasm, js, batch);
  });

  it("decodes its WebAssembly bytes without the platform's base64 decoders (no Buffer, no Uint8Array.fromBase64, as in older browsers): the same bits", async () => {
    const native = await importWith(file, WebAssembly);
    const bareUint8Array = class extends Uint8Array {};
    Object.defineProperty(bareUint8Array, "fromBase64", { value: undefined });
    const looped = await importWithGlobals<WasmModule>(file, { Buffer: undefined, Uint8Array: bareUint8Array });
    expect(looped.BACKEND).toBe("webassembly");
    for (const batch of batches(native, name).slice(0, 3)) expectSameBits(native, looped, batch);
  });

  it("beyond the exp table (a hidden |z| ~ 354.5, an output |z| ~ 720), where wasm computes e^x itself: within 1e-12 of the loops", async () => {
    const wasm = await importWith(file, WebAssembly);
    const js = await importWith(file, undefined);
    const random = rng(`${name}/beyond`);
    const biasLayer = (param: string) => Number(/^b(\d+)_/.exec(param)?.[1] ?? 0);
    const layers = Math.max(...wasm.PARAM_NAMES.map(biasLayer));
    for (const [layer, level] of [[1, 354.5], [layers, 720]] as const) {
      let sign = 1;
      const params = Float64Array.from(wasm.PARAM_NAMES, (param) => {
        if (biasLayer(param) !== layer) return uniform(random, -0.05, 0.05);
        sign = -sign;
        return sign * level;
      });
      const X = Float64Array.from({ length: 2 * 300 }, () => uniform(random, -1, 1));
      const Y = Float64Array.from({ length: 300 }, () => (random() < 0.5 ? 0 : 1));
      const [gw, gj] = [new Float64Array(params.length), new Float64Array(params.length)];
      const [lw, lj] = [wasm.lossAndGradient(params, X, Y, gw), js.lossAndGradient(params, X, Y, gj)];
      const scale = Math.max(...gj.map(Math.abs));
      expect(Math.abs(lw - lj) / Math.abs(lj), `layer ${layer} biases ±${level}: loss`).toBeLessThanOrEqual(1e-12);
      expect(Math.max(...gw.map((g, k) => Math.abs(g - gj[k]!))) / scale, `layer ${layer} biases ±${level}: gradient`).toBeLessThanOrEqual(1e-12);
    }
  });

  it("non-finite inputs (NaN and ±∞ in X, a NaN or infinite parameter): the loops' bits, and no trap", async () => {
    const wasm = await importWith(file, WebAssembly);
    const js = await importWith(file, undefined);
    const [base] = batches(wasm, `${name}/non-finite`).filter((b) => b.label.startsWith("200 rows"));
    const X = base!.X.slice();
    X[3] = NaN;
    X[10] = Infinity;
    X[21] = -Infinity;
    expectSameBits(wasm, js, { ...base!, label: "NaN and ±∞ in X", X });
    for (const value of [NaN, Infinity, -Infinity]) {
      const params = base!.params.slice();
      params[7] = value;
      expectSameBits(wasm, js, { ...base!, label: `parameter 7 = ${value}`, params });
    }
  });

  it("checks its arguments as the loops do, and leaves none of them changed", async () => {
    const m = await importWith(file, WebAssembly);
    const [batch] = batches(m, `${name}/checks`);
    const { params, X, Y } = batch!;
    const copies = [params, X, Y].map((a) => a.slice());
    expect(() => m.lossAndGradient(params, X, Y, new Float64Array(1))).toThrow(/grad must have length/);
    expect(() => m.lossAndGradient(params, X, new Float64Array(0), new Float64Array(params.length))).toThrow(/Y must hold n >= 1 rows/);
    m.lossAndGradient(params, X, Y, new Float64Array(params.length));
    expect([params, X, Y]).toEqual(copies);
  });
});

/** A module generated from `definition` into the test folder, imported with WebAssembly as given. */
async function generatedModule(compiled: LoopModel, replacement: unknown): Promise<WasmModule> {
  const file = join(dir, `${compiled.definition.name}_source.ts`);
  writeFileSync(file, await formatTypeScript(emitModule(compiled)));
  return importWith(file, replacement);
}

function loopModel(definition: Parameters<typeof compileModel>[0]): LoopModel {
  const compiled = compileModel(definition, "loops");
  if (compiled.strategy !== "loops") throw new Error(`${definition.name} has no loop form`);
  return compiled;
}

/** dense(): a sigmoid layer, then a relu layer, then a linear unit, with σ + BCE on its logit. */
function mixedModel(): LoopModel {
  const [x1, x2, x3, y] = ["x1", "x2", "x3", "y"].map(sym) as [Expr, Expr, Expr, Expr];
  const first = dense([x1, x2, x3], 5, { layer: 1, activation: "sigmoid" });
  const second = dense(first.outputs, 4, { layer: 2, activation: "relu" });
  const out = dense(second.outputs, 1, { layer: 3 });
  const p = sigmoid(out.outputs[0]!);
  return loopModel(
    defineModel({
      name: "mixed_3_5_4_1", inputs: [x1, x2, x3], targets: [y], params: [...first.params, ...second.params, ...out.params],
      outputs: [p], loss: binaryCrossEntropy([p], [y]), layers: [first, second, out],
    }),
  );
}

describe("which models get a WebAssembly form", () => {
  const cases: [string, () => LoopModel][] = [
    ["sigmoid hidden layers", () => loopModel(defineModel({ name: "sig_2_6_5_1", ...mlp({ layers: [2, 6, 5, 1], activation: "sigmoid", output: "sigmoid", loss: "bce" }) }))],
    ["relu hidden layers", () => loopModel(defineModel({ name: "relu_3_7_1", ...mlp({ layers: [3, 7, 1], activation: "relu", output: "sigmoid", loss: "bce" }) }))],
    ["a 1-unit hidden layer", () => loopModel(defineModel({ name: "tanh_1_1_1", ...mlp({ layers: [1, 1, 1], activation: "tanh", output: "sigmoid", loss: "bce" }) }))],
    ["dense() layers of different activations (sigmoid, relu)", mixedModel],
  ];

  it.each(cases)("%s: bitwise equal to the loops", async (_, make) => {
    const model = make();
    expect(wasmRefusal(model)).toBeUndefined();
    const wasm = await generatedModule(model, WebAssembly);
    const js = await generatedModule(model, undefined);
    expect([wasm.BACKEND, js.BACKEND]).toEqual(["webassembly", "javascript"]);
    for (const batch of batches(wasm, model.definition.name)) expectSameBits(wasm, js, batch);
  });

  it.each([
    ["softplus hidden layers (log1p)", () => loopModel(defineModel({ name: "sp_2_4_1", ...mlp({ layers: [2, 4, 1], activation: "softplus", output: "sigmoid", loss: "bce" }) })), /Math\.log1p/],
    ["softmax + cross-entropy", () => loopModel(defineModel({ name: "sm_2_4_3", ...mlp({ layers: [2, 4, 3], activation: "tanh", output: "softmax", loss: "cross-entropy" }) })), /log1p\(term\) \+ rest/],
    ["a linear output with MSE", () => loopModel(defineModel({ name: "mse_2_4_1", ...mlp({ layers: [2, 4, 1], activation: "tanh", output: "linear", loss: "mse" }) })), /log1p\(term\) \+ rest/],
  ] as const)("%s: none, and the module says nothing of one", async (_, make, reason) => {
    const model = make();
    expect(wasmRefusal(model)).toMatch(reason);
    expect(denseWasm(model)).toBeUndefined();
    const source = await formatTypeScript(emitModule(model));
    expect(source).not.toMatch(/_wasm|BACKEND/);
  });
});

describe("the assembler", () => {
  it("gives wabt's bytes for every shipped module's text", async () => {
    const wabt = await wabtInit();
    for (const definition of SHIPPED_MODELS.filter((d) => shippedWithWasm.includes(d.name))) {
      const name = definition.name;
      const built = denseWasm(loopModel(definition));
      const parsed = wabt.parseWat(`${name}.wat`, built!.wat, { bulk_memory: true });
      try {
        parsed.validate();
        expect(Buffer.compare(Buffer.from(parsed.toBinary({}).buffer), Buffer.from(built!.bytes)), name).toBe(0);
      } finally {
        parsed.destroy();
      }
    }
  });
});
