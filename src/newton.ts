/**
 * Full-batch trust-region Newton–CG (Nocedal & Wright algorithms 4.1 and 7.2, Steihaug's conjugate
 * gradient), driven by the generated hessianVectorProduct.
 *
 * Why this rather than damped Newton with the dense `hessian`: it needs only H·v, which every
 * generated module has (the dense Hessian exists only up to 32 parameters) at about 2–4 gradients'
 * cost, never forms or factors a matrix, and handles the indefinite Hessians of neural networks (a
 * direction of negative curvature is followed to the trust-region boundary instead of making a
 * Cholesky factorisation fail). The trust region makes it globally convergent; near a minimum with a
 * positive definite Hessian, CG solved to a relative residual of min(0.5, √‖g‖) makes it superlinear.
 */
import {
  allFinite, checkFullBatchOptions, DEFAULT_GRADIENT_TOLERANCE, dot, norm, runToEnd,
  type FullBatchIterations, type FullBatchOptions, type FullBatchResult, type FullBatchStop, type Objective,
} from "./full-batch.ts";

export interface NewtonOptions extends FullBatchOptions {
  /** Initial trust-region radius (default 1) and its upper bound (default 1e8). */
  initialRadius?: number;
  maxRadius?: number;
}

/** A step is accepted when the actual decrease is at least this fraction of the model's (η of N&W 4.1). */
const ACCEPT = 1e-4;

export function newton(objective: Objective, x0: Float64Array, options: NewtonOptions): FullBatchResult {
  return runToEnd(newtonIterations(objective, x0, options));
}

/** Trust-region Newton–CG one outer iteration at a time (a rejected step counts): yields the iterate after each, returns the result. */
export function* newtonIterations(objective: Objective, x0: Float64Array, options: NewtonOptions): FullBatchIterations {
  checkFullBatchOptions(objective, x0, options);
  const hvp = objective.hessianVectorProduct?.bind(objective);
  if (!hvp) throw new TypeError("newton: the objective has no hessianVectorProduct (regenerate the model with a current symgrad)");
  const { maxIterations, gradientTolerance = DEFAULT_GRADIENT_TOLERANCE, lossTolerance = -Infinity /* off unless given */, onIteration } = options;
  const { initialRadius = 1, maxRadius = 1e8 } = options;
  const n = objective.size;
  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  const xTrial = new Float64Array(n);
  const gTrial = new Float64Array(n);
  const cg = createSteihaug(n, (v, out) => hvp(x, v, out));
  const losses: number[] = [];
  let evaluations = 1;
  let loss = objective.lossAndGradient(x, g);
  let radius = initialRadius;

  const finish = (stop: FullBatchStop, message: string): FullBatchResult => ({
    x,
    loss,
    losses,
    iterations: losses.length,
    functionEvaluations: evaluations,
    gradientEvaluations: evaluations,
    hessianVectorProducts: cg.products(),
    gradientNorm: norm(g),
    stop,
    message,
  });
  if (!Number.isFinite(loss) || !allFinite(g)) return finish("non-finite", `the loss or gradient at the initial parameters is not finite (loss ${loss})`);

  for (let k = 0; k < maxIterations; k++) {
    const gradientNorm = norm(g);
    if (gradientNorm <= gradientTolerance) return finish("gradient", `gradient norm ${gradientNorm.toExponential(2)} ≤ ${gradientTolerance} after ${k} iterations`);
    onIteration?.(k, loss);
    losses.push(loss);

    const { step, predicted, stepNorm } = cg.solve(g, radius, Math.min(0.5, Math.sqrt(gradientNorm)) * gradientNorm);
    for (let i = 0; i < n; i++) xTrial[i] = x[i] + step[i];
    evaluations++;
    const trialLoss = objective.lossAndGradient(xTrial, gTrial);
    const finite = Number.isFinite(trialLoss) && allFinite(gTrial);
    const actual = loss - trialLoss;
    // Below f's rounding error the measured decrease is noise: there a step the model trusts is taken
    // when it does not raise f by more than a few ulps.
    const noise = 4 * Number.EPSILON * Math.abs(loss);
    const ratio = !finite || !(predicted > 0) ? -Infinity : predicted <= noise && actual >= -noise ? 1 : actual / predicted;

    if (ratio < 0.25) radius = 0.25 * stepNorm;
    else if (ratio > 0.75 && stepNorm >= 0.99 * radius) radius = Math.min(2 * radius, maxRadius);
    if (ratio > ACCEPT) {
      x.set(xTrial);
      g.set(gTrial);
      loss = trialLoss;
      if (Math.abs(actual) <= lossTolerance) return finish("loss-change", `loss changed by ${actual.toExponential(2)} ≤ ${lossTolerance} in iteration ${k}`);
    } else if (radius <= 1e-15 * Math.max(1, norm(x))) {
      return finish("no-progress", `the trust region shrank to ${radius.toExponential(2)} without a step that decreases the loss (gradient norm ${gradientNorm.toExponential(2)})`);
    }
    yield { iteration: k + 1, x, loss };
  }
  return finish("iterations", `reached the maximum of ${maxIterations} iterations (gradient norm ${norm(g).toExponential(2)})`);
}

