/**
 * L-BFGS, trust-region Newton–CG and their line search: convergence to known minima (gradient norm
 * ≤ 1e-10), the seed's iteration targets (as counts, not times), and the refusal of mini-batches.
 */
import { describe, expect, it } from "vitest";
import * as logistic from "../generated/logistic.ts";
import * as wide from "../generated/mlp_2_64_64_1.ts";
import * as seed from "../generated/seed.ts";
import type { GeneratedModel } from "../src/contract.ts";
import { clusters } from "../src/data.ts";
import { dot, norm, type Objective } from "../src/full-batch.ts";
import { randomParams } from "../src/init.ts";
import { lbfgs } from "../src/lbfgs.ts";
import { createLineSearch } from "../src/line-search.ts";
import { newton } from "../src/newton.ts";
import { parseFlags, UsageError } from "../src/options.ts";
import { datasetObjective } from "../src/second-order-train.ts";
import { train } from "../src/train.ts";

const METHODS = [
  ["lbfgs", lbfgs],
  ["newton", newton],
] as const;

/** Rosenbrock's function: non-convex, minimum 0 at (1, 1), with a curved valley that defeats plain descent. */
const rosenbrock: Objective = {
  size: 2,
  lossAndGradient(x, g) {
    const [a, b] = x;
    g[0] = -2 * (1 - a) - 400 * a * (b - a * a);
    g[1] = 200 * (b - a * a);
    return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
  },
  hessianVectorProduct(x, v, out) {
    const [a, b] = x;
    const haa = 2 - 400 * (b - a * a) + 800 * a * a;
    const hab = -400 * a;
    out[0] = haa * v[0] + hab * v[1];
    out[1] = hab * v[0] + 200 * v[1];
    return (1 - a) ** 2 + 100 * (b - a * a) ** 2;
  },
};

/** A convex quadratic ½xᵀAx − bᵀx (A diagonal, eigenvalues log-spaced over 1…100): minimum at A⁻¹b. */
const diagonal = Float64Array.from({ length: 20 }, (_, i) => 10 ** ((2 * i) / 19));
const rhs = Float64Array.from({ length: 20 }, (_, i) => Math.sin(i + 1));
const quadratic: Objective = {
  size: 20,
  lossAndGradient(x, g) {
    let f = 0;
    for (let i = 0; i < 20; i++) {
      g[i] = diagonal[i] * x[i] - rhs[i];
      f += 0.5 * diagonal[i] * x[i] * x[i] - rhs[i] * x[i];
    }
    return f;
  },
  hessianVectorProduct(x, v, out) {
    for (let i = 0; i < 20; i++) out[i] = diagonal[i] * v[i];
    return this.lossAndGradient(x, new Float64Array(20));
  },
};

/** Logistic regression on two heavily overlapping clusters: strictly convex, one finite minimum. */
const overlapping = clusters({ n: 100, seed: "overlap", noise: 3 });
const logisticModel = logistic as unknown as GeneratedModel;

/** The logistic minimum by plain Newton with the generated dense Hessian (3×3, Cramer's rule): an independent route. */
function logisticMinimum(): Float64Array {
  const x = new Float64Array(3);
  const g = new Float64Array(3);
  const H = new Float64Array(9);
  for (let k = 0; k < 50; k++) {
    logisticModel.lossAndGradient(x, overlapping.X, overlapping.Y, g);
    logisticModel.hessian!(x, overlapping.X, overlapping.Y, H);
    const det = (m: ArrayLike<number>) =>
      m[0] * (m[4] * m[8] - m[5] * m[7]) - m[1] * (m[3] * m[8] - m[5] * m[6]) + m[2] * (m[3] * m[7] - m[4] * m[6]);
    const D = det(H);
    for (let c = 0; c < 3; c++) {
      const M = Float64Array.from(H);
      for (let r = 0; r < 3; r++) M[r * 3 + c] = g[r];
      x[c] -= det(M) / D;
    }
  }
  return x;
}

