/**
 * The WebAssembly prototype (test/bench/wasm/) computes generated/mlp_2_64_64_1.ts's lossAndGradient
 * bit for bit: on the bench data and parameters, on seeded ordinary points, on a batch longer than one
 * tile, and with saturated pre-activations (|z| of about 40 and 800, where exp/expm1 leave the table
 * path for Math.exp/Math.expm1 and tanh, σ and the BCE take their far branches). It is checked as the
 * JavaScript module an app would import (the .mjs with the bytes embedded), scalar and f64x2.
 */
import { describe, expect, it } from "vitest";
import { fileURLToPath, pathToFileURL } from "node:url";
import type * as generatedModule from "../../../generated/mlp_2_64_64_1.ts";
import { importJavaScriptLoops } from "../../javascript-loops.ts";
import { clusters } from "../../../src/data.ts";
import { createRng } from "../../../src/rng.ts";
import { benchCases } from "../cases.ts";
import { disagreements } from "../validate.ts";
import { assemble, buildModule, VARIANTS, writeModule } from "./build.ts";
import { emitExpTestWat, f64 } from "./emit-wat.ts";

type LossAndGradient = (params: Float64Array, X: Float64Array, Y: Float64Array, grad: Float64Array) => number;

// The generated module's lossAndGradient runs the shipped WebAssembly form (generator/emit/wasm/) where it
// can; this prototype is compared with its JavaScript loops, as before that backend shipped.
const generatedFile = fileURLToPath(new URL("../../../generated/mlp_2_64_64_1.ts", import.meta.url));
const generated = await importJavaScriptLoops<typeof generatedModule>(generatedFile);

const bench = benchCases(["mlp_2_64_64_1"])[0]!;
const P = generated.MODEL.params;

/** Normal × scale for every parameter, seeded; biases of the chosen layers set to ±level, alternating. */
function params(seed: string, scale: number, level?: { value: number; layers: readonly number[] }): Float64Array {
  const rng = createRng(seed);
  const p = Float64Array.from(generated.PARAM_NAMES, () => scale * rng.normal());
  if (level) {
    let sign = 1;
    generated.PARAM_NAMES.forEach((name, k) => {
      const layer = /^b(\d+)_/.exec(name)?.[1];
      if (layer && level.layers.includes(Number(layer))) {
        p[k] = sign * level.value;
        sign = -sign;
      }
    });
  }
  return p;
}

/** [loss, ...grad]. */
function run(f: LossAndGradient, p: Float64Array, X: Float64Array, Y: Float64Array): Float64Array {
  const grad = new Float64Array(P);
  const loss = f(p, X, Y, grad);
  return Float64Array.of(loss, ...grad);
}

/** Components whose bits differ (compared as bits, so −0/+0 and NaN payloads count). */
function differingBits(expected: Float64Array, actual: Float64Array): string[] {
  const a = new BigUint64Array(expected.buffer);
  const b = new BigUint64Array(actual.buffer);
  const names = ["loss", ...generated.PARAM_NAMES];
  return names.filter((_, k) => a[k] !== b[k]).map((name, k) => `${name}: ${expected[k]} vs ${actual[k]}`);
}

const long = clusters({ n: 700, seed: "wasm/long" }); // three tiles, the last one partial (188 rows)

const POINTS: [string, Float64Array, Float64Array, Float64Array][] = [
  ["the bench parameters", bench.params, bench.data.X, bench.data.Y],
  ["ordinary point a", params("wasm/a", 0.5), bench.data.X, bench.data.Y],
  ["ordinary point b, 700 rows", params("wasm/b", 0.5), long.X, long.Y],
  ["one row", params("wasm/c", 0.5), bench.data.X.subarray(0, 2), bench.data.Y.subarray(0, 1)],
  ["hidden |z| ~ 40", params("wasm/h40", 0.5, { value: 40, layers: [1, 2] }), bench.data.X, bench.data.Y],
  ["hidden |z| ~ 800", params("wasm/h800", 0.5, { value: 800, layers: [1, 2] }), bench.data.X, bench.data.Y],
  ["output z ~ 40", params("wasm/o40", 0.5, { value: 40, layers: [3] }), bench.data.X, bench.data.Y],
  ["output z ~ -800", params("wasm/o800", 0.5, { value: -800, layers: [3] }), bench.data.X, bench.data.Y],
  ["all |z| ~ 800", params("wasm/all800", 0.5, { value: 800, layers: [1, 2, 3] }), bench.data.X, bench.data.Y],
];

/** The variants measured, and two more sub-tile sizes (the whole tile; a small one that does not divide 200). */
const TESTED = [
  ...VARIANTS,
  { name: "wasm_sub256", options: { subTile: 256 } },
  { name: "wasm_simd_sub16_imports", options: { subTile: 16, simd: true, mathImports: true } },
];

