/**
 * Hand-written loss, gradient and prediction for fully connected tanh networks with any of the three
 * heads symgrad ships (sigmoid + binary cross-entropy, linear + mean squared error, softmax +
 * cross-entropy): an oracle independent of the symbolic core, written from the textbook formulas.
 *
 * Parameter layout as the generated modules (generator/nn/mlp.ts): layer by layer, unit by unit, its
 * fan-in weights then its bias. Each head is written in the usual numerically careful way (softplus
 * via log1p(exp(−|z|)), σ from one exp(−|z|), log-softmax shifted by the maximum).
 */
export type Head = "sigmoid-bce" | "linear-mse" | "softmax-ce";

export interface ReferenceNetwork {
  readonly paramCount: number;
  /** Mean loss over the n rows; writes the mean gradient into grad. */
  lossAndGradient(params: Float64Array, X: Float64Array, Y: Float64Array, grad: Float64Array): number;
  /** The head's outputs (probabilities or values) for each row of X, n×outputs. */
  predict(params: Float64Array, X: Float64Array, out: Float64Array): void;
}

/** σ(z) and σ(−z), both exact for any finite z. */
function sigmoidPair(z: number): [number, number] {
  const e = Math.exp(-Math.abs(z));
  const r = 1 / (1 + e);
  return z >= 0 ? [r, e * r] : [e * r, r];
}

export function referenceNetwork(layers: readonly number[], head: Head): ReferenceNetwork {
  const depth = layers.length - 1;
  const inputs = layers[0];
  const outputs = layers[depth];
  // First parameter of each layer l = 1 … depth.
  const offset: number[] = [0, 0];
  for (let l = 1; l <= depth; l++) offset[l + 1] = offset[l] + layers[l] * (layers[l - 1] + 1);
  const paramCount = offset[depth + 1];
  const activation = layers.map((units) => new Float64Array(units)); // layer depth holds pre-activations
  const delta = layers.map((units) => new Float64Array(units));

  function forward(params: Float64Array, X: Float64Array, row: number): Float64Array {
    for (let i = 0; i < inputs; i++) activation[0][i] = X[row * inputs + i];
    for (let l = 1; l <= depth; l++) {
      const fanIn = layers[l - 1];
      for (let j = 0; j < layers[l]; j++) {
        const w = offset[l] + j * (fanIn + 1);
        let z = params[w + fanIn];
        for (let i = 0; i < fanIn; i++) z += params[w + i] * activation[l - 1][i];
        activation[l][j] = l < depth ? Math.tanh(z) : z;
      }
    }
    return activation[depth];
  }

  /** Loss of one sample from the output pre-activations z; sets delta[depth] = ∂loss/∂z. */
  function headLoss(z: Float64Array, Y: Float64Array, row: number): number {
    const d = delta[depth];
    if (head === "sigmoid-bce") {
      const y = Y[row];
      const [p, q] = sigmoidPair(z[0]);
      d[0] = (1 - y) * p - y * q;
      // −y log σ(z) − (1 − y) log σ(−z) = y softplus(−z) + (1 − y) softplus(z)
      const log1pe = Math.log1p(Math.exp(-Math.abs(z[0])));
      return y * (Math.max(-z[0], 0) + log1pe) + (1 - y) * (Math.max(z[0], 0) + log1pe);
    }
    if (head === "linear-mse") {
      let loss = 0;
      for (let k = 0; k < outputs; k++) {
        const r = z[k] - Y[row * outputs + k];
        loss += (r * r) / outputs;
        d[k] = (2 * r) / outputs;
      }
      return loss;
    }
    let m = -Infinity;
    for (let k = 0; k < outputs; k++) m = Math.max(m, z[k]);
    let s = 0;
    for (let k = 0; k < outputs; k++) s += Math.exp(z[k] - m);
    const logS = Math.log(s);
    let loss = 0;
    let ySum = 0;
    for (let k = 0; k < outputs; k++) {
      const y = Y[row * outputs + k];
      loss -= y * (z[k] - m - logS);
      ySum += y;
    }
    for (let k = 0; k < outputs; k++) d[k] = (Math.exp(z[k] - m) / s) * ySum - Y[row * outputs + k];
    return loss;
  }

  function backward(params: Float64Array, grad: Float64Array): void {
    for (let l = depth; l >= 1; l--) {
      const fanIn = layers[l - 1];
      const below = activation[l - 1];
      if (l > 1) delta[l - 1].fill(0);
      for (let j = 0; j < layers[l]; j++) {
        const w = offset[l] + j * (fanIn + 1);
        const dj = delta[l][j];
        for (let i = 0; i < fanIn; i++) {
          grad[w + i] += dj * below[i];
          if (l > 1) delta[l - 1][i] += dj * params[w + i];
        }
        grad[w + fanIn] += dj;
      }
      if (l > 1) for (let i = 0; i < fanIn; i++) delta[l - 1][i] *= 1 - below[i] * below[i]; // tanh′
    }
  }

  return {
    paramCount,
    lossAndGradient(params, X, Y, grad) {
      const n = X.length / inputs;
      grad.fill(0);
      let loss = 0;
      for (let row = 0; row < n; row++) {
        loss += headLoss(forward(params, X, row), Y, row);
        backward(params, grad);
      }
      for (let k = 0; k < paramCount; k++) grad[k] /= n;
      return loss / n;
    },
    predict(params, X, out) {
      const n = X.length / inputs;
      for (let row = 0; row < n; row++) {
        const z = forward(params, X, row);
        if (head === "sigmoid-bce") out[row] = sigmoidPair(z[0])[0];
        else if (head === "linear-mse") for (let k = 0; k < outputs; k++) out[row * outputs + k] = z[k];
        else {
          const m = Math.max(...z);
          let s = 0;
          for (let k = 0; k < outputs; k++) s += Math.exp(z[k] - m);
          for (let k = 0; k < outputs; k++) out[row * outputs + k] = Math.exp(z[k] - m) / s;
        }
      }
    },
  };
}
