/**
 * The WebAssembly prototype (test/bench/wasm/) computes generated/mlp_2_64_64_1.ts's lossAndGradient
 * bit for bit: on the bench data and parameters, on seeded ordinary points, on a batch longer than one
 * tile, and with saturated pre-activations (|z| of about 40 and 800, where exp/expm1 leave the table
 * path for Math.exp/Math.expm1 and tanh, σ and the BCE take their far branches). It is checked as the
 * JavaScript module an app would import (the .mjs with the bytes embedded), scalar and f64x2.
 */
import { describe, expect, it } from "vitest";
import { pathToFileURL } from "node:url";
import * as generated from "../../../generated/mlp_2_64_64_1.ts";
import { clusters } from "../../../src/data.ts";
import { createRng } from "../../../src/rng.ts";
import { benchCases } from "../cases.ts";
import { buildModule, VARIANTS, writeModule } from "./build.ts";
import { f64 } from "./emit-wat.ts";

type LossAndGradient = (params: Float64Array, X: Float64Array, Y: Float64Array, grad: Float64Array) => number;

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

describe.each(VARIANTS)("$name", ({ name, options }) => {
  const load = async (): Promise<LossAndGradient> => {
    const file = writeModule(buildModule(`${name}_test`, [2, 64, 64, 1], options));
    return ((await import(pathToFileURL(file).href)) as { lossAndGradient: LossAndGradient }).lossAndGradient;
  };
  const wasm = load();

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