describe.each(METHODS)("%s", (name, method) => {
  it("finds Rosenbrock's minimum (1, 1) from (−1.2, 1)", () => {
    const result = method(rosenbrock, Float64Array.from([-1.2, 1]), { maxIterations: 200 });
    expect(result.stop).toBe("gradient");
    expect(result.gradientNorm).toBeLessThanOrEqual(1e-10);
    expect(Math.abs(result.x[0] - 1)).toBeLessThan(1e-9);
    expect(Math.abs(result.x[1] - 1)).toBeLessThan(1e-9);
    for (let k = 1; k < result.losses.length; k++) expect(result.losses[k]).toBeLessThanOrEqual(result.losses[k - 1]);
  });

  it("solves a quadratic of condition 100 exactly (x = A⁻¹b)", () => {
    const result = method(quadratic, new Float64Array(20), { maxIterations: 500 });
    expect(result.gradientNorm).toBeLessThanOrEqual(1e-10);
    result.x.forEach((v, i) => expect(Math.abs(v - rhs[i] / diagonal[i])).toBeLessThan(1e-10));
  });

  it("converges on regularisation-free logistic regression with overlapping classes (‖∇f‖ ≤ 1e-10)", () => {
    const result = method(datasetObjective(logisticModel, overlapping), new Float64Array(3), { maxIterations: 100 });
    expect(result.stop).toBe("gradient");
    expect(result.gradientNorm).toBeLessThanOrEqual(1e-10);
    const reference = logisticMinimum();
    result.x.forEach((v, i) => expect(Math.abs(v - reference[i])).toBeLessThan(1e-9 * Math.max(1, Math.abs(reference[i]))));
  });

  it("stops on the loss-change tolerance and on the iteration limit, and reports its evaluations", () => {
    const capped = method(rosenbrock, Float64Array.from([-1.2, 1]), { maxIterations: 3 });
    expect(capped).toMatchObject({ stop: "iterations", iterations: 3 });
    expect(capped.losses).toHaveLength(3);
    expect(capped.functionEvaluations).toBeGreaterThanOrEqual(3);
    expect(capped.hessianVectorProducts > 0).toBe(name === "newton");
    const loose = method(rosenbrock, Float64Array.from([-1.2, 1]), { maxIterations: 200, lossTolerance: 1e-3 });
    expect(loose.stop).toBe("loss-change");
  });
});

describe("the seed, from its own data and initial parameters", () => {
  const data = clusters({ seed: "42" });
  const init = randomParams(seed.PARAM_NAMES, "42/init");
  const model = seed as unknown as GeneratedModel;
  const gd = train(model, data, init, { lr: 0.5, epochs: 2000, optimizer: "gd" });
  const iterationsToReach = (losses: Float64Array, finalLoss: number, target: number) => {
    const k = losses.findIndex((l) => l <= target);
    return k >= 0 ? k : finalLoss <= target ? losses.length : Infinity;
  };

  it("L-BFGS reaches GD's 2000-epoch loss in ≤ 50 iterations", () => {
    const run = train(model, data, init, { lr: 0.5, epochs: 50, optimizer: "lbfgs" });
    expect(iterationsToReach(run.losses, run.finalLoss, gd.finalLoss)).toBeLessThanOrEqual(50);
    expect(run.secondOrder?.iterations).toBe(run.epochs);
  });

  it("Newton reaches GD's 2000-epoch loss in ≤ 20 iterations", () => {
    const run = train(model, data, init, { lr: 0.5, epochs: 20, optimizer: "newton" });
    expect(iterationsToReach(run.losses, run.finalLoss, gd.finalLoss)).toBeLessThanOrEqual(20);
    expect(run.secondOrder?.hessianVectorProducts).toBeGreaterThan(0);
  });

  it("refuses mini-batches for lbfgs and newton, in the library and on the command line", () => {
    expect(() => train(model, data, init, { lr: 0.5, epochs: 5, optimizer: "lbfgs", batch: 20 })).toThrow(/batch: lbfgs is a full-batch method/);
    expect(() => parseFlags(["--optimizer", "newton", "--batch", "20"])).toThrow(UsageError);
    expect(() => parseFlags(["--optimizer", "newton", "--batch", "20"])).toThrow(/--batch: newton is a full-batch method/);
  });
});

describe("Newton on a model whose H·v is the loop form (2-64-64-1, 4 417 parameters)", () => {
  it("trains: the loss never rises, ends lower, and the H·v products are counted", () => {
    const data = clusters({ seed: "42" });
    const run = train(wide as unknown as GeneratedModel, data, randomParams(wide.PARAM_NAMES, "42/init"), { lr: 0.5, epochs: 4, optimizer: "newton" });
    expect(run.secondOrder?.hessianVectorProducts).toBeGreaterThan(0);
    for (let k = 1; k < run.losses.length; k++) expect(run.losses[k]).toBeLessThanOrEqual(run.losses[k - 1]);
    expect(run.finalLoss).toBeLessThan(run.losses[0]);
  });
});

describe("strong Wolfe line search", () => {
  it("returns a step meeting both conditions on Rosenbrock along −∇f, from a far too long first step", () => {
    const x = Float64Array.from([-1.2, 1]);
    const g = new Float64Array(2);
    const f0 = rosenbrock.lossAndGradient(x, g);
    const d = Float64Array.from(g, (v) => -v);
    const xOut = new Float64Array(2);
    const gOut = new Float64Array(2);
    for (const first of [1e-4, 1, 100]) {
      const r = createLineSearch(rosenbrock).search(x, f0, g, d, first, xOut, gOut);
      expect(r.wolfe).toBe(true);
      expect(r.loss).toBeLessThanOrEqual(f0 + 1e-4 * r.step * dot(g, d));
      expect(Math.abs(dot(gOut, d))).toBeLessThanOrEqual(0.9 * Math.abs(dot(g, d)));
      expect(norm(Float64Array.from(xOut, (v, i) => v - x[i] - r.step * d[i]))).toBeLessThan(1e-12);
    }
  });
});
