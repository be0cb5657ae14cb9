/**
 * Full-batch L-BFGS (Nocedal & Wright, algorithm 7.5): the two-loop recursion over the last m
 * curvature pairs (s, y) gives the search direction, scaled by γ = sᵀy / yᵀy, and a strong Wolfe line
 * search (line-search.ts) the step. All buffers are allocated before the first iteration.
 *
 * Stops when ‖∇f‖₂ ≤ gradientTolerance, when an accepted step changes f by ≤ lossTolerance, when no
 * step along the direction (nor, after a reset, along −∇f) decreases f, or after maxIterations.
 */
import {
  allFinite, checkFullBatchOptions, DEFAULT_GRADIENT_TOLERANCE, dot, norm, runToEnd,
  type FullBatchIterations, type FullBatchOptions, type FullBatchResult, type FullBatchStop, type Objective,
} from "./full-batch.ts";
import { createLineSearch } from "./line-search.ts";

export interface LbfgsOptions extends FullBatchOptions {
  /** Curvature pairs kept (default 10). */
  memory?: number;
}

export function lbfgs(objective: Objective, x0: Float64Array, options: LbfgsOptions): FullBatchResult {
  return runToEnd(lbfgsIterations(objective, x0, options));
}

/** L-BFGS one accepted iteration at a time: yields the iterate after each, returns the result. */
export function* lbfgsIterations(objective: Objective, x0: Float64Array, options: LbfgsOptions): FullBatchIterations {
  checkFullBatchOptions(objective, x0, options);
  const { maxIterations, gradientTolerance = DEFAULT_GRADIENT_TOLERANCE, lossTolerance = -Infinity /* off unless given */, memory = 10, onIteration } = options;
  if (!(Number.isSafeInteger(memory) && memory > 0)) throw new RangeError(`memory: expected a positive integer, got ${memory}`);
  const n = objective.size;
  const pairs = createPairs(n, memory);
  const lineSearch = createLineSearch(objective);
  const x = Float64Array.from(x0);
  const g = new Float64Array(n);
  const xNext = new Float64Array(n);
  const gNext = new Float64Array(n);
  const d = new Float64Array(n);
  const losses: number[] = [];
  let evaluations = 1;
  let loss = objective.lossAndGradient(x, g);

  const finish = (stop: FullBatchStop, message: string): FullBatchResult => ({
    x,
    loss,
    losses,
    iterations: losses.length,
    functionEvaluations: evaluations,
    gradientEvaluations: evaluations,
    hessianVectorProducts: 0,
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

    pairs.direction(g, d);
    let firstStep = pairs.size > 0 ? 1 : Math.min(1, 1 / gradientNorm);
    let found = lineSearch.search(x, loss, g, d, firstStep, xNext, gNext);
    if (found.step === 0 && pairs.size > 0) {
      // The quasi-Newton model misled the search: forget it and try steepest descent once.
      pairs.clear();
      pairs.direction(g, d);
      firstStep = Math.min(1, 1 / gradientNorm);
      evaluations += found.evaluations;
      found = lineSearch.search(x, loss, g, d, firstStep, xNext, gNext);
    }
    evaluations += found.evaluations;
    if (found.step === 0) {
      losses.pop();
      return finish("no-progress", `no step decreases the loss after ${k} iterations (gradient norm ${gradientNorm.toExponential(2)})`);
    }
    pairs.push(x, xNext, g, gNext);
    const change = loss - found.loss;
    x.set(xNext);
    g.set(gNext);
    loss = found.loss;
    if (Math.abs(change) <= lossTolerance) return finish("loss-change", `loss changed by ${change.toExponential(2)} ≤ ${lossTolerance} in iteration ${k}`);
    yield { iteration: k + 1, x, loss };
  }
  return finish("iterations", `reached the maximum of ${maxIterations} iterations (gradient norm ${norm(g).toExponential(2)})`);
}

/** The last m pairs sₖ = xₖ₊₁ − xₖ, yₖ = ∇fₖ₊₁ − ∇fₖ in a ring, and the two-loop recursion over them. */
function createPairs(n: number, m: number) {
  const s = Array.from({ length: m }, () => new Float64Array(n));
  const y = Array.from({ length: m }, () => new Float64Array(n));
  const rho = new Float64Array(m);
  const alpha = new Float64Array(m);
  let newest = -1;
  let size = 0;
  return {
    get size() {
      return size;
    },
    clear() {
      size = 0;
      newest = -1;
    },
    /** Stores a pair unless its curvature sᵀy is not safely positive (then H would not stay positive definite). */
    push(x: Float64Array, xNext: Float64Array, g: Float64Array, gNext: Float64Array) {
      const slot = (newest + 1) % m;
      const sk = s[slot];
      const yk = y[slot];
      for (let i = 0; i < n; i++) {
        sk[i] = xNext[i] - x[i];
        yk[i] = gNext[i] - g[i];
      }
      const sy = dot(sk, yk);
      if (!(sy > 1e-12 * norm(sk) * norm(yk))) return;
      rho[slot] = 1 / sy;
      newest = slot;
      size = Math.min(size + 1, m);
    },
    /** d = −H·g (N&W algorithm 7.4), H the L-BFGS inverse Hessian approximation. */
    direction(g: Float64Array, d: Float64Array) {
      for (let i = 0; i < n; i++) d[i] = -g[i];
      for (let j = 0; j < size; j++) {
        const k = (newest - j + m) % m;
        alpha[k] = rho[k] * dot(s[k], d);
        for (let i = 0; i < n; i++) d[i] -= alpha[k] * y[k][i];
      }
      if (size > 0) {
        const gamma = 1 / (rho[newest] * dot(y[newest], y[newest])); // sᵀy / yᵀy
        for (let i = 0; i < n; i++) d[i] *= gamma;
      }
      for (let j = size - 1; j >= 0; j--) {
        const k = (newest - j + m) % m;
        const beta = rho[k] * dot(y[k], d);
        for (let i = 0; i < n; i++) d[i] += (alpha[k] - beta) * s[k][i];
      }
    },
  };
}
