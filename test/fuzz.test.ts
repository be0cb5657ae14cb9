/**
 * Seeded fuzz: random expressions over a few symbols. Simplification, stable lowering and scheduling
 * must preserve values, and diff must agree with gradient.
 */
import { describe, expect, it } from "vitest";
import {
  add, diff, div, evaluate, exp, gradient, log, lowerStable, mul, neg, pow, schedule, sigmoid, simplify, softplus,
  sub, symbols, tanh, type Expr,
} from "../generator/index.ts";
import { relativeError, rng, uniform } from "./helpers.ts";

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

describe("seeded fuzz over 1000 random expressions", () => {
  const random = rng("fuzz-2026");
  const cases = Array.from({ length: 1000 }, () => randomExpr(random, 5));
  const envOf = () => Object.fromEntries(SYMBOLS.map((s) => [s.name, uniform(random, -2, 2)]));
  const close = (a: number, b: number) => relativeError(a, b, 1e-6) < 1e-9;

  it("simplify, lowerStable and schedule preserve values", () => {
    for (const e of cases) {
      const env = envOf();
      const expected = evaluate(e, env);
      const simplified = simplify(e);
      const [lowered] = lowerStable([simplified]);
      expect(close(evaluate(simplified, env), expected)).toBe(true);
      expect(close(evaluate(lowered, env), expected)).toBe(true);
      expect(close(evaluate(schedule([lowered]), env)[0], expected)).toBe(true);
    }
  });

  it("diff agrees with gradient, before and after simplification", () => {
    for (const e of cases) {
      const env = envOf();
      const grads = gradient(e, SYMBOLS);
      const simplified = simplify(e);
      const simplifiedGrads = gradient(simplified, SYMBOLS);
      SYMBOLS.forEach((s, k) => {
        // Compared within each form: the literal form can lose digits that the stable form keeps.
        expect(close(evaluate(grads[k], env), evaluate(diff(e, s), env))).toBe(true);
        expect(close(evaluate(simplifiedGrads[k], env), evaluate(diff(simplified, s), env))).toBe(true);
      });
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
