/**
 * The benchmark's hand-written references (test/bench/) are the bar the generated code is measured
 * against, so they must be right: they agree with the generated lossAndGradient on seeded points,
 * ordinary and saturated (every unit's pre-activation near ±30, ±300, ±700).
 */
import { describe, expect, it } from "vitest";
import { MODELS } from "../generated/index.ts";
import type { GeneratedModel } from "../src/contract.ts";
import { clusters } from "../src/data.ts";
import { createRng } from "../src/rng.ts";
import { mlpReference, type LossAndGradient } from "./bench/reference-mlp.ts";
import { seedReferenceLossAndGradient } from "./bench/reference-seed.ts";
import { disagreements, lossAndGradientVector } from "./bench/validate.ts";

const data = clusters({ n: 20, seed: "bench-references" });

/** Standard normal × 0.5 for every parameter, seeded. */
function ordinaryParams(model: GeneratedModel, seed: string): Float64Array {
  const rng = createRng(seed);
  return Float64Array.from(model.PARAM_NAMES, () => 0.5 * rng.normal());
}

/**
 * Ordinary weights with biases set to ±level: every bias, alternating in sign (all units saturate both
 * ways), or only the output's (its pre-activation is about ±level while the hidden units stay ordinary,
 * so every gradient component is non-zero). The weighted inputs add only a few units to the biases.
 */
function saturatedParams(model: GeneratedModel, seed: string, level: number, which: "all" | "output"): Float64Array {
  const params = ordinaryParams(model, seed);
  if (which === "output") {
    params[params.length - 1] = level; // the output bias comes last in every model's layout
    return params;
  }
  let sign = 1;
  model.PARAM_NAMES.forEach((name, k) => {
    if (/^b/.test(name)) {
      params[k] = sign * level;
      sign = -sign;
    }
  });
  return params;
}

const CASES: [string, GeneratedModel, LossAndGradient][] = [
  ["seed (unrolled)", MODELS.seed, seedReferenceLossAndGradient],
  ["mlp_2_16_1 (loop)", MODELS.mlp_2_16_1, mlpReference([2, 16, 1])],
  ["mlp_2_16_16_1 (loop)", MODELS.mlp_2_16_16_1, mlpReference([2, 16, 16, 1])],
];

describe.each(CASES)("hand-written reference for %s", (_name, model, reference) => {
  const agree = (params: Float64Array) => {
    const expected = lossAndGradientVector(model.lossAndGradient, params, data.X, data.Y);
    const actual = lossAndGradientVector(reference, params, data.X, data.Y);
    expect(actual.every(Number.isFinite)).toBe(true);
    expect(disagreements(expected, actual, model.PARAM_NAMES)).toEqual([]);
  };

  it.each(["a", "b", "c"])("agrees with the generated gradient at ordinary point %s", (seed) => {
    agree(ordinaryParams(model, `ordinary/${seed}`));
  });

  const levels = [30, 300, 700, -30, -300, -700];
  it.each(levels)("agrees when every bias is ±%d", (level) => {
    agree(saturatedParams(model, `saturated/${level}`, level, "all"));
  });

  it.each(levels)("agrees when the output bias is %d", (level) => {
    agree(saturatedParams(model, `output/${level}`, level, "output"));
  });
});

describe("mlpReference", () => {
  it("refuses parameter arrays of the wrong length", () => {
    const f = mlpReference([2, 4, 1]);
    expect(() => f(new Float64Array(3), data.X, data.Y, new Float64Array(3))).toThrow(/length 17/);
  });
});
