/**
 * Per-sample losses, written literally, as a textbook (or the seed) writes them. The simplifier, not
 * this file, turns them into their stable forms (log σ → −softplus, log softmax → z − logsumexp).
 */
import { add, log, mul, neg, pow, sub, type Expr } from "../symbolic/expr.ts";

/** Binary cross-entropy of probabilities p against 0/1 targets y, summed over outputs. */
export function binaryCrossEntropy(p: readonly Expr[], y: readonly Expr[]): Expr {
  return add(...p.map((pk, k) => neg(add(mul(y[k], log(pk)), mul(sub(1, y[k]), log(sub(1, pk)))))));
}

/** Cross-entropy of class probabilities p against one-hot (or soft) targets y: −Σ y_k log p_k. */
export function crossEntropy(p: readonly Expr[], y: readonly Expr[]): Expr {
  return neg(add(...p.map((pk, k) => mul(y[k], log(pk)))));
}

/** Mean squared error over the outputs: (1/K) Σ (o_k − y_k)². */
export function meanSquaredError(o: readonly Expr[], y: readonly Expr[]): Expr {
  return mul(1 / o.length, add(...o.map((ok, k) => pow(sub(ok, y[k]), 2))));
}
