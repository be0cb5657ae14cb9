/**
 * TypeScript spelling of one scheduled assignment, given its operands already spelled (names or
 * numbers). One row per op; prettier takes care of spacing and parentheses it can drop. Negations and
 * powers are spelled in the forms the cost model (symbolic/cost.ts) chose and counted.
 */
import type { Op } from "../symbolic/ops.ts";
import type { Operand } from "../symbolic/schedule.ts";
import { formatNumber } from "../symbolic/show.ts";
import { negationFactor, powerForm } from "../symbolic/cost.ts";
import { FAST_EXP, FAST_EXPM1 } from "./fast-math.ts";

/** A number as a TypeScript operand: parenthesised when negative, so `a * (-2)` can never misparse. */
export function numberLiteral(v: number): string {
  return v < 0 ? `(${formatNumber(v)})` : formatNumber(v);
}

/** base^exponent in the form the cost model chose (symbolic/cost.ts). */
function powerCode(base: string, exponent: Operand, exponentCode: string): string {
  const form = powerForm(exponent);
  switch (form.kind) {
    case "sqrt":
      return `Math.sqrt(${base})`;
    case "reciprocal sqrt":
      return `1 / Math.sqrt(${base})`;
    case "product": {
      const product = Array<string>(form.factors).fill(base).join(" * ");
      if (!form.reciprocal) return product;
      return form.factors === 1 ? `1 / ${base}` : `1 / (${product})`;
    }
    case "pow":
      return `Math.pow(${base}, ${exponentCode})`;
  }
}

/** A product, or its negation when the cost model sees a −1 factor (−a·b rather than a·b·(−1)). */
function productCode(factors: readonly string[], operands: readonly Operand[]): string {
  const minusOne = negationFactor("mul", operands);
  if (minusOne < 0) return factors.join(" * ");
  return `-${factors.filter((_, i) => i !== minusOne).join(" * ") || "1"}`;
}

const call = (fn: string) => (a: string[]) => `${fn}(${a.join(", ")})`;

/** How a block of code spells e^x and e^x − 1. */
export interface ExpSpelling {
  readonly exp: string;
  readonly expm1: string;
}
/** The inlinable helpers of fast-math.ts, which the module then defines: everywhere by default. */
export const FAST_EXP_SPELLING: ExpSpelling = { exp: FAST_EXP, expm1: FAST_EXPM1 };
/**
 * V8's library calls, for the parts of split bodies (batch.ts): TurboFan inlines the helpers at every
 * call site it can, and the parts of a 600-deep chain (600 assignments, dozens of expm1 each) then took
 * 0.7–1.5 s each to compile, so that a training run's first seconds ran them unoptimized.
 */
export const BUILTIN_EXP_SPELLING: ExpSpelling = { exp: "Math.exp", expm1: "Math.expm1" };

const PRINT: Record<Op, (a: string[], operands: readonly Operand[], exp: ExpSpelling) => string> = {
  num: () => {
    throw new Error("constants are operands, not assignments");
  },
  sym: () => {
    throw new Error("symbols are operands, not assignments");
  },
  add: (a) => a.join(" + "),
  mul: productCode,
  pow: (a, operands) => powerCode(a[0], operands[1], a[1]),
  exp: (a, _, spelling) => call(spelling.exp)(a),
  log: call("Math.log"),
  log1p: call("Math.log1p"),
  expm1: (a, _, spelling) => call(spelling.expm1)(a),
  tanh: call("Math.tanh"),
  abs: call("Math.abs"),
  max: call("Math.max"),
  sin: call("Math.sin"),
  cos: call("Math.cos"),
  relu: ([x]) => `${x} > 0 ? ${x} : 0`,
  step: ([x]) => `${x} > 0 ? 1 : 0`,
  select: ([c, a, b]) => `${c} >= 0 ? ${a} : ${b}`,
  // Lowering (lower.ts) replaces these before emission; their direct spellings are kept for completeness.
  sigmoid: ([x], _, spelling) => `1 / (1 + ${spelling.exp}(-${x}))`,
  softplus: ([x], _, spelling) => `Math.max(${x}, 0) + Math.log1p(${spelling.exp}(-Math.abs(${x})))`,
  logsumexp: (a, _, spelling) => `Math.log(${a.map((x) => `${spelling.exp}(${x})`).join(" + ")})`,
};

/** The right-hand side for an assignment of `op` on operands spelled as `code`. */
export function printAssignment(op: Op, operands: readonly Operand[], code: readonly string[], exp = FAST_EXP_SPELLING): string {
  return PRINT[op]([...code], operands, exp);
}
