/**
 * Before anything is timed, every variant must compute the same loss and gradient as the generated
 * module: a benchmark of code that disagrees measures nothing.
 */
import type { LossAndGradient } from "./reference-mlp.ts";

/** Relative agreement required of every component. */
export const RELATIVE_TOLERANCE = 1e-12;
/**
 * Components far below the gradient's largest are sums over samples whose terms cancel; their
 * rounding error is relative to the size of the terms, not to the sum. Such components are compared
 * against this fraction of the largest gradient component instead of their own size.
 */
export const NEAR_ZERO_FRACTION = 1e-3;

export interface Disagreement {
  readonly component: string;
  readonly expected: number;
  readonly actual: number;
  readonly relative: number;
}

/** [loss, ...grad] of one call. */
export function lossAndGradientVector(f: LossAndGradient, params: Float64Array, X: Float64Array, Y: Float64Array): Float64Array {
  const grad = new Float64Array(params.length);
  const loss = f(params, X, Y, grad);
  return Float64Array.of(loss, ...grad);
}

/**
 * Components of `actual` that differ from `expected` (both [loss, ...grad]) by more than the tolerance,
 * with their relative error measured against max(|expected|, |actual|, floor); the loss is its own scale.
 */
export function disagreements(expected: Float64Array, actual: Float64Array, names: readonly string[]): Disagreement[] {
  let largestGradient = 0;
  for (let k = 1; k < expected.length; k++) largestGradient = Math.max(largestGradient, Math.abs(expected[k]));
  const floor = NEAR_ZERO_FRACTION * largestGradient;
  const found: Disagreement[] = [];
  for (let k = 0; k < expected.length; k++) {
    const scale = Math.max(Math.abs(expected[k]), Math.abs(actual[k]), k === 0 ? 0 : floor);
    const relative = scale === 0 ? 0 : Math.abs(expected[k] - actual[k]) / scale;
    // The negated test also catches NaN.
    if (!(relative <= RELATIVE_TOLERANCE)) {
      found.push({ component: k === 0 ? "loss" : `∂/∂${names[k - 1]}`, expected: expected[k], actual: actual[k], relative });
    }
  }
  return found;
}

/** The largest relative error over all components (same scale as disagreements), for the report. */
export function worstRelativeError(expected: Float64Array, actual: Float64Array): number {
  let largestGradient = 0;
  for (let k = 1; k < expected.length; k++) largestGradient = Math.max(largestGradient, Math.abs(expected[k]));
  let worst = 0;
  for (let k = 0; k < expected.length; k++) {
    const scale = Math.max(Math.abs(expected[k]), Math.abs(actual[k]), k === 0 ? 0 : NEAR_ZERO_FRACTION * largestGradient);
    if (scale > 0) worst = Math.max(worst, Math.abs(expected[k] - actual[k]) / scale);
  }
  return worst;
}
