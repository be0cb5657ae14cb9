/** Three classes: a 2-8-3 tanh network with a softmax output and cross-entropy on one-hot targets y1, y2, y3. */
import { defineModel, mlp } from "../index.ts";

const net = mlp({ layers: [2, 8, 3], activation: "tanh", output: "softmax", loss: "cross-entropy" });

export default defineModel({ name: "softmax_2_8_3", ...net });
