/**
 * A hand-written loss and gradient for the MLPs with tanh hidden layers, one linear output unit, σ and
 * binary cross-entropy (the generated modules' parameter layout: layer by layer, per unit its fan-in
 * weights, then its bias), as a test oracle: plain per-sample backprop, independent of the generator.
 *
 * Unlike the benchmark's hand loop (test/bench/reference-mlp.ts, which keeps the usual 1 − tanh²), tanh'
 * comes from cosh (reference-mlp-hvp.ts's sech2), so it is relatively accurate where units saturate, as
 * the generated gradient is: 1 − tanh² is only accurate to ~1e-16 in absolute terms there (0 past
 * |z| ≈ 19, where sech² is 7.2e-35 at 40), which shows in gradient entries that such units dominate.
 */
import type { LossAndGradient } from "./bench/reference-mlp.ts";
import { sech2 } from "./reference-mlp-hvp.ts";

/** layers: units per layer, input first, e.g. [2, 16, 16, 1]. */
export function mlpAccurateReference(layers: readonly number[]): LossAndGradient {
  const depth = layers.length - 1;
  if (depth < 1 || layers[depth] !== 1) throw new RangeError(`mlpAccurateReference: expected one output unit, got layers ${layers.join("-")}`);
  const offset = [0, 0];
  for (let l = 1; l <= depth; l++) offset.push(offset[l] + layers[l] * (layers[l - 1] + 1));
  const paramCount = offset[depth + 1];
  const buffers = () => layers.map((units) => new Float64Array(units));
  // Per layer: pre-activation z, activation a and the backward pass's ∂loss/∂z.
  const [z, a, delta] = [buffers(), buffers(), buffers()];

  return (params, X, Y, grad) => {
    if (params.length !== paramCount || grad.length !== paramCount) {
      throw new RangeError(`mlpAccurateReference: params and grad must have length ${paramCount}`);
    }
    const n = Y.length;
    const inputs = layers[0];
    grad.fill(0);
    let loss = 0;
    for (let s = 0; s < n; s++) {
      for (let i = 0; i < inputs; i++) a[0][i] = X[s * inputs + i];
      for (let l = 1; l <= depth; l++) {
        const fanIn = layers[l - 1];
        for (let j = 0; j < layers[l]; j++) {
          const w = offset[l] + j * (fanIn + 1);
          let sum = params[w + fanIn];
          for (let i = 0; i < fanIn; i++) sum += params[w + i] * a[l - 1][i];
          z[l][j] = sum;
          a[l][j] = l < depth ? Math.tanh(sum) : sum;
        }
      }
      // σ and binary cross-entropy on the logit t: ∂/∂t = σ(t) − y, written without cancellation for 0/1 labels.
      const t = z[depth][0];
      const y = Y[s];
      const sigma = t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t));
      const sigmaMinus = t >= 0 ? Math.exp(-t) / (1 + Math.exp(-t)) : 1 / (1 + Math.exp(t));
      loss += Math.log1p(Math.exp(-Math.abs(t))) + (Math.max(t, 0) - y * t); // the linear part first: it cancels exactly for 0/1 labels
      delta[depth][0] = y === 1 ? -sigmaMinus : y === 0 ? sigma : sigma - y;
      for (let l = depth; l >= 1; l--) {
        const fanIn = layers[l - 1];
        delta[l - 1].fill(0);
        for (let j = 0; j < layers[l]; j++) {
          const w = offset[l] + j * (fanIn + 1);
          const d = delta[l][j];
          for (let i = 0; i < fanIn; i++) {
            grad[w + i] += d * a[l - 1][i];
            delta[l - 1][i] += params[w + i] * d;
          }
          grad[w + fanIn] += d;
        }
        if (l > 1) for (let i = 0; i < fanIn; i++) delta[l - 1][i] *= sech2(z[l - 1][i]);
      }
    }
    for (let k = 0; k < paramCount; k++) grad[k] /= n;
    return loss / n;
  };
}

/**
 * Per parameter, the mean over the rows of |its gradient on that row alone|: the size of the terms a
 * batch gradient sums, against which its rounding error is measured (the sum itself may cancel).
 */
export function meanAbsoluteRowGradient(reference: LossAndGradient, params: Float64Array, X: Float64Array, Y: Float64Array, inputs: number): Float64Array {
  const n = Y.length;
  const sum = new Float64Array(params.length);
  const row = new Float64Array(params.length);
  for (let s = 0; s < n; s++) {
    reference(params, X.subarray(s * inputs, (s + 1) * inputs), Y.subarray(s, s + 1), row);
    row.forEach((g, k) => (sum[k] += Math.abs(g)));
  }
  return sum.map((x) => x / n);
}
