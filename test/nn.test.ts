import { describe, expect, it } from "vitest";
import { evaluate, mlp } from "../generator/index.ts";

describe("mlp", () => {
  it("names parameters systematically, layer by layer, weights then bias per unit", () => {
    const net = mlp({ layers: [2, 2, 1], activation: "sigmoid", output: "sigmoid", loss: "bce" });
    expect(net.params.map((p) => p.name)).toEqual([
      "w1_1_1", "w1_1_2", "b1_1", "w1_2_1", "w1_2_2", "b1_2", "w2_1_1", "w2_1_2", "b2_1",
    ]);
    expect(net.inputs.map((s) => s.name)).toEqual(["x1", "x2"]);
    expect(net.targets.map((s) => s.name)).toEqual(["y"]);
  });

  it("counts 1185 parameters for 2-32-32-1", () => {
    expect(mlp({ layers: [2, 32, 32, 1], activation: "relu", output: "sigmoid", loss: "bce" }).params).toHaveLength(1185);
  });

  it("numbers targets y1…yk for several outputs, and the softmax sums to 1", () => {
    const net = mlp({ layers: [2, 3, 3], activation: "softplus", output: "softmax", loss: "cross-entropy" });
    expect(net.targets.map((s) => s.name)).toEqual(["y1", "y2", "y3"]);
    const env: Record<string, number> = { x1: 0.3, x2: -0.7, y1: 0, y2: 1, y3: 0 };
    net.params.forEach((p, k) => (env[p.name] = Math.sin(k + 1)));
    const probabilities = evaluate(net.outputs, env);
    expect(probabilities.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 14);
    expect(evaluate(net.loss, env)).toBeCloseTo(-Math.log(probabilities[1]), 14);
  });

  it("computes mean squared error for a linear output", () => {
    const net = mlp({ layers: [1, 1], activation: "tanh", output: "linear", loss: "mse" });
    expect(evaluate(net.loss, { x1: 2, w1_1_1: 3, b1_1: 1, y: 4 })).toBe(9);
  });

  it.each([
    ["too few layers", { layers: [2] }, /at least two positive integers/],
    ["a zero-width layer", { layers: [2, 0, 1] }, /at least two positive integers/],
    ["an unknown activation", { activation: "gelu" }, /unknown activation "gelu" \(valid: sigmoid, tanh, relu, softplus\)/],
    ["an unknown output", { output: "probit" }, /unknown output "probit"/],
    ["a loss that does not fit the output", { output: "linear", loss: "bce" }, /loss "bce" does not fit a linear output \(valid: mse\)/],
    ["a one-unit softmax", { output: "softmax", loss: "cross-entropy" }, /softmax output needs at least 2 units/],
  ])("rejects %s", (_, change, message) => {
    const spec = { layers: [2, 4, 1], activation: "tanh", output: "sigmoid", loss: "bce", ...change };
    expect(() => mlp(spec as never)).toThrow(message);
  });
});
