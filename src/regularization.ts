/**
 * L1 / L2 weight penalties (as TensorFlow Playground applies them), added to a generated model's mean loss
 * and gradient by the training loop, so every optimizer gets them:
 *
 *   penalty(p) = l1 · Σ |w| + (l2 / 2) · Σ w²      over the weights w (biases are not penalised)
 *   ∂penalty/∂w = l1 · sign(w) + l2 · w
 *
 * Browser-safe: no node: imports.
 */

import type { GeneratedModel } from "./contract.ts";

export interface Regularization {
  /** Rate of the L1 penalty Σ|w| (0 = off). */
  readonly l1: number;
  /** Rate of the L2 penalty ½Σw² (0 = off). */
  readonly l2: number;
}

export const NO_REGULARIZATION: Regularization = { l1: 0, l2: 0 };

/** Bias names: `b`, `b3`, `b1_2` (the seed's and mlp()'s conventions). Everything else is a weight. */
const BIAS_NAME = /^b\d*(_\d+)*$/;

/** 1 for every parameter the penalty applies to (weights), 0 for biases, in PARAM_NAMES order. */
export function penaltyMask(paramNames: readonly string[]): Float64Array {
  return Float64Array.from(paramNames, (name) => (BIAS_NAME.test(name) ? 0 : 1));
}

/** Checks the rates at the library boundary, naming the offending one. */
export function checkRegularization({ l1, l2 }: Regularization): void {
  if (!(Number.isFinite(l1) && l1 >= 0)) throw new RangeError(`l1: expected a finite number ≥ 0, got ${l1}`);
  if (!(Number.isFinite(l2) && l2 >= 0)) throw new RangeError(`l2: expected a finite number ≥ 0, got ${l2}`);
}

/** The penalty's value at params (to add to the model's mean loss). */
export function penalty(params: Float64Array, mask: Float64Array, { l1, l2 }: Regularization): number {
  let sumAbs = 0;
  let sumSquares = 0;
  for (let i = 0; i < params.length; i++) {
    const w = mask[i] * params[i];
    sumAbs += Math.abs(w);
    sumSquares += w * w;
  }
  return l1 * sumAbs + 0.5 * l2 * sumSquares;
}

/**
 * Adds the penalty's gradient to grad in place and returns the penalty's value. Allocates nothing.
 * sign(0) is taken as 0, the subgradient that leaves a weight sitting at zero where it is.
 */
export function addPenaltyGradient(
  params: Float64Array,
  grad: Float64Array,
  mask: Float64Array,
  reg: Regularization,
): number {
  const { l1, l2 } = reg;
  if (l1 === 0 && l2 === 0) return 0;
  for (let i = 0; i < params.length; i++) {
    const w = params[i];
    grad[i] += mask[i] * (l1 * Math.sign(w) + l2 * w);
  }
  return penalty(params, mask, reg);
}

/**
 * The model with the penalty added to its loss, gradient and (for L2) second derivatives, so every
 * optimizer of train() regularises without knowing about it. L1's second derivative is zero wherever it
 * exists, so H·v and the Hessian gain only the L2 term. Returns `model` itself when both rates are 0.
 */
export function withPenalty(model: GeneratedModel, reg: Regularization): GeneratedModel {
  checkRegularization(reg);
  if (reg.l1 === 0 && reg.l2 === 0) return model;
  const mask = penaltyMask(model.PARAM_NAMES);
  const P = mask.length;
  const { hessianVectorProduct, hessian } = model;
  return {
    ...model,
    loss: (params, X, Y) => model.loss(params, X, Y) + penalty(params, mask, reg),
    lossAndGradient: (params, X, Y, grad) =>
      model.lossAndGradient(params, X, Y, grad) + addPenaltyGradient(params, grad, mask, reg),
    hessianVectorProduct: hessianVectorProduct && ((params, X, Y, v, out) => {
      const loss = hessianVectorProduct(params, X, Y, v, out);
      for (let i = 0; i < P; i++) out[i] += mask[i] * reg.l2 * v[i];
      return loss + penalty(params, mask, reg);
    }),
    hessian: hessian && ((params, X, Y, H) => {
      const loss = hessian(params, X, Y, H);
      for (let i = 0; i < P; i++) H[i * P + i] += mask[i] * reg.l2;
      return loss + penalty(params, mask, reg);
    }),
  };
}
