/**
 * What the full-batch second-order methods (lbfgs.ts, newton.ts) share: the objective they minimise,
 * their options and the statistics they report. They see the model only through `Objective`, so they
 * can be tested on any function with a known minimum.
 */

/** A smooth function of `size` variables, evaluated on the whole dataset. */
export interface Objective {
  readonly size: number;
  /** Writes ∇f(x) into g and returns f(x). */
  lossAndGradient(x: Float64Array, g: Float64Array): number;
  /** Writes ∇²f(x)·v into out (and returns f(x)); needed by Newton only. */
  hessianVectorProduct?(x: Float64Array, v: Float64Array, out: Float64Array): number;
}

export interface FullBatchOptions {
  /** Upper bound on iterations (the CLI's --epochs). */
  maxIterations: number;
  /** Stop once ‖∇f‖₂ ≤ this. Default 1e-10. */
  gradientTolerance?: number;
  /** Stop once an accepted step changes f by ≤ this (absolute; the CLI's --tolerance). Default: off (near the
   *  minimum f stops changing in float64 well before ∇f reaches gradientTolerance). */
  lossTolerance?: number;
  /** Called at the start of every iteration k with f there (so k = 0 is the initial loss). */
  onIteration?: (iteration: number, loss: number) => void;
}

export type FullBatchStop = "gradient" | "loss-change" | "iterations" | "no-progress" | "non-finite";

/** What a run did and where it ended, for the summary and --json. */
export interface FullBatchStats {
  /** Iterations completed: accepted steps of L-BFGS; outer trust-region iterations of Newton. */
  iterations: number;
  /** Evaluations of f (each comes with its gradient: lossAndGradient computes both). */
  functionEvaluations: number;
  gradientEvaluations: number;
  /** Hessian-vector products (Newton's conjugate-gradient steps). */
  hessianVectorProducts: number;
  /** ‖∇f‖₂ at the returned point. */
  gradientNorm: number;
  stop: FullBatchStop;
  /** Why the run stopped, in words. */
  message: string;
}

export interface FullBatchResult extends FullBatchStats {
  /** The final point (the argument x0 is not modified). */
  x: Float64Array;
  /** f at the returned point. */
  loss: number;
  /** losses[k] = f at the start of iteration k (losses.length = iterations). */
  losses: number[];
}

export const DEFAULT_GRADIENT_TOLERANCE = 1e-10;

/** What an iteration generator yields after each iteration: the iterate (live: read it before the next step) and f there. */
export interface FullBatchProgress {
  iteration: number;
  x: Float64Array;
  loss: number;
}

/** A run one iteration at a time (the playground steps it between frames); its return value is the result. */
export type FullBatchIterations = Generator<FullBatchProgress, FullBatchResult, void>;

/** Runs iterations to the end and returns the result. */
export function runToEnd(iterations: FullBatchIterations): FullBatchResult {
  for (;;) {
    const next = iterations.next();
    if (next.done) return next.value;
  }
}

export function dot(a: Float64Array, b: Float64Array): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

export function norm(a: Float64Array): number {
  return Math.sqrt(dot(a, a));
}

export function allFinite(a: Float64Array): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

export function checkFullBatchOptions(objective: Objective, x0: Float64Array, options: FullBatchOptions): void {
  if (x0.length !== objective.size) throw new RangeError(`x0: expected ${objective.size} values, got ${x0.length}`);
  const { maxIterations, gradientTolerance = DEFAULT_GRADIENT_TOLERANCE, lossTolerance = 0 } = options; // lossTolerance: checked only when given
  if (!(Number.isSafeInteger(maxIterations) && maxIterations > 0)) {
    throw new RangeError(`maxIterations: expected a positive integer, got ${maxIterations}`);
  }
  if (!(gradientTolerance >= 0)) throw new RangeError(`gradientTolerance: expected a number ≥ 0, got ${gradientTolerance}`);
  if (!(lossTolerance >= 0)) throw new RangeError(`lossTolerance: expected a number ≥ 0, got ${lossTolerance}`);
}
