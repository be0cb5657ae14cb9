/**
 * The seed network through the symbolic core: gradients against a hand-derived backprop, the swell
 * bound, the stable rewrites, and exactness at extreme pre-activations against 1000-digit references
 * (test/fixtures/seed_references.py, an independent mpmath derivation).
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import {
  add, diff, div, evaluate, exp, log, lowerStable, mlp, mul, neg, schedule, show, sigmoid, simplify, softplus, sub,
  symbols, gradient,
} from "../generator/index.ts";
import { compileModel } from "../generator/compile.ts";
import seed from "../generator/models/seed.ts";
import { MODELS } from "../generated/index.ts";
import { relativeError, rng, uniform } from "./helpers.ts";

const NAMES = ["w11", "w12", "b1", "w21", "w22", "b2", "v1", "v2", "b3"] as const;
const compiled = compileModel(seed, "unrolled");

/** Backprop of the seed network derived by hand: returns [loss, ...9 gradients]. */
function handBackprop(p: readonly number[], x1: number, x2: number, y: number): number[] {
  const [w11, w12, b1, w21, w22, b2, v1, v2, b3] = p;
  const s = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));
  const softplusOf = (z: number) => Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
  const z1 = w11 * x1 + w12 * x2 + b1;
  const z2 = w21 * x1 + w22 * x2 + b2;
  const h1 = s(z1);
  const h2 = s(z2);
  const z3 = v1 * h1 + v2 * h2 + b3;
  const loss = y * softplusOf(-z3) + (1 - y) * softplusOf(z3);
  const dz3 = (1 - y) * s(z3) - y * s(-z3);
  const dz1 = dz3 * v1 * h1 * s(-z1);
  const dz2 = dz3 * v2 * h2 * s(-z2);
  return [loss, dz1 * x1, dz1 * x2, dz1, dz2 * x1, dz2 * x2, dz2, dz3 * h1, dz3 * h2, dz3];
}

function envOf(p: readonly number[], x1: number, x2: number, y: number): Record<string, number> {
  return { ...Object.fromEntries(NAMES.map((n, k) => [n, p[k]])), x1, x2, y };
}

describe("the seed network", () => {
  it("has the seed's parameters, in the seed's order", () => {
    expect(seed.params.map((s) => s.name)).toEqual(NAMES);
    expect(seed.inputs.map((s) => s.name)).toEqual(["x1", "x2"]);
  });

  it("gives the 9 gradients of a hand-derived backprop to 1e-12 at seeded points", () => {
    const random = rng("seed-backprop");
    const grads = gradient(simplify(seed.loss), seed.params);
    for (let k = 0; k < 200; k++) {
      const p = NAMES.map(() => uniform(random, -3, 3));
      const [x1, x2, y] = [uniform(random, -2, 5), uniform(random, -2, 5), random() < 0.5 ? 0 : 1];
      const expected = handBackprop(p, x1, x2, y);
      const viaDag = [evaluate(seed.loss, envOf(p, x1, x2, y)), ...evaluate(grads, envOf(p, x1, x2, y))];
      const viaProgram = evaluate(compiled.lossAndGradient, envOf(p, x1, x2, y));
      expected.forEach((e, i) => {
        expect(relativeError(viaDag[i], e, 1e-12)).toBeLessThan(1e-12);
        expect(relativeError(viaProgram[i], e, 1e-12)).toBeLessThan(1e-12);
      });
    }
  });

  it("keeps loss + 9 gradients within 3× the operations of the loss alone", () => {
    expect(compiled.lossAndGradient.counts.total).toBeLessThanOrEqual(3 * compiled.loss.counts.total);
  });

  it("keeps the same bound for a 2-16-16-1 MLP", () => {
    const net = mlp({ layers: [2, 16, 16, 1], activation: "tanh", output: "sigmoid", loss: "bce" });
    const varying = { varying: new Set(["x1", "x2", "y"]) };
    const loss = simplify(net.loss);
    const lossOnly = schedule(lowerStable([loss]), varying).counts.total;
    const withGradient = schedule(lowerStable([loss, ...gradient(loss, net.params)]), varying).counts.total;
    expect(withGradient).toBeLessThanOrEqual(3 * lossOnly);
  });
});

describe("stable rewrites found by the simplifier", () => {
  const [z, y] = symbols("z y");
  const literalSigmoid = div(1, add(1, exp(neg(z))));
  const literalLoss = neg(add(mul(y, log(literalSigmoid)), mul(sub(1, y), log(sub(1, literalSigmoid)))));

  it("log(sigmoid(z)) → −softplus(−z) and log(1 − sigmoid(z)) → −softplus(z)", () => {
    expect(simplify(log(sigmoid(z)))).toBe(neg(softplus(neg(z))));
    expect(simplify(log(sub(1, sigmoid(z))))).toBe(neg(softplus(z)));
    expect(simplify(literalSigmoid)).toBe(sigmoid(z));
  });

  it("turns the literal BCE into softplus terms whose derivative is σ(z) − y", () => {
    const stable = simplify(literalLoss);
    expect(show(stable)).toBe("y*softplus(-z) + (1 - y)*softplus(z)");
    expect(show(diff(stable, z))).toBe("(1 - y)*sigmoid(z) - y*sigmoid(-z)");
    for (const zv of [-800, -40, -1, 0, 0.5, 40, 800]) {
      for (const yv of [0, 1]) {
        const s = (v: number) => (v >= 0 ? 1 / (1 + Math.exp(-v)) : Math.exp(v) / (1 + Math.exp(v)));
        const exact = yv === 1 ? -s(-zv) : s(zv); // σ(z) − y without cancellation
        const got = evaluate(lowerStable([diff(stable, z)])[0], { z: zv, y: yv });
        expect(relativeError(got, exact, 1e-300)).toBeLessThan(1e-15);
      }
    }
  });
});

interface Reference {
  hidden: [number, number];
  z3: number;
  y: number;
  params: number[];
  x: [number, number];
  expected: string[];
}
const references: Reference[] = JSON.parse(
  readFileSync(new URL("./fixtures/seed_references.json", import.meta.url), "utf8"),
);

describe("exactness at extreme pre-activations", () => {
  // Below the smallest subnormal an exact value cannot be represented; the floor accepts those as 0.
  const tolerance = (exact: number) => 1e-9 * Math.abs(exact) + 1e-322;

  it.each(references.map((r) => [`hidden ${r.hidden.join("/")}, z3 ${r.z3}, y ${r.y}`, r] as const))(
    "%s",
    (_, r) => {
      const exact = r.expected.map(Number);
      const env = envOf(r.params, r.x[0], r.x[1], r.y);
      const interpreted = evaluate(compiled.lossAndGradient, env);
      const grad = new Float64Array(9);
      const generatedLoss = MODELS.seed.lossAndGradient(
        Float64Array.from(r.params), Float64Array.from(r.x), Float64Array.of(r.y), grad,
      );
      const generated = [generatedLoss, ...grad];
      exact.forEach((e, i) => {
        expect(Number.isFinite(interpreted[i]) && Number.isFinite(generated[i])).toBe(true);
        expect(Math.abs(interpreted[i] - e)).toBeLessThanOrEqual(tolerance(e));
        expect(Math.abs(generated[i] - e)).toBeLessThanOrEqual(tolerance(e));
      });
    },
  );
});
