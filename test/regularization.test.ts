/** L1/L2 penalties in train(): the penalised model against central differences, and what they do. */
import { describe, expect, it } from "vitest";
import * as seed from "../generated/seed.ts";
import { clusters } from "../src/data.ts";
import { randomParams } from "../src/init.ts";
import { penaltyMask, withPenalty } from "../src/regularization.ts";
import { train } from "../src/train.ts";

const data = clusters({ n: 20, seed: "reg" });
const params = randomParams(seed.PARAM_NAMES, "reg/init");
const reg = { l1: 0.01, l2: 0.1 };
const penalised = withPenalty(seed, reg);
const P = params.length;

describe("withPenalty", () => {
  it("adds the penalty's gradient: matches central differences of the penalised loss", () => {
    const grad = new Float64Array(P);
    const loss = penalised.lossAndGradient(params, data.X, data.Y, grad);
    expect(loss).toBe(penalised.loss(params, data.X, data.Y));
    expect(loss).toBeGreaterThan(seed.loss(params, data.X, data.Y));
    for (let k = 0; k < P; k++) {
      const h = 1e-6;
      const up = Float64Array.from(params);
      const down = Float64Array.from(params);
      up[k] += h;
      down[k] -= h;
      const difference = (penalised.loss(up, data.X, data.Y) - penalised.loss(down, data.X, data.Y)) / (up[k] - down[k]);
      expect(Math.abs(grad[k] - difference), seed.PARAM_NAMES[k]).toBeLessThan(1e-7);
    }
  });

  it("adds l2 on the diagonal of the weights' Hessian and to H·v, never to the biases", () => {
    const mask = penaltyMask(seed.PARAM_NAMES);
    expect([...mask]).toEqual([1, 1, 0, 1, 1, 0, 1, 1, 0]); // b1, b2, b3 are biases
    const H0 = new Float64Array(P * P);
    const H1 = new Float64Array(P * P);
    seed.hessian(params, data.X, data.Y, H0);
    penalised.hessian!(params, data.X, data.Y, H1);
    for (let j = 0; j < P; j++) {
      for (let k = 0; k < P; k++) expect(H1[j * P + k] - H0[j * P + k]).toBeCloseTo(j === k ? mask[j] * reg.l2 : 0, 15);
    }
    const v = Float64Array.from({ length: P }, (_, k) => k - 4);
    const [hv0, hv1] = [new Float64Array(P), new Float64Array(P)];
    seed.hessianVectorProduct(params, data.X, data.Y, v, hv0);
    penalised.hessianVectorProduct!(params, data.X, data.Y, v, hv1);
    for (let k = 0; k < P; k++) expect(hv1[k] - hv0[k]).toBeCloseTo(mask[k] * reg.l2 * v[k], 15);
  });

  it("is the model itself when both rates are 0, and refuses negative or non-finite rates", () => {
    expect(withPenalty(seed, { l1: 0, l2: 0 })).toBe(seed);
    expect(() => withPenalty(seed, { l1: -1, l2: 0 })).toThrow(/l1: expected a finite number ≥ 0, got -1/);
    expect(() => withPenalty(seed, { l1: 0, l2: Number.NaN })).toThrow(/l2: expected a finite number ≥ 0/);
  });
});

describe("train with --l2", () => {
  const weightNorm = (p: Float64Array) => penaltyMask(seed.PARAM_NAMES).reduce((s, m, k) => s + m * p[k] * p[k], 0);

  it.each(["gd", "lbfgs"] as const)("shrinks the weights (%s), and the reported loss includes the penalty", (optimizer) => {
    const options = { lr: 0.5, epochs: 200, optimizer };
    const plain = train(seed, data, params, options);
    const shrunk = train(seed, data, params, { ...options, l2: 0.05 });
    expect(weightNorm(shrunk.params)).toBeLessThan(0.8 * weightNorm(plain.params));
    expect(shrunk.finalLoss).toBeCloseTo(withPenalty(seed, { l1: 0, l2: 0.05 }).loss(shrunk.params, data.X, data.Y), 14);
  });
});
