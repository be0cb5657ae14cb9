/**
 * Model definitions are data: the generator re-validates whatever object a model file exported
 * (validateModel, called by generateModule), so forged nodes, escaping names and constants that fold
 * to Infinity/NaN never reach the emitted text. A model built by a second copy of symgrad's modules is
 * rebuilt structurally and generates the same module.
 */
import { describe, expect, it, vi } from "vitest";
import {
  add, defineModel, div, exp, Expr, log, mul, pow, sigmoid, sub, symbols, type ModelSpec,
} from "../generator/index.ts";
import { validateModel } from "../generator/model.ts";
import seed from "../generator/models/seed.ts";
import { generateModule } from "../generator/pipeline.ts";

const [x, y, w, b] = symbols("x y w b");
const spec: ModelSpec = {
  name: "linear_fit",
  inputs: [x],
  targets: [y],
  params: [w, b],
  outputs: [add(mul(w, x), b)],
  loss: pow(sub(add(mul(w, x), b), y), 2),
};
const good = defineModel(spec);
const INJECTED = '{ [console.log("INJECTED")]: q }';

/** An object that passes `instanceof Expr` without going through the constructors. */
function lookalike(fields: Record<string, unknown>): Expr {
  return Object.assign(Object.create(Expr.prototype), { id: 1e9, value: NaN, name: "", args: [], height: 0, ...fields });
}

describe("forged models are refused at generation", () => {
  it("new Expr(…) cannot be called outside the constructors", () => {
    const Forge = Expr as unknown as new (...args: unknown[]) => Expr;
    expect(() => new Forge(1e9, "sym", [], NaN, INJECTED)).toThrow(/Expr nodes are made by symgrad's constructors/);
  });

  it("a lookalike node carrying code as a symbol name", async () => {
    const forged = lookalike({ op: "sym", name: INJECTED });
    // The constructors refuse to build on a lookalike, so it cannot hide inside a genuine node…
    expect(() => mul(forged, 0.5)).toThrow(/expected an Expr made by symgrad's constructors, got a lookalike object/);
    // …and the generator rebuilds a lookalike from its fields, which validates the name.
    const model = { ...good, params: [...good.params, forged], loss: lookalike({ op: "add", args: [good.loss, forged] }) };
    await expect(generateModule(model)).rejects.toThrow(
      /model "linear_fit": params\[2\]: symbol name "\{ \[console\.log\(\\"INJECTED\\"\)\]: q \}" is not a JavaScript identifier/,
    );
  });

  it.each([
    ["escapes the output folder", "../../escaped_model", /model "\.\.\/\.\.\/escaped_model": name must match/],
    ["is the registry's file name", "index", /model "index": "index" is reserved for the registry/],
    ["is 300 characters long", "m".repeat(300), /model "m{64}…": name must match .* at most 64 characters/],
    ["is not a string", 42, /model \?: name must match/],
  ])("a model name that %s", async (_, name, message) => {
    await expect(generateModule({ ...good, name })).rejects.toThrow(message);
  });

  it.each([
    ["not a model at all", { name: "m" }, /not a symgrad model/],
    ["roles that are not arrays", { ...good, params: w }, /model "linear_fit": params must be an array of expressions/],
    ["a node with an unknown op", { ...good, loss: { op: "eval", args: [] } }, /model "linear_fit": loss: not an expression \(unknown op "eval"\)/],
    ["a node with the wrong number of arguments", { ...good, loss: { op: "exp", args: [x, y] } }, /loss: exp node with 2 argument\(s\), expected 1/],
    ["a constant that is not a number", { ...good, loss: { op: "add", args: [good.loss, { op: "num", value: "1e9", args: [] }] } }, /loss: num: constant must be a finite number, got 1e9/],
    ["a symbol in no role", { ...good, loss: add(good.loss, symbols("z")[0]) }, /model "linear_fit": loss uses symbols in no role: z/],
    ["a changed role", { ...good, targets: [w] }, /symbol "w" is in both targets and params/],
    ["an unknown task", { ...good, task: "ranking" }, /model "linear_fit": unknown task "ranking"/],
  ])("%s", async (_, candidate, message) => {
    await expect(generateModule(candidate)).rejects.toThrow(message);
  });

  it("a cycle (only a forgery can make one)", () => {
    const node: { op: string; args: unknown[] } = { op: "exp", args: [] };
    node.args.push(node);
    expect(() => validateModel({ ...good, loss: { op: "add", args: [good.loss, node] } })).toThrow(/loss: the expression contains a cycle/);
  });
});

describe("constants that do not fold to finite numbers", () => {
  it.each([
    ["div(x, 7e-310)", () => div(x, 7e-310), "1/7e-310", "Infinity"],
    ["log(0)", () => log(0), "log(0)", "-Infinity"],
    ["exp(800)", () => exp(800), "exp(800)", "Infinity"],
    ["pow(10, 400)", () => pow(10, 400), "10**400", "Infinity"],
    ["log(-1)", () => log(-1), "log(-1)", "NaN"],
  ])("%s is an error naming the model and the sub-expression", async (_, term, shown, value) => {
    const loss = add(spec.loss, mul(w, term()));
    const message = `the constant sub-expression ${shown} is ${value}, not a finite number`;
    expect(() => defineModel({ ...spec, loss })).toThrow(`defineModel("linear_fit"): ${message}`);
    // And at generation, for an object that never went through defineModel.
    await expect(generateModule({ ...good, loss })).rejects.toThrow(`model "linear_fit": ${message}`);
  });
});

describe("models whose nodes come from a second copy of symgrad", () => {
  it("are rebuilt structurally and generate the same module as this copy's", async () => {
    vi.resetModules();
    const copy = (await import("../generator/index.ts")) as typeof import("../generator/index.ts");
    expect(copy.Expr).not.toBe(Expr);
    const [cx, cy, cw, cb] = copy.symbols("x y w b");
    const theirs = copy.defineModel({
      name: "linear_fit", inputs: [cx], targets: [cy], params: [cw, cb],
      outputs: [copy.add(copy.mul(cw, cx), cb)], loss: copy.pow(copy.sub(copy.add(copy.mul(cw, cx), cb), cy), 2),
    });
    expect(theirs.loss instanceof Expr).toBe(false);
    const adopted = validateModel(theirs);
    expect(adopted.loss).toBe(good.loss); // hash-consing: the very same node of this copy
    expect((await generateModule(theirs)).content).toBe((await generateModule(good)).content);
  });

  it("a plain-data model (e.g. parsed from JSON) is adopted the same way", () => {
    const data = JSON.parse(JSON.stringify({ ...good, loss: good.loss, outputs: good.outputs }));
    expect(validateModel(data).loss).toBe(good.loss);
  });

  it("this copy's own models pass unchanged, the seed included", () => {
    const again = validateModel(seed);
    expect(again.loss).toBe(seed.loss);
    expect(again.params).toEqual(seed.params);
    expect(validateModel(defineModel({ ...spec, outputs: [sigmoid(add(mul(w, x), b))] })).task).toBe("binary");
  });
});
