/**
 * Seeded fuzz: random expressions over a few symbols. Simplification, stable lowering and scheduling
 * must preserve the literal formula's values; diff must agree with central differences and with
 * gradient. Each test draws from its own seeded generator.
 */
import { describe, expect, it } from "vitest";
import {
  add, diff, div, evaluate, evaluateLiteral, exp, gradient, log, lowerStable, mul, neg, pow, schedule, show, sigmoid,
  simplify, softplus, sub, symbols, tanh, sin, cos, type Expr,
} from "../generator/index.ts";
import { centralDifference, relativeError, rng, uniform } from "./helpers.ts";

const SYMBOLS = symbols("p q r s");
type Random = () => number;

const pick = <T>(random: Random, list: readonly T[]): T => list[Math.floor(random() * list.length)];

/** Builders that keep values finite for arguments of moderate size (log and division see positive values). */
const UNARY: ((e: Expr) => Expr)[] = [
  sigmoid, tanh, softplus, neg,
  (e) => exp(tanh(e)),
  (e) => log(add(1, pow(e, 2))),
  (e) => log(sigmoid(e)),
  (e) => log(sub(1, sigmoid(e))),
  (e) => div(1, add(1, exp(neg(e)))),
  (e) => pow(e, 2),
  sin,
  (e) => cos(mul(2, e)),
];
const BINARY: ((l: Expr, r: Expr) => Expr)[] = [
  (l, r) => add(l, r),
  (l, r) => sub(l, r),
  (l, r) => mul(l, r),
  (l, r) => div(l, add(2, pow(r, 2))),
  (l, r) => add(mul(3, l), mul(-2, r), 0.5),
];

function randomExpr(random: Random, depth: number): Expr {
  if (depth === 0 || random() < 0.15) return random() < 0.8 ? pick(random, SYMBOLS) : mul(uniform(random, -2, 2), pick(random, SYMBOLS));
  if (random() < 0.45) return pick(random, UNARY)(randomExpr(random, depth - 1));
  return pick(random, BINARY)(randomExpr(random, depth - 1), randomExpr(random, depth - 1));
}

interface Case {
  readonly e: Expr;
  readonly env: Record<string, number>;
}

/** `count` random expressions, each with a point, from a generator of its own: no test sees another's draws. */
function fuzzCases(seed: string, count: number): Case[] {
  const random = rng(seed);
  return Array.from({ length: count }, () => ({
    e: randomExpr(random, 5),
    env: Object.fromEntries(SYMBOLS.map((s) => [s.name, uniform(random, -2, 2)])),
  }));
}

/** A finite value (the builders keep every value finite for arguments in [−2, 2]): said explicitly. */
function expectFinite(value: number, what: string): void {
  expect(Number.isFinite(value), `${what} = ${value}`).toBe(true);
}

function expectClose(actual: number, expected: number, tolerance: number, floor: number, what: string): void {
  expectFinite(actual, what);
  expect(relativeError(actual, expected, floor), `${what}: ${actual} vs ${expected}`).toBeLessThanOrEqual(tolerance);
}

describe("seeded fuzz over random expressions", () => {
  it("simplify, lowerStable and schedule preserve the value of the formula as written", () => {
    let overflowed = 0;
    for (const [i, { e, env }] of fuzzCases("fuzz/rewrites", 1000).entries()) {
      const expected = evaluateLiteral(e, env);
      if (!Number.isFinite(expected)) {
        // The literal formula overflowed (log(1 − σ(z)) at z ≳ 37): the stable form must not.
        expectFinite(evaluate(e, env), `case ${i}: stable form of ${show(e)}, whose literal value is ${expected}`);
        overflowed++;
        continue;
      }
      const simplified = simplify(e);
      const [lowered] = lowerStable([simplified]);
      expectClose(evaluateLiteral(simplified, env), expected, 1e-9, 1e-6, `case ${i} simplified`);
      expectClose(evaluateLiteral(lowered, env), expected, 1e-9, 1e-6, `case ${i} lowered`);
      expectClose(evaluate(schedule([lowered]), env)[0], expected, 1e-9, 1e-6, `case ${i} scheduled`);
      expectClose(evaluate(e, env), expected, 1e-9, 1e-6, `case ${i} evaluate`);
    }
    expect(overflowed, "cases the literal formula cannot evaluate").toBeLessThan(20);
  });

  it("diff agrees with central differences", () => {
    for (const [i, { e, env }] of fuzzCases("fuzz/diff", 400).entries()) {
      for (const s of SYMBOLS) {
        const at = (v: number) => evaluate(e, { ...env, [s.name]: v });
        const numeric = centralDifference(at, env[s.name]);
        expectFinite(numeric, `case ${i} ∂/∂${s.name} by differences`);
        // Central differences with h = 1e-5 are good to about 1e-9 of the function's scale.
        expectClose(evaluate(diff(e, s), env), numeric, 1e-6, 1e-3, `case ${i} ∂/∂${s.name} of ${show(e)}`);
      }
    }
  });

  it("gradient agrees with diff", () => {
    for (const [i, { e, env }] of fuzzCases("fuzz/gradient", 1000).entries()) {
      const grads = evaluate(gradient(e, SYMBOLS), env);
      SYMBOLS.forEach((s, k) => expectClose(grads[k], evaluate(diff(e, s), env), 1e-9, 1e-6, `case ${i} ∂/∂${s.name}`));
    }
  });
});

describe("deep chains", () => {
  it("differentiate, lower and schedule a 5000-step chain without overflowing the stack", () => {
    const [x, w] = symbols("x w");
    let e: Expr = x;
    for (let i = 0; i < 5000; i++) e = sigmoid(add(mul(w, e), 0.1));
    const grads = gradient(simplify(e), [w, x]);
    const program = schedule(lowerStable([e, ...grads]));
    const env = { x: 0.3, w: 0.5 };
    const [value, dw] = evaluate(program, env);
    expect(relativeError(value, evaluate(e, env))).toBeLessThan(1e-12);
    expect(relativeError(dw, evaluate(diff(e, w), env))).toBeLessThan(1e-12);
  });
});
