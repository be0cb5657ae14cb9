/** Regression: a 2-16-1 tanh network with a linear output and mean squared error. */
import { defineModel, mlp } from "../index.ts";

const net = mlp({ layers: [2, 16, 1], activation: "tanh", output: "linear", loss: "mse" });

export default defineModel({ name: "regression_2_16_1", ...net });
