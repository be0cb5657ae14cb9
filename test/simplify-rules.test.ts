/**
 * The simplifier's rules, one line per case: rule, input → what that rule alone rewrites it to
 * (undefined: the rule must not apply). Every rule has a line, and each rewrite keeps the value
 * (checked with the literal evaluator at seeded points where the inputs are defined).
 */
import { describe, expect, it } from "vitest";
import {
  add, cos, div, evaluateLiteral, exp, log, logsumexp, mul, neg, pow, sigmoid, simplify, sin, softplus, sub, symbols,
  type Expr, RULES,
} from "../generator/index.ts";
import { rng, relativeError, uniform } from "./helpers.ts";

const [a, b, x, y, z] = symbols("a b x y z");

type Case = readonly [rule: string, input: Expr, output: Expr | undefined];

const CASES: readonly Case[] = [
  ["sigmoid: 1/(1 + exp(u)) → σ(−u)", div(1, add(1, exp(neg(z)))), sigmoid(z)],
  ["sigmoid: 1/(1 + exp(u)) → σ(−u)", div(1, add(1, exp(z))), sigmoid(neg(z))],
  ["sigmoid: 1/(1 + exp(u)) → σ(−u)", div(1, add(2, exp(z))), undefined],
  ["sigmoid: 1/(1 + exp(u)) → σ(−u)", div(1, add(1, exp(z), x)), undefined],
  ["one minus sigmoid: 1 − σ(z) → σ(−z)", sub(1, sigmoid(z)), sigmoid(neg(z))],
  ["one minus sigmoid: 1 − σ(z) → σ(−z)", add(1, x, neg(sigmoid(z))), add(sigmoid(neg(z)), x)],
  ["one minus sigmoid: 1 − σ(z) → σ(−z)", sub(2, sigmoid(z)), undefined],
  ["log sigmoid: log σ(z) → −softplus(−z)", log(sigmoid(z)), neg(softplus(neg(z)))],
  ["softplus: log(1 + exp(z)) → softplus(z)", log(add(1, exp(z))), softplus(z)],
  ["softplus: log(1 + exp(z)) → softplus(z)", log(add(3, exp(z))), undefined],
  ["log exp: log(exp(z)) → z", log(exp(add(x, z))), add(x, z)],
  ["exp log: exp(log(z)) → z", exp(log(z)), z],
  ["log of a positive product: log(a·b) → log a + log b", log(mul(exp(a), sigmoid(b))), add(log(exp(a)), log(sigmoid(b)))],
  ["log of a positive product: log(a·b) → log a + log b", log(mul(x, y)), undefined],
  ["log of a positive power: log(b^e) → e·log b", log(pow(add(1, exp(z)), y)), mul(y, log(add(1, exp(z))))],
  ["log of a positive power: log(b^e) → e·log b", log(pow(x, y)), undefined],
  ["log-sum-exp: log(Σ exp(aᵢ)) → logsumexp(a)", log(add(exp(a), exp(b))), logsumexp(a, b)],
  ["log-sum-exp: log(Σ exp(aᵢ)) → logsumexp(a)", log(add(exp(a), b)), undefined],
  ["softmax: exp(a)/Σ exp(zᵢ) → exp(a − logsumexp(z))", div(exp(a), add(exp(a), exp(b))), exp(sub(a, logsumexp(a, b)))],
  ["softmax: exp(a)/Σ exp(zᵢ) → exp(a − logsumexp(z))", mul(x, exp(b), pow(add(exp(a), exp(b)), -1)), mul(exp(sub(b, logsumexp(a, b))), x)],
  ["softmax: exp(a)/Σ exp(zᵢ) → exp(a − logsumexp(z))", div(exp(a), add(exp(a), b)), undefined],
  ["negated sum of negatives: −(−a − b) → a + b", neg(add(neg(a), mul(-2, b))), add(a, mul(2, b))],
  ["negated sum of negatives: −(−a − b) → a + b", neg(add(a, neg(b))), undefined],
  ["sin is odd: sin(−u) → −sin(u)", sin(neg(x)), neg(sin(x))],
  ["sin is odd: sin(−u) → −sin(u)", sin(mul(-2, x, y)), neg(sin(mul(2, x, y)))],
  ["sin is odd: sin(−u) → −sin(u)", sin(sub(a, b)), undefined],
  ["cos is even: cos(−u) → cos(u)", cos(neg(x)), cos(x)],
  ["cos is even: cos(−u) → cos(u)", cos(mul(-0.5, z)), cos(mul(0.5, z))],
  ["cos is even: cos(−u) → cos(u)", cos(add(x, -1)), undefined],
];

const ruleNamed = (name: string) => {
  const rule = RULES.find((r) => r.name === name);
  if (!rule) throw new Error(`no rule named ${name}`);
  return rule;
};

describe("simplify rules, one line per case", () => {
  it("has a line for every rule", () => {
    expect(new Set(CASES.map(([rule]) => rule))).toEqual(new Set(RULES.map((r) => r.name)));
  });

  it.each(CASES.map(([rule, input, output]) => [rule, String(input), output === undefined ? "(no rewrite)" : String(output), input, output] as const))(
    "%s: %s → %s",
    (rule, _in, _out, input, output) => {
      expect(ruleNamed(rule).apply(input)).toBe(output);
    },
  );

  it("keeps the value of every rewrite (literal evaluation at seeded points)", () => {
    const random = rng("simplify-rules");
    for (const [rule, input, output] of CASES) {
      if (!output) continue;
      for (let k = 0; k < 20; k++) {
        // Positive values keep log(z), log(x·y) … defined for every case.
        const env = { a: uniform(random, -3, 3), b: uniform(random, -3, 3), x: uniform(random, 0.1, 3), y: uniform(random, 0.1, 3), z: uniform(random, 0.1, 5) };
        const before = evaluateLiteral(input, env);
        const after = evaluateLiteral(output, env);
        expect(relativeError(after, before, 1e-300), `${rule} at ${JSON.stringify(env)}`).toBeLessThan(1e-13);
      }
    }
  });

  it("applies rewrites until none applies: the seed's literal loss ends in softplus form", () => {
    const literal = neg(add(mul(y, log(div(1, add(1, exp(neg(z)))))), mul(sub(1, y), log(sub(1, div(1, add(1, exp(neg(z)))))))));
    expect(simplify(literal)).toBe(add(mul(y, softplus(neg(z))), mul(sub(1, y), softplus(z))));
  });
});