/**
 * Steihaug's CG (N&W algorithm 7.2) for min m(p) = gᵀp + ½pᵀHp subject to ‖p‖ ≤ radius: plain CG on
 * Hp = −g until the residual is below `tolerance`, stopping at the boundary when an iterate leaves the
 * region or a direction of non-positive curvature appears.
 */
function createSteihaug(n: number, hessianTimes: (v: Float64Array, out: Float64Array) => void) {
  const p = new Float64Array(n);
  const r = new Float64Array(n); // r = g + H·p, the model's gradient at p
  const d = new Float64Array(n);
  const Hd = new Float64Array(n);
  let products = 0;

  /** The τ ≥ 0 with ‖p + τ·d‖ = radius. */
  const toBoundary = (radius: number) => {
    const dd = dot(d, d);
    const pd = dot(p, d);
    const pp = dot(p, p);
    return (-pd + Math.sqrt(Math.max(0, pd * pd + dd * (radius * radius - pp)))) / dd;
  };
  /** Model decrease m(0) − m(p) = −(gᵀp + ½pᵀHp) = −½(gᵀp + rᵀp). */
  const result = (g: Float64Array) => ({ step: p, predicted: -0.5 * (dot(g, p) + dot(r, p)), stepNorm: norm(p) });

  return {
    products: () => products,
    solve(g: Float64Array, radius: number, tolerance: number) {
      p.fill(0);
      r.set(g);
      for (let i = 0; i < n; i++) d[i] = -g[i];
      for (let j = 0; j < 2 * n + 10; j++) {
        hessianTimes(d, Hd);
        products++;
        const curvature = dot(d, Hd);
        const rr = dot(r, r);
        if (!(curvature > 0)) {
          const tau = toBoundary(radius);
          for (let i = 0; i < n; i++) {
            p[i] += tau * d[i];
            r[i] += tau * Hd[i];
          }
          return result(g);
        }
        const alpha = rr / curvature;
        let pNext = 0;
        for (let i = 0; i < n; i++) pNext += (p[i] + alpha * d[i]) ** 2;
        if (Math.sqrt(pNext) >= radius) {
          const tau = toBoundary(radius);
          for (let i = 0; i < n; i++) {
            p[i] += tau * d[i];
            r[i] += tau * Hd[i];
          }
          return result(g);
        }
        for (let i = 0; i < n; i++) {
          p[i] += alpha * d[i];
          r[i] += alpha * Hd[i];
        }
        const rrNext = dot(r, r);
        if (Math.sqrt(rrNext) <= tolerance) return result(g);
        const beta = rrNext / rr;
        for (let i = 0; i < n; i++) d[i] = -r[i] + beta * d[i];
      }
      return result(g);
    },
  };
}
