/**
 * Parameter update rules. Each optimizer owns its state buffers, allocated once when it is made, so a
 * training loop that calls step() every epoch allocates nothing.
 */

/** Update rules applied to each (mini-)batch gradient. */
export const FIRST_ORDER_OPTIMIZERS = ["gd", "momentum", "adam"] as const;
/** Full-batch methods with their own iterations and line search or trust region (lbfgs.ts, newton.ts). */
export const SECOND_ORDER_OPTIMIZERS = ["lbfgs", "newton"] as const;
export const OPTIMIZER_NAMES = [...FIRST_ORDER_OPTIMIZERS, ...SECOND_ORDER_OPTIMIZERS] as const;
export type OptimizerName = (typeof OPTIMIZER_NAMES)[number];
export type FirstOrderOptimizerName = (typeof FIRST_ORDER_OPTIMIZERS)[number];
export type SecondOrderOptimizerName = (typeof SECOND_ORDER_OPTIMIZERS)[number];

export function isSecondOrder(name: OptimizerName): name is SecondOrderOptimizerName {
  return (SECOND_ORDER_OPTIMIZERS as readonly string[]).includes(name);
}

export interface Optimizer {
  readonly name: FirstOrderOptimizerName;
  /** Updates params in place from the mean gradient. */
  step(params: Float64Array, grad: Float64Array): void;
}

export interface OptimizerOptions {
  lr: number;
  /** Momentum coefficient (momentum). Default 0.9. */
  beta?: number;
  /** Adam's moment decay rates and denominator guard. Defaults 0.9, 0.999, 1e-8. */
  beta1?: number;
  beta2?: number;
  epsilon?: number;
}

/** Plain gradient descent exactly as the seed writes it: p −= lr · g. */
function gd(lr: number): Optimizer {
  return {
    name: "gd",
    step(params, grad) {
      for (let i = 0; i < params.length; i++) params[i] -= lr * grad[i];
    },
  };
}

/** Heavy-ball momentum: v = β·v + g; p −= lr · v. */
function momentum(size: number, lr: number, beta: number): Optimizer {
  const velocity = new Float64Array(size);
  return {
    name: "momentum",
    step(params, grad) {
      for (let i = 0; i < params.length; i++) {
        velocity[i] = beta * velocity[i] + grad[i];
        params[i] -= lr * velocity[i];
      }
    },
  };
}

/** Adam (Kingma & Ba 2015) with bias-corrected first and second moments. */
function adam(size: number, lr: number, beta1: number, beta2: number, epsilon: number): Optimizer {
  const m = new Float64Array(size);
  const v = new Float64Array(size);
  let t = 0;
  return {
    name: "adam",
    step(params, grad) {
      t++;
      const c1 = 1 - beta1 ** t;
      const c2 = 1 - beta2 ** t;
      for (let i = 0; i < params.length; i++) {
        const g = grad[i];
        m[i] = beta1 * m[i] + (1 - beta1) * g;
        v[i] = beta2 * v[i] + (1 - beta2) * g * g;
        params[i] -= (lr * (m[i] / c1)) / (Math.sqrt(v[i] / c2) + epsilon);
      }
    },
  };
}

/** Makes an optimizer for `size` parameters. */
export function createOptimizer(name: FirstOrderOptimizerName, size: number, opts: OptimizerOptions): Optimizer {
  const { lr, beta = 0.9, beta1 = 0.9, beta2 = 0.999, epsilon = 1e-8 } = opts;
  switch (name) {
    case "gd":
      return gd(lr);
    case "momentum":
      return momentum(size, lr, beta);
    case "adam":
      return adam(size, lr, beta1, beta2, epsilon);
  }
}
