/**
 * An independent oracle for every shipped model the benchmark references do not already cover
 * (test/bench-references.test.ts: seed, mlp_2_16_1, mlp_2_16_16_1): the logistic, softmax, regression
 * and wide models against hand-written networks (reference-networks.ts), at seeded ordinary points and
 * with pre-activations saturated at ±40, ±400, ±800. Loss, gradient and predictions must agree.
 */
import { describe, expect, it } from "vitest";
import { MODELS } from "../generated/index.ts";
import { disagreements } from "./bench/validate.ts";
import { relativeError, rng, uniform } from "./helpers.ts";
import { referenceNetwork, type Head } from "./reference-networks.ts";

interface Module {
  readonly MODEL: { readonly params: number; readonly inputs: number; readonly targets: number; readonly outputs: number };
  readonly PARAM_NAMES: readonly string[];
  lossAndGradient(params: Float64Array, X: Float64Array, Y: Float64Array, grad: Float64Array): number;
  predict(params: Float64Array, X: Float64Array, out: Float64Array): void;
}

const CASES: [name: string, module: Module, layers: number[], head: Head][] = [
  ["logistic", MODELS.logistic, [2, 1], "sigmoid-bce"],
  ["softmax_2_8_3", MODELS.softmax_2_8_3, [2, 8, 3], "softmax-ce"],
  ["regression_2_16_1", MODELS.regression_2_16_1, [2, 16, 1], "linear-mse"],
  ["mlp_2_64_64_1", MODELS.mlp_2_64_64_1, [2, 64, 64, 1], "sigmoid-bce"],
];

/** n seeded rows: inputs in [−2, 2]; targets 0/1, one-hot, or real, by head. */
function dataset(head: Head, inputs: number, outputs: number, n: number, seed: string) {
  const random = rng(seed);
  const X = Float64Array.from({ length: n * inputs }, () => uniform(random, -2, 2));
  const Y = new Float64Array(n * outputs);
  for (let row = 0; row < n; row++) {
    if (head === "softmax-ce") Y[row * outputs + Math.floor(random() * outputs)] = 1;
    else if (head === "sigmoid-bce") Y[row] = random() < 0.5 ? 0 : 1;
    else for (let k = 0; k < outputs; k++) Y[row * outputs + k] = Math.sin(3 * X[row * inputs]) + uniform(random, -0.5, 0.5);
  }
  return { X, Y };
}

/**
 * Seeded ordinary weights; `level` sets biases: "all" alternate ±level over every unit (all units
 * saturate, both ways), "output" only the output units' (the hidden units stay ordinary, so every
 * gradient component is alive).
 */
function parameters(m: Module, seed: string, level = 0, which: "all" | "output" = "all"): Float64Array {
  const random = rng(seed);
  const params = Float64Array.from(m.PARAM_NAMES, () => uniform(random, -1, 1));
  if (level === 0) return params;
  // Biases are b{layer}_{unit} (mlp) or b (logistic, whose only layer is the output).
  const isBias = (name: string) => /^b(\d+_\d+)?$/.test(name);
  const layerOf = (name: string) => Number(/^b(\d+)_/.exec(name)?.[1] ?? 1);
  const outputLayer = Math.max(...m.PARAM_NAMES.filter(isBias).map(layerOf));
  let sign = 1;
  m.PARAM_NAMES.forEach((name, k) => {
    if (isBias(name) && (which === "all" || layerOf(name) === outputLayer)) {
      params[k] = sign * level;
      sign = -sign;
    }
  });
  return params;
}

describe.each(CASES)("%s against a hand-written network", (name, m, layers, head) => {
  const reference = referenceNetwork(layers, head);
  const { inputs, targets, outputs } = m.MODEL;
  const { X, Y } = dataset(head, inputs, targets, 12, `oracle/${name}`);

  function agree(params: Float64Array): void {
    expect(reference.paramCount).toBe(m.MODEL.params);
    const grad = new Float64Array(params.length);
    const expected = Float64Array.of(m.lossAndGradient(params, X, Y, grad), ...grad);
    const refGrad = new Float64Array(params.length);
    const actual = Float64Array.of(reference.lossAndGradient(params, X, Y, refGrad), ...refGrad);
    expect(Number.isFinite(expected[0]), `loss = ${expected[0]}`).toBe(true);
    expect(expected.every((v) => !Number.isNaN(v) && Number.isFinite(v))).toBe(true);
    expect(disagreements(expected, actual, m.PARAM_NAMES)).toEqual([]);

    const n = X.length / inputs;
    const out = new Float64Array(n * outputs);
    const refOut = new Float64Array(n * outputs);
    m.predict(params, X, out);
    reference.predict(params, X, refOut);
    out.forEach((v, i) => expect(relativeError(v, refOut[i], 1e-300), `predict[${i}] = ${v} vs ${refOut[i]}`).toBeLessThanOrEqual(1e-12));
  }

  it.each(["a", "b", "c"])("agrees at ordinary point %s", (seed) => agree(parameters(m, `${name}/${seed}`)));

  const levels = [40, -40, 400, -400, 800, -800];
  it.each(levels)("agrees when every bias is ±%d", (level) => agree(parameters(m, `${name}/all/${level}`, level, "all")));
  it.each(levels)("agrees when the output biases are ±%d", (level) => agree(parameters(m, `${name}/output/${level}`, level, "output")));
});
