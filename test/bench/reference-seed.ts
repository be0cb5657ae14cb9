/**
 * The bar for the seed model: its gradient written by hand the way a strong engineer would. Fully
 * unrolled, fused forward and backward pass, no allocation, numerically stable BCE-with-logits.
 *
 * Each sigmoid costs one exp: with e = exp(−|z|) and r = 1/(1+e), σ(z) and σ(−z) are r and e·r (which
 * one is which depends on the sign of z), and σ'(z) = σ(z)·σ(−z) = e·r², exact even when σ(z) rounds to 1.
 * The loss y·softplus(−z) + (1−y)·softplus(z) shares that exp through log1p(e), and its derivative
 * (1−y)·σ(z) − y·σ(−z) keeps every digit for 0/1 labels where σ(z) − y would cancel.
 *
 * Same contract as the generated module: writes the mean gradient (PARAM_NAMES order: w11 w12 b1 w21
 * w22 b2 v1 v2 b3) into grad and returns the mean loss.
 */
export function seedReferenceLossAndGradient(params: Float64Array, X: Float64Array, Y: Float64Array, grad: Float64Array): number {
  const w11 = params[0], w12 = params[1], b1 = params[2];
  const w21 = params[3], w22 = params[4], b2 = params[5];
  const v1 = params[6], v2 = params[7], b3 = params[8];
  const n = Y.length;
  let loss = 0;
  let gw11 = 0, gw12 = 0, gb1 = 0, gw21 = 0, gw22 = 0, gb2 = 0, gv1 = 0, gv2 = 0, gb3 = 0;
  for (let i = 0; i < n; i++) {
    const x1 = X[2 * i];
    const x2 = X[2 * i + 1];
    const y = Y[i];

    const z1 = w11 * x1 + w12 * x2 + b1;
    const e1 = Math.exp(-Math.abs(z1));
    const r1 = 1 / (1 + e1);
    const h1 = z1 >= 0 ? r1 : e1 * r1;
    const z2 = w21 * x1 + w22 * x2 + b2;
    const e2 = Math.exp(-Math.abs(z2));
    const r2 = 1 / (1 + e2);
    const h2 = z2 >= 0 ? r2 : e2 * r2;

    const z = v1 * h1 + v2 * h2 + b3;
    const e = Math.exp(-Math.abs(z));
    const r = 1 / (1 + e);
    const er = e * r;
    // y·max(−z, 0) + (1−y)·max(z, 0) + log1p(e): the two softplus terms with their shared log1p.
    loss += Math.log1p(e) + (z >= 0 ? (1 - y) * z : -y * z);

    const dz = z >= 0 ? (1 - y) * r - y * er : (1 - y) * er - y * r;
    gv1 += dz * h1;
    gv2 += dz * h2;
    gb3 += dz;
    const dz1 = dz * v1 * e1 * r1 * r1;
    gw11 += dz1 * x1;
    gw12 += dz1 * x2;
    gb1 += dz1;
    const dz2 = dz * v2 * e2 * r2 * r2;
    gw21 += dz2 * x1;
    gw22 += dz2 * x2;
    gb2 += dz2;
  }
  grad[0] = gw11 / n;
  grad[1] = gw12 / n;
  grad[2] = gb1 / n;
  grad[3] = gw21 / n;
  grad[4] = gw22 / n;
  grad[5] = gb2 / n;
  grad[6] = gv1 / n;
  grad[7] = gv2 / n;
  grad[8] = gb3 / n;
  return loss / n;
}
