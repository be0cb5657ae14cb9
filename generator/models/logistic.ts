/** Logistic regression on two features: p = σ(w1·x1 + w2·x2 + b), with binary cross-entropy. */
import { add, defineModel, log, mul, neg, sigmoid, sub, symbols } from "../index.ts";

const [x1, x2, y] = symbols("x1 x2 y");
const [w1, w2, b] = symbols("w1 w2 b");

const p = sigmoid(add(mul(w1, x1), mul(w2, x2), b));
const loss = neg(add(mul(y, log(p)), mul(sub(1, y), log(sub(1, p)))));

export default defineModel({ name: "logistic", inputs: [x1, x2], targets: [y], params: [w1, w2, b], outputs: [p], loss });
