/**
 * tanh(z) and tanh'(z) = sech²(z) as every generated program computes them (lower.ts, tanhParts: one
 * expm1 for both, the generated `_expm1` of emit/fast-math.ts), run as the printed code of the loop
 * modules' activation kernel (compile.ts's ActivationKernel, printed like emit/loops.ts prints it):
 * tanh against mpmath references (≤ 3 ulps from the exact value; measured 2.5), against Math.tanh over
 * dense sweeps (≤ 5 ulps: Math.tanh is itself 2.4 ulps from the exact value on the references) and the same ±0,
 * NaN and ±∞; sech² against mpmath references (1000 digits, test/fixtures/second_derivative_references.*:
 * ≤ 1e-14 relative wherever sech² is a normal number).
 */
import { readFileSync } from "node:fs";
import { transformSync } from "esbuild";
import { describe, expect, it } from "vitest";
import { compileModel } from "../generator/compile.ts";
import { assignmentLines, operandCode, temp, useCounts } from "../generator/emit/batch.ts";
import { fastMathStatements } from "../generator/emit/fast-math.ts";
import { printModule } from "../generator/emit/print.ts";
import { defineModel, mlp } from "../generator/index.ts";
import type { Program } from "../generator/symbolic/schedule.ts";
import { relativeError, rng } from "./helpers.ts";

/** The tanh kernel program of a loop module: reads z, outputs [tanh(z), tanh'(z)]. */
function tanhKernel(): Program {
  const model = defineModel({ name: "tanh_kernel", ...mlp({ layers: [2, 3, 1], activation: "tanh", output: "sigmoid", loss: "bce" }) });
  const compiled = compileModel(model, "loops");
  if (compiled.strategy !== "loops") throw new Error("expected the loop strategy");
  return compiled.kernels.get("tanh")!.forward;
}

/** The program printed as the emitter prints it, with the module's exp helpers, as a function z → [tanh(z), sech²(z)]. */
function printed(program: Program): (z: number) => [number, number] {
  const helpers = transformSync(printModule({ statements: fastMathStatements({ exp: true, expm1: true }) }), { loader: "ts" }).code;
  const lines = assignmentLines(program, program.assignments.map((_, i) => i), useCounts(program));
  const [a, f] = program.outputs.map((o) => operandCode(o, temp));
  const body = `${helpers}\nreturn (z) => {\n${lines.join("\n")}\nreturn [${a}, ${f}];\n};`;
  return new Function(body)() as (z: number) => [number, number];
}

const program = tanhKernel();
const kernel = printed(program);

/** Distance in units in the last place between two finite doubles (adjacent doubles: 1). */
const bits = new BigInt64Array(1);
const doubles = new Float64Array(bits.buffer);
function ordinal(x: number): bigint {
  doubles[0] = x;
  return bits[0] < 0n ? -(bits[0] & 0x7fffffffffffffffn) : bits[0];
}
const ulps = (a: number, b: number) => Number(ordinal(a) - ordinal(b));

