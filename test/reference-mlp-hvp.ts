/**
 * A hand-written H·v for the MLPs with tanh hidden layers, one linear output unit, σ and binary
 * cross-entropy (the generated modules' parameter layout: layer by layer, per unit its fan-in weights,
 * then its bias): Pearlmutter's R-operator written out per sample with plain loops, independently of
 * the generator. It is the oracle for the loop-form hessianVectorProduct of models too wide for the
 * interpreter.
 *
 * The activation's derivatives come from cosh (not the generator's σ-based forms):
 * tanh'(z) = 1/cosh²(z), tanh''(z) = −2·tanh(z)/cosh²(z); past |z| = 350, where cosh² overflows,
 * 4·exp(−2|z|) (below 1e-303, and exact there to the last digit that survives).
 */
export type HessianVectorProduct = (params: Float64Array, X: Float64Array, Y: Float64Array, v: Float64Array, out: Float64Array) => number;

export function sech2(z: number): number {
  if (Math.abs(z) > 350) return 4 * Math.exp(-2 * Math.abs(z));
  const c = Math.cosh(z);
  return 1 / (c * c);
}

/** layers: units per layer, input first, e.g. [2, 16, 16, 1]. */
export function mlpReferenceHessianVectorProduct(layers: readonly number[]): HessianVectorProduct {
  const depth = layers.length - 1;
  if (depth < 1 || layers[depth] !== 1) throw new RangeError(`mlpReferenceHessianVectorProduct: expected one output unit, got layers ${layers.join("-")}`);
  const offset = [0, 0];
  for (let l = 1; l <= depth; l++) offset.push(offset[l] + layers[l] * (layers[l - 1] + 1));
  const paramCount = offset[depth + 1];
  const buffers = () => layers.map((units) => new Float64Array(units));
  // Per layer: pre-activation z, activation a, their R-counterparts, and the backward pass's δ, Rδ.
  const [z, a, rz, ra, delta, rdelta] = [buffers(), buffers(), buffers(), buffers(), buffers(), buffers()];

  return (params, X, Y, v, out) => {
    if (params.length !== paramCount || v.length !== paramCount || out.length !== paramCount) {
      throw new RangeError(`mlpReferenceHessianVectorProduct: params, v and out must have length ${paramCount}`);
    }
    const n = Y.length;
    const inputs = layers[0];
    out.fill(0);
    let loss = 0;
    for (let s = 0; s < n; s++) {
      for (let i = 0; i < inputs; i++) {
        a[0][i] = X[s * inputs + i];
        ra[0][i] = 0;
      }
      for (let l = 1; l <= depth; l++) {
        const fanIn = layers[l - 1];
        for (let j = 0; j < layers[l]; j++) {
          const w = offset[l] + j * (fanIn + 1);
          let sum = params[w + fanIn];
          let rsum = v[w + fanIn];
          for (let i = 0; i < fanIn; i++) {
            sum += params[w + i] * a[l - 1][i];
            rsum += params[w + i] * ra[l - 1][i] + v[w + i] * a[l - 1][i];
          }
          z[l][j] = sum;
          rz[l][j] = rsum;
          a[l][j] = l < depth ? Math.tanh(sum) : sum;
          ra[l][j] = l < depth ? sech2(sum) * rsum : rsum;
        }
      }
      // σ and binary cross-entropy on the logit t: ∂/∂t = σ(t) − y, ∂²/∂t² = σ(t)·σ(−t).
      const t = z[depth][0];
      const y = Y[s];
      const sigma = t >= 0 ? 1 / (1 + Math.exp(-t)) : Math.exp(t) / (1 + Math.exp(t));
      const sigmaMinus = t >= 0 ? Math.exp(-t) / (1 + Math.exp(-t)) : 1 / (1 + Math.exp(t));
      loss += Math.log1p(Math.exp(-Math.abs(t))) + Math.max(t, 0) - y * t;
      delta[depth][0] = y === 1 ? -sigmaMinus : y === 0 ? sigma : sigma - y;
      rdelta[depth][0] = sigma * sigmaMinus * rz[depth][0];
      for (let l = depth; l >= 1; l--) {
        const fanIn = layers[l - 1];
        for (let i = 0; i < fanIn; i++) {
          delta[l - 1][i] = 0;
          rdelta[l - 1][i] = 0;
        }
        for (let j = 0; j < layers[l]; j++) {
          const w = offset[l] + j * (fanIn + 1);
          const [d, rd] = [delta[l][j], rdelta[l][j]];
          for (let i = 0; i < fanIn; i++) {
            out[w + i] += rd * a[l - 1][i] + d * ra[l - 1][i];
            delta[l - 1][i] += params[w + i] * d; // g
            rdelta[l - 1][i] += params[w + i] * rd + v[w + i] * d; // Rg
          }
          out[w + fanIn] += rd;
        }
        if (l === 1) break;
        for (let i = 0; i < fanIn; i++) {
          const zi = z[l - 1][i];
          const first = sech2(zi);
          const second = -2 * Math.tanh(zi) * first;
          const g = delta[l - 1][i];
          delta[l - 1][i] = first * g;
          rdelta[l - 1][i] = second * rz[l - 1][i] * g + first * rdelta[l - 1][i];
        }
      }
    }
    for (let k = 0; k < paramCount; k++) out[k] /= n;
    return loss / n;
  };
}