async function load(name: string, options: (typeof TESTED)[number]["options"]): Promise<LossAndGradient> {
  const file = writeModule(buildModule(`mlp_2_64_64_1_${name}_test`, [2, 64, 64, 1], options));
  return ((await import(pathToFileURL(file).href)) as { lossAndGradient: LossAndGradient }).lossAndGradient;
}

describe.each(TESTED)("$name", ({ name, options }) => {
  const wasm = load(name, options);

  it.each(POINTS)("equals the generated lossAndGradient bitwise at %s", async (_what, p, X, Y) => {
    const expected = run(generated.lossAndGradient, p, X, Y);
    const actual = run(await wasm, p, X, Y);
    expect(actual.every(Number.isFinite)).toBe(true);
    expect(differingBits(expected, actual)).toEqual([]);
  });

  it("gives the same answer on repeated calls (no state left between calls)", async () => {
    const f = await wasm;
    const first = run(f, bench.params, bench.data.X, bench.data.Y);
    run(f, params("wasm/other", 2), long.X, long.Y);
    expect(differingBits(first, run(f, bench.params, bench.data.X, bench.data.Y))).toEqual([]);
  });

  it("refuses arrays of the wrong length with a message naming them", async () => {
    const f = await wasm;
    expect(() => f(new Float64Array(3), bench.data.X, bench.data.Y, new Float64Array(P))).toThrow(/params .*length 4417/);
    expect(() => f(bench.params, bench.data.X.subarray(1), bench.data.Y, new Float64Array(P))).toThrow(/X must/);
  });
});

/**
 * Where e^x or e^x − 1 leave the table path (|x| ≥ 708) and the result is neither 0 nor +∞: the
 * output's z in −745 … −708, a hidden unit's z in ±354 … 355. There the import-free modules compute
 * e^x themselves (within 1 ulp of Math.exp), so they may differ from the generated code in the last
 * bits; the ones importing Math stay bitwise equal.
 */
describe("between the table range and the limits of e^x", () => {
  const WINDOWS: [string, Float64Array][] = [
    ["output z ~ -720", params("wasm/o720", 0.05, { value: -720, layers: [3] })],
    ["output z ~ 730", params("wasm/o730", 0.05, { value: 730, layers: [3] })],
    ["hidden |z| ~ 354.5", params("wasm/h354", 0.05, { value: 354.5, layers: [1, 2] })],
  ];
  it.each(WINDOWS)("import-free modules agree to 1e-12 and importing ones bitwise, at %s", async (_what, p) => {
    const expected = run(generated.lossAndGradient, p, bench.data.X, bench.data.Y);
    for (const { name, options } of TESTED) {
      const actual = run(await load(name, options), p, bench.data.X, bench.data.Y);
      if (options.mathImports) expect(differingBits(expected, actual)).toEqual([]);
      else expect(disagreements(expected, actual, generated.PARAM_NAMES)).toEqual([]);
    }
  });
});

describe("e^x and e^x − 1 without Math imports", () => {
  const exports = (mathImports: boolean) =>
    new WebAssembly.Instance(new WebAssembly.Module(assemble("exp-test", emitExpTestWat(mathImports))), {
      math: { exp: Math.exp, expm1: Math.expm1 },
    }).exports as { exp: (x: number) => number; expm1: (x: number) => number; round: (x: number) => number };
  const own = exports(false);
  const imported = exports(true);
  /** Distance in representable doubles (same sign assumed; both non-NaN). */
  const ulps = (a: number, b: number) => {
    const bits = new BigInt64Array(Float64Array.of(a, b).buffer);
    const d = bits[0]! - bits[1]!;
    return Number(d < 0n ? -d : d);
  };
  const rng = createRng("wasm/exp");
  const sweep = (lo: number, hi: number, count: number) => Array.from({ length: count }, () => lo + (hi - lo) * rng.uniform());

  it("are within 1 ulp of Math.exp/Math.expm1 between the table range and the limits, and exact at the limits", () => {
    const outside = [...sweep(-745.2, -708, 20000), ...sweep(708, 709.8, 20000)];
    let worst = 0;
    for (const x of outside) {
      worst = Math.max(worst, ulps(own.exp(x), Math.exp(x)));
      if (x > 0) worst = Math.max(worst, ulps(own.expm1(x), Math.expm1(x)));
      else expect(own.expm1(x)).toBe(-1);
    }
    expect(worst).toBeLessThanOrEqual(1);
    for (const x of [-746, -800, -1e308, -Infinity]) expect(Object.is(own.exp(x), 0)).toBe(true);
    for (const x of [710, 800, Infinity]) expect([own.exp(x), own.expm1(x)]).toEqual([Infinity, Infinity]);
    expect([own.exp(NaN), own.expm1(NaN)]).toEqual([NaN, NaN]);
    expect(Object.is(own.expm1(-0), -0) && Object.is(own.expm1(0), 0)).toBe(true);
  });

  it("are the same function as the importing ones inside the table range", () => {
    for (const x of [...sweep(-707.9, 707.9, 20000), ...sweep(-1, 1, 5000), ...sweep(-0.07, 0.07, 5000)]) {
      expect(Object.is(own.exp(x), imported.exp(x))).toBe(true);
      expect(Object.is(own.expm1(x), imported.expm1(x))).toBe(true);
    }
  });

  it("round as Math.round does (ties toward +∞; wasm's f64.nearest rounds them to even)", () => {
    const values = [0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 0.49999999999999994, -0.49999999999999994, 4503599627370495.5, -0.3, 0];
    values.push(...sweep(-40000, 40000, 2000), ...sweep(-40000, 40000, 2000).map((x) => Math.floor(x) + 0.5));
    for (const x of values) expect(Object.is(own.round(x), Math.round(x))).toBe(true);
  });
});