describe("tanh and sech² from one expm1", () => {
  it("cost one transcendental call: one expm1, no tanh or exp", () => {
    expect(program.counts.byKind.expm1).toBe(1);
    expect(program.counts.byKind.tanh ?? 0).toBe(0);
    expect(program.counts.byKind.exp ?? 0).toBe(0);
  });

  const ranges: [string, number, number][] = [
    ["tiny, 1e-300 to 1e-8", 1e-300, 1e-8],
    ["small, 1e-8 to 1e-3", 1e-8, 1e-3],
    ["0.001 to 1 (the expm1(−2|z|) half)", 1e-3, 1],
    ["1 to 5 (the expm1(2|z|) half)", 1, 5],
    ["5 to 19", 5, 19],
    ["19 to 20 (tanh rounds to 1)", 19, 20],
    ["20 to 800", 20, 800],
  ];
  it.each(ranges)("tanh within 5 ulps of Math.tanh: %s, both signs", (name, lo, hi) => {
    const random = rng(`tanh/${name}`);
    let worst = 0;
    for (let k = 0; k < 20_000; k++) {
      const magnitude = lo < 1e-2 ? lo * Math.pow(hi / lo, random()) : lo + (hi - lo) * random();
      for (const z of [magnitude, -magnitude]) worst = Math.max(worst, Math.abs(ulps(kernel(z)[0], Math.tanh(z))));
    }
    expect(worst).toBeLessThanOrEqual(5);
  });

  it("tanh is Math.tanh at ±0, ±1e-300, the smallest subnormal, ±1, ±19, ±20, ±400, ±800, ±∞ and NaN", () => {
    const points = [0, -0, 1e-300, -1e-300, 5e-324, -5e-324, 1, -1, 19, -19, 20, -20, 354.5, 355, 400, -400, 800, -800, Infinity, -Infinity, NaN];
    for (const z of points) expect(kernel(z)[0], `tanh(${z})`).toBe(Math.tanh(z)); // toBe: Object.is, so −0 ≠ 0
  });

  it("sech² is finite and non-negative everywhere, 0 at ±∞ and NaN at NaN", () => {
    for (const z of [0, -0, 5e-324, 1, 19, 354.9, 355, 372, 373, 800, 1e300, -1e300]) {
      const s = kernel(z)[1];
      expect(Number.isFinite(s) && s >= 0 && s <= 1, `sech²(${z}) = ${s}`).toBe(true);
    }
    expect([kernel(Infinity)[1], kernel(-Infinity)[1]]).toEqual([0, 0]);
    expect(kernel(NaN)[1]).toBeNaN();
  });

  const fixtures = JSON.parse(readFileSync(new URL("./fixtures/second_derivative_references.json", import.meta.url), "utf8")) as {
    sech2Sweep: [string, string][];
    tanhSweep: [z: string, nearest: string, nearestError: number][];
  };
  const SMALLEST_NORMAL = 2.2250738585072014e-308;

  it(`sech² to 1e-14 relative on ${fixtures.sech2Sweep.length} points (mpmath), and below the smallest normal where the exact value is`, () => {
    expect(fixtures.sech2Sweep.length).toBeGreaterThan(1500);
    for (const [zText, referenceText] of fixtures.sech2Sweep) {
      const z = Number(zText);
      const reference = Number(referenceText);
      const s = kernel(z)[1];
      if (reference >= SMALLEST_NORMAL) expect(relativeError(s, reference), `sech²(${zText})`).toBeLessThanOrEqual(1e-14);
      else expect(s, `sech²(${zText})`).toBeLessThan(SMALLEST_NORMAL);
    }
  });

  it(`tanh within 3 ulps of the exact value on ${fixtures.tanhSweep.length} points (mpmath), like Math.tanh`, () => {
    expect(fixtures.tanhSweep.length).toBeGreaterThan(8000);
    // Error in ulps of a computed t: its distance in ulps from the double nearest the exact value, minus
    // that double's own error (the fixture's third column).
    const error = (t: number, nearest: number, nearestError: number) => Math.abs(ulps(t, nearest) - nearestError);
    let worst = 0;
    let worstMathTanh = 0;
    for (const [zText, nearestText, nearestError] of fixtures.tanhSweep) {
      const z = Number(zText);
      const nearest = Number(nearestText);
      worst = Math.max(worst, error(kernel(z)[0], nearest, nearestError));
      worstMathTanh = Math.max(worstMathTanh, error(Math.tanh(z), nearest, nearestError));
    }
    expect(worst).toBeLessThanOrEqual(3);
    expect(worstMathTanh).toBeLessThanOrEqual(3); // the bar: V8's own tanh (2.4 ulps on these points, Node 20)
  });

  it("sech² is relatively accurate where 1 − tanh² is not (|z| from 10 to 30)", () => {
    const reference = (z: number) => 1 / Math.cosh(z) ** 2; // within a few ulps below |z| = 350
    for (let z = 10; z <= 30; z += 0.37) {
      expect(relativeError(kernel(z)[1], reference(z))).toBeLessThan(1e-14);
      expect(relativeError(1 - Math.tanh(z) ** 2, reference(z))).toBeGreaterThan(1e-9); // what the table's form loses
    }
  });
});
