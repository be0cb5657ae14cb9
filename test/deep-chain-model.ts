/**
 * A deep model for the generator's depth tests: DEPTH nested layers h ← tanh(w·h + b), the weight w and
 * bias b shared by every layer, then out = v·h + c and a squared error. ∂loss/∂w and ∂loss/∂b are
 * DEPTH-term sums; the DAG is DEPTH levels deep.
 *
 * The oracle is independent of the symbolic core: the forward and backward pass written by hand
 * (backpropagation through the chain with tanh' = 1 − tanh²), so a generated module can be checked at
 * any depth without differentiating the chain a second time.
 */
import { add, defineModel, mul, pow, sub, symbols, tanh, type Expr, type ModelDefinition } from "../generator/index.ts";

export function deepChain(depth: number, name = "deep_chain"): ModelDefinition {
  const [x, y, w, b, v, c] = symbols("x y w b v c");
  let h: Expr = x;
  for (let k = 0; k < depth; k++) h = tanh(add(mul(w, h), b));
  const out = add(mul(v, h), c);
  return defineModel({ name, inputs: [x], targets: [y], params: [w, b, v, c], outputs: [out], loss: pow(sub(out, y), 2) });
}

/** [w, b, v, c] */
export type ChainParams = readonly [number, number, number, number];

/** Loss and gradient ([∂w, ∂b, ∂v, ∂c]) of one sample, by hand. */
export function chainReference(depth: number, [w, b, v, c]: ChainParams, x: number, y: number): { loss: number; gradient: number[] } {
  const h = new Float64Array(depth + 1);
  h[0] = x;
  for (let k = 1; k <= depth; k++) h[k] = Math.tanh(w * h[k - 1] + b);
  const r = v * h[depth] + c - y;
  let dw = 0;
  let db = 0;
  let g = 2 * r * v; // ∂loss/∂h_depth
  for (let k = depth; k >= 1; k--) {
    const gz = g * (1 - h[k] * h[k]);
    dw += gz * h[k - 1];
    db += gz;
    g = gz * w;
  }
  return { loss: r * r, gradient: [dw, db, 2 * r * h[depth], 2 * r] };
}

interface ChainModule {
  lossAndGradient(params: Float64Array, X: Float64Array, Y: Float64Array, grad: Float64Array): number;
}

/**
 * Parameter sets for the comparison: ordinary values, a contracting chain, and saturated layers
 * (|w·h + b| of about 40, 400 and 800, where tanh is ±1 to the last bit and its derivative underflows).
 */
export const CHAIN_POINTS: readonly ChainParams[] = [
  [0.9, 0.1, 1.3, -0.2],
  [-0.5, 0.3, 0.7, 0.4],
  [40, -0.5, 1.1, 0.3],
  [400, 1, -0.9, 0.2],
  [800, -3, 0.5, -0.1],
];

const SAMPLES_X = [0.5, -1.5, 2, -0.25, 40, -400, 800, 0];
const SAMPLES_Y = [0.3, -0.7, 1, 0, 0.5, -1, 1, 0.2];

/**
 * The largest relative difference (absolute below 1e-12) between the module's mean loss and gradient and
 * the hand-written reference, over CHAIN_POINTS and a batch of 8 samples (inputs up to ±800).
 */
export function compareWithReference(module: ChainModule, depth: number): number {
  let worst = 0;
  const X = Float64Array.from(SAMPLES_X);
  const Y = Float64Array.from(SAMPLES_Y);
  for (const point of CHAIN_POINTS) {
    const grad = new Float64Array(4);
    const loss = module.lossAndGradient(Float64Array.from(point), X, Y, grad);
    const expected = { loss: 0, gradient: [0, 0, 0, 0] };
    SAMPLES_X.forEach((x, i) => {
      const one = chainReference(depth, point, x, SAMPLES_Y[i]);
      expected.loss += one.loss / X.length;
      one.gradient.forEach((g, k) => (expected.gradient[k] += g / X.length));
    });
    const pairs: [number, number][] = [[loss, expected.loss], ...expected.gradient.map((g, k): [number, number] => [grad[k], g])];
    for (const [got, want] of pairs) {
      const error = Math.abs(got - want) / Math.max(Math.abs(want), 1e-12);
      if (!(error <= worst)) worst = Number.isNaN(error) ? Infinity : error;
    }
  }
  return worst;
}