describe("the saturated points saturate", () => {
  it("hidden pre-activations reach ~800 (so tanh's expm1 goes to Math.expm1)", () => {
    // Layer 1's z = w·x + b with b = ±800: |z| within a few units of 800.
    const p = POINTS.find(([what]) => what === "hidden |z| ~ 800")![1];
    expect(Math.abs(p[2]!)).toBe(800);
  });
});

describe("f64 constants", () => {
  it("spell every double exactly, subnormals and −0 included", () => {
    const rng = createRng("wasm/f64");
    const values = [1 / 720, -2, 0.0625, 5e-324, 2.2250738585072014e-308, -0, 1.7976931348623157e308];
    for (let k = 0; k < 200; k++) values.push((rng.uniform() - 0.5) * 10 ** Math.floor(rng.uniform() * 600 - 300));
    for (const v of values) {
      const hex = /^\(f64\.const (-?)0x([01])(?:\.([0-9a-f]+))?p([+-]?\d+)\)$/.exec(f64(v))!;
      const [, sign, lead, frac = "", exponent] = hex;
      const mantissa = Number.parseInt(lead + frac, 16) / 16 ** frac.length;
      const back = (sign ? -1 : 1) * mantissa * 2 ** Number(exponent);
      expect(Object.is(back, v)).toBe(true);
    }
  });
});

/** The emitter is not specific to 2-64-64-1: other shipped loop-emitted tanh MLPs, bitwise, with and without imports. */
describe.each([
  ["mlp_2_16_16_1", [2, 16, 16, 1]],
  ["mlp_2_128_128_1", [2, 128, 128, 1]],
] as const)("%s", (model, layers) => {
  it.each([{}, { simd: true, mathImports: true }, { oneKernelFunction: true, subTile: 32 }])("equals the generated module bitwise (%o)", async (options) => {
    const file0 = fileURLToPath(new URL(`../../../generated/${model}.ts`, import.meta.url));
    const module = await importJavaScriptLoops<{ lossAndGradient: LossAndGradient; PARAM_NAMES: readonly string[] }>(file0);
    const file = writeModule(buildModule(`${model}_${Object.keys(options).join("_") || "default"}_test`, layers, options));
    const wasm = ((await import(pathToFileURL(file).href)) as { lossAndGradient: LossAndGradient }).lossAndGradient;
    const rng = createRng(`wasm/${model}`);
    for (const scale of [0.5, 3]) {
      const p = Float64Array.from(module.PARAM_NAMES, () => scale * rng.normal());
      const g1 = new Float64Array(p.length), g2 = new Float64Array(p.length);
      const expected = Float64Array.of(module.lossAndGradient(p, long.X, long.Y, g1), ...g1);
      const actual = Float64Array.of(wasm(p, long.X, long.Y, g2), ...g2);
      const bits = (a: Float64Array) => new BigUint64Array(a.buffer);
      expect(bits(actual).every((b, k) => b === bits(expected)[k])).toBe(true);
    }
  });
});

describe("non-finite inputs", () => {
  it.each(TESTED)("$name gives a NaN loss for a NaN parameter, as the generated module does, without trapping", async ({ name, options }) => {
    const f = await load(name, options);
    const p = bench.params.slice();
    p[5] = NaN;
    const grad = new Float64Array(P);
    expect(f(p, bench.data.X, bench.data.Y, grad)).toBeNaN();
    expect(generated.lossAndGradient(p, bench.data.X, bench.data.Y, new Float64Array(P))).toBeNaN();
    expect(() => f(p.fill(Infinity), bench.data.X, bench.data.Y, grad)).not.toThrow();
  });
});
