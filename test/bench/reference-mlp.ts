/**
 * The bar for the MLPs: a loop-based backprop written by hand for any network with tanh hidden layers,
 * one sigmoid output and binary cross-entropy, with the generated modules' parameter layout (layer by
 * layer; per unit its fan-in weights, then its bias). All scratch is preallocated per network, so a call
 * allocates nothing; the output uses the same stable BCE-with-logits as reference-seed.ts.
 */
export type LossAndGradient = (params: Float64Array, X: Float64Array, Y: Float64Array, grad: Float64Array) => number;

/** layers: units per layer, input first, e.g. [2, 16, 16, 1]. */
export function mlpReference(layers: readonly number[]): LossAndGradient {
  const depth = layers.length - 1;
  if (depth < 1 || layers[depth] !== 1) throw new RangeError(`mlpReference: expected one sigmoid output unit, got layers ${layers.join("-")}`);
  const inputs = layers[0];
  // offset[l]: index in params of layer l's first weight (l = 1 … depth).
  const offset = new Int32Array(depth + 2);
  for (let l = 1; l <= depth; l++) offset[l + 1] = offset[l] + layers[l] * (layers[l - 1] + 1);
  const paramCount = offset[depth + 1];
  // Activations of every layer (layer 0 = the inputs) and the loss's derivative w.r.t. each pre-activation.
  const activation = layers.map((units) => new Float64Array(units));
  const delta = layers.map((units) => new Float64Array(units));

  return (params, X, Y, grad) => {
    if (params.length !== paramCount || grad.length !== paramCount) {
      throw new RangeError(`mlpReference: params and grad must have length ${paramCount}`);
    }
    const n = Y.length;
    grad.fill(0);
    let loss = 0;
    for (let s = 0; s < n; s++) {
      const a0 = activation[0];
      for (let i = 0; i < inputs; i++) a0[i] = X[s * inputs + i];

      // Forward: hidden layers are tanh; the output keeps its pre-activation z.
      for (let l = 1; l <= depth; l++) {
        const fanIn = layers[l - 1];
        const below = activation[l - 1];
        const out = activation[l];
        for (let j = 0, w = offset[l]; j < layers[l]; j++, w += fanIn + 1) {
          let sum = params[w + fanIn];
          for (let i = 0; i < fanIn; i++) sum += params[w + i] * below[i];
          out[j] = l < depth ? Math.tanh(sum) : sum;
        }
      }
      const z = activation[depth][0];

      const y = Y[s];
      const e = Math.exp(-Math.abs(z));
      const r = 1 / (1 + e);
      const er = e * r;
      loss += Math.log1p(e) + (z >= 0 ? (1 - y) * z : -y * z);
      delta[depth][0] = z >= 0 ? (1 - y) * r - y * er : (1 - y) * er - y * r;

      // Backward: accumulate each unit's weight and bias gradients, push its delta to the layer below.
      for (let l = depth; l >= 1; l--) {
        const fanIn = layers[l - 1];
        const below = activation[l - 1];
        const d = delta[l];
        const dBelow = delta[l - 1];
        if (l > 1) dBelow.fill(0);
        for (let j = 0, w = offset[l]; j < layers[l]; j++, w += fanIn + 1) {
          const dj = d[j];
          for (let i = 0; i < fanIn; i++) grad[w + i] += dj * below[i];
          grad[w + fanIn] += dj;
          if (l > 1) for (let i = 0; i < fanIn; i++) dBelow[i] += dj * params[w + i];
        }
        // tanh'(z) = 1 − tanh(z)², from the stored activation.
        if (l > 1) for (let i = 0; i < fanIn; i++) dBelow[i] *= 1 - below[i] * below[i];
      }
    }
    for (let k = 0; k < paramCount; k++) grad[k] /= n;
    return loss / n;
  };
}

/** The sigmoid output P(y = 1) of each row of X, for the same networks (a new array per call). */
export function mlpReferencePredict(layers: readonly number[]): (params: Float64Array, X: Float64Array) => Float64Array {
  const depth = layers.length - 1;
  const inputs = layers[0];
  return (params, X) => {
    const n = X.length / inputs;
    const out = new Float64Array(n);
    for (let s = 0; s < n; s++) {
      let below = Array.from(X.subarray(s * inputs, (s + 1) * inputs));
      let w = 0;
      for (let l = 1; l <= depth; l++) {
        const fanIn = layers[l - 1];
        const next: number[] = [];
        for (let j = 0; j < layers[l]; j++, w += fanIn + 1) {
          let sum = params[w + fanIn];
          for (let i = 0; i < fanIn; i++) sum += params[w + i] * below[i];
          next.push(l < depth ? Math.tanh(sum) : sum);
        }
        below = next;
      }
      const z = below[0];
      out[s] = z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
    }
    return out;
  };
}
