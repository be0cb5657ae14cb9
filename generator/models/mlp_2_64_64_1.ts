/** The wide model: 2-64-64-1 tanh, sigmoid output, binary cross-entropy (4 417 parameters). Its unrolled code is split into functions small enough for V8 to optimize. */
import { defineModel, mlp } from "../index.ts";

const net = mlp({ layers: [2, 64, 64, 1], activation: "tanh", output: "sigmoid", loss: "bce" });

export default defineModel({ name: "mlp_2_64_64_1", ...net });
