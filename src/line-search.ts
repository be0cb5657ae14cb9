/**
 * A line search that satisfies the strong Wolfe conditions (Nocedal & Wright, Numerical Optimization,
 * 2nd ed., algorithms 3.5 and 3.6, with safeguarded cubic interpolation in `zoom`):
 *   sufficient decrease  φ(α) ≤ φ(0) + c₁·α·φ'(0),
 *   curvature            |φ'(α)| ≤ c₂·|φ'(0)|,
 * for φ(α) = f(x + α·d) along a descent direction d. Every buffer is allocated once, when it is made.
 *
 * Near a minimum f changes by less than its own rounding error, and sufficient decrease becomes a coin
 * toss. There, as with Hager & Zhang's approximate Wolfe conditions, a step is also accepted when f
 * rose by at most a few ulps and the curvature condition holds: the gradient still gets smaller.
 */
import { allFinite, dot, type Objective } from "./full-batch.ts";

export interface LineSearchResult {
  /** The accepted step; 0 when no step decreased f. */
  step: number;
  /** f and ∇f at x + step·d (the caller's x and f when step is 0). */
  loss: number;
  /** Whether the strong Wolfe conditions hold at `step` (else: the best point found, if any). */
  wolfe: boolean;
  evaluations: number;
}

export interface LineSearch {
  /** Searches along d from x (f(x) = loss, ∇f(x) = g); the new point and gradient go to xOut, gOut. */
  search(x: Float64Array, loss: number, g: Float64Array, d: Float64Array, firstStep: number, xOut: Float64Array, gOut: Float64Array): LineSearchResult;
}

export interface LineSearchOptions {
  /** Sufficient-decrease constant c₁ (default 1e-4) and curvature constant c₂ (default 0.9, as for quasi-Newton methods). */
  c1?: number;
  c2?: number;
  /** Function evaluations allowed per search (default 40). */
  maxEvaluations?: number;
}

export function createLineSearch(objective: Objective, options: LineSearchOptions = {}): LineSearch {
  const { c1 = 1e-4, c2 = 0.9, maxEvaluations = 40 } = options;
  const n = objective.size;
  const xTrial = new Float64Array(n);
  const gTrial = new Float64Array(n);
  // The best point meeting sufficient decrease so far ("lo" of the zoom), kept for a search that runs out.
  const xLo = new Float64Array(n);
  const gLo = new Float64Array(n);

  return {
    search(x, loss0, g0, d, firstStep, xOut, gOut) {
      const slope0 = dot(g0, d);
      let evaluations = 0;
      const evaluate = (alpha: number): [number, number] => {
        for (let i = 0; i < n; i++) xTrial[i] = x[i] + alpha * d[i];
        evaluations++;
        const f = objective.lossAndGradient(xTrial, gTrial);
        if (!Number.isFinite(f) || !allFinite(gTrial)) return [Infinity, NaN];
        return [f, dot(gTrial, d)];
      };
      const accept = (alpha: number, f: number, wolfe: boolean): LineSearchResult => {
        xOut.set(xTrial);
        gOut.set(gTrial);
        return { step: alpha, loss: f, wolfe, evaluations };
      };
      let lo = { alpha: 0, f: loss0, slope: slope0 };
      const keepLo = (alpha: number, f: number, slope: number) => {
        lo = { alpha, f, slope };
        xLo.set(xTrial);
        gLo.set(gTrial);
      };
      const giveUp = (): LineSearchResult => {
        if (lo.alpha === 0) {
          xOut.set(x);
          gOut.set(g0);
          return { step: 0, loss: loss0, wolfe: false, evaluations };
        }
        xOut.set(xLo);
        gOut.set(gLo);
        return { step: lo.alpha, loss: lo.f, wolfe: false, evaluations };
      };
      const curvature = (slope: number) => Math.abs(slope) <= -c2 * slope0;
      const noise = 4 * Number.EPSILON * Math.abs(loss0);
      const sufficient = (alpha: number, f: number, slope: number) =>
        f <= loss0 + c1 * alpha * slope0 || (f <= loss0 + noise && curvature(slope));

      /** Algorithm 3.6: shrink [lo, hi] (lo: sufficient decrease, lowest f) until the conditions hold. */
      const zoom = (hi: { alpha: number; f: number; slope: number }): LineSearchResult => {
        while (evaluations < maxEvaluations) {
          const alpha = interpolate(lo, hi);
          const [f, slope] = evaluate(alpha);
          if (!sufficient(alpha, f, slope) || (f >= lo.f && !(f <= lo.f + noise && curvature(slope)))) {
            hi = { alpha, f, slope };
          } else {
            if (curvature(slope)) return accept(alpha, f, true);
            if (slope * (hi.alpha - lo.alpha) >= 0) hi = lo;
            keepLo(alpha, f, slope);
          }
          if (Math.abs(hi.alpha - lo.alpha) <= 1e-16 * Math.max(1, Math.abs(lo.alpha))) break;
        }
        return giveUp();
      };

      // Algorithm 3.5: grow the step until it brackets an acceptable one.
      let previous = { alpha: 0, f: loss0, slope: slope0 };
      let alpha = firstStep;
      while (evaluations < maxEvaluations) {
        const [f, slope] = evaluate(alpha);
        if (!sufficient(alpha, f, slope) || (previous.alpha > 0 && f >= previous.f && !curvature(slope))) {
          return zoom({ alpha, f, slope });
        }
        if (curvature(slope)) return accept(alpha, f, true);
        keepLo(alpha, f, slope);
        if (slope >= 0) return zoom(previous);
        previous = { alpha, f, slope };
        alpha *= 2;
      }
      return giveUp();
    },
  };
}

/**
 * The minimiser of the cubic through (lo, hi) with their slopes (N&W eq. 3.59), kept at least 10 % of
 * the interval away from either end; bisection when the cubic has no usable minimiser (or f is infinite).
 */
function interpolate(lo: { alpha: number; f: number; slope: number }, hi: { alpha: number; f: number; slope: number }): number {
  const width = hi.alpha - lo.alpha;
  const bisect = lo.alpha + width / 2;
  if (!Number.isFinite(hi.f) || !Number.isFinite(hi.slope)) return lo.alpha + width / 4;
  const d1 = lo.slope + hi.slope - (3 * (lo.f - hi.f)) / (lo.alpha - hi.alpha);
  const radicand = d1 * d1 - lo.slope * hi.slope;
  if (!(radicand >= 0)) return bisect;
  const d2 = Math.sign(width) * Math.sqrt(radicand);
  const alpha = hi.alpha - width * ((hi.slope + d2 - d1) / (hi.slope - lo.slope + 2 * d2));
  const a = Math.min(lo.alpha, hi.alpha) + 0.1 * Math.abs(width);
  const b = Math.max(lo.alpha, hi.alpha) - 0.1 * Math.abs(width);
  return Number.isFinite(alpha) && alpha >= a && alpha <= b ? alpha : bisect;
}
