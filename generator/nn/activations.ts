/** Activation functions as expression builders. */
import { add, div, exp, relu, sigmoid, softplus, tanh, type Expr } from "../symbolic/expr.ts";

export const ACTIVATIONS = { sigmoid, tanh, relu, softplus } as const;
export type Activation = keyof typeof ACTIVATIONS;

/** softmax_k(z) = exp(z_k) / Σ_j exp(z_j), written literally; the simplifier makes it stable. */
export function softmax(z: readonly Expr[]): Expr[] {
  const total = add(...z.map(exp));
  return z.map((zk) => div(exp(zk), total));
}
