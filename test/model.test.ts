import { describe, expect, it } from "vitest";
import { add, defineModel, mul, sigmoid, symbols, type ModelSpec } from "../generator/index.ts";

const [x1, x2, y, w1, w2, b] = symbols("x1 x2 y w1 w2 b");
const p = sigmoid(add(mul(w1, x1), mul(w2, x2), b));
const valid: ModelSpec = { name: "demo", inputs: [x1, x2], targets: [y], params: [w1, w2, b], outputs: [p], loss: mul(add(p, mul(-1, y)), add(p, mul(-1, y))) };

describe("defineModel", () => {
  it("accepts a valid model and infers its task", () => {
    const model = defineModel(valid);
    expect(model.name).toBe("demo");
    expect(model.task).toBe("binary");
    expect(Object.isFrozen(model)).toBe(true);
  });

  it.each([
    ["a bad model name", { name: "Demo-1" }, /defineModel\("Demo-1"\): name must match/],
    ["an empty role", { params: [] }, /"demo".*params must be a non-empty array of symbols/],
    ["a non-symbol in a role", { inputs: [x1, add(x2, 1)] }, /inputs must contain only symbols/],
    ["a duplicate symbol", { params: [w1, w2, b, w1] }, /symbol "w1" appears twice in params/],
    ["a symbol in two roles", { targets: [y, x1] }, /symbol "x1" is in both inputs and targets/],
    ["a loss symbol in no role", { params: [w1, w2] }, /loss uses symbols in no role: b/],
    ["an output using a target", { outputs: [add(p, y)] }, /outputs must not depend on targets.*: y/],
    ["a parameter the loss ignores", { params: [w1, w2, b, ...symbols("unused")] }, /does not depend on parameter\(s\) unused/],
    ["no outputs", { outputs: [] }, /outputs must be a non-empty array/],
    ["a loss that is not an expression", { loss: 3 as never }, /loss must be an Expr/],
  ])("rejects %s, naming the model", (_, change, message) => {
    expect(() => defineModel({ ...valid, ...change } as ModelSpec)).toThrow(message);
  });
});
