/**
 * The seed tutorial's network, written as the seed writes it in SymPy (shared/seed/…):
 *
 *   x1, x2, y_sym = sp.symbols('x1 x2 y')
 *   w11, w12, b1 = sp.symbols('w11 w12 b1')
 *   w21, w22, b2 = sp.symbols('w21 w22 b2')
 *   v1, v2, b3 = sp.symbols('v1 v2 b3')
 *   def sigmoid(z): return 1 / (1 + sp.exp(-z))
 *
 * continued the natural way: two sigmoid hidden units, a sigmoid output, and the literal binary
 * cross-entropy. Nothing here is hand-stabilised: the simplifier finds the stable forms.
 */
import { add, defineModel, div, exp, log, mul, neg, sub, symbols, type Expr } from "../index.ts";

const [x1, x2, y_sym] = symbols("x1 x2 y");
const [w11, w12, b1] = symbols("w11 w12 b1");
const [w21, w22, b2] = symbols("w21 w22 b2");
const [v1, v2, b3] = symbols("v1 v2 b3");

function sigmoid(z: Expr): Expr {
  return div(1, add(1, exp(neg(z))));
}

const h1 = sigmoid(add(mul(w11, x1), mul(w12, x2), b1));
const h2 = sigmoid(add(mul(w21, x1), mul(w22, x2), b2));
const y_pred = sigmoid(add(mul(v1, h1), mul(v2, h2), b3));
const loss = neg(add(mul(y_sym, log(y_pred)), mul(sub(1, y_sym), log(sub(1, y_pred)))));

export default defineModel({
  name: "seed",
  inputs: [x1, x2],
  targets: [y_sym],
  params: [w11, w12, b1, w21, w22, b2, v1, v2, b3],
  outputs: [y_pred],
  loss,
});
