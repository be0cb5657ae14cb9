/**
 * Deep graphs (issue 10): the generator must not recurse once per level of a deep expression, anywhere
 * (validation, differentiation, simplification, scheduling, the printer, prettier's input). A chain of
 * DEPTH nested tanh layers sharing one weight and one bias is generated in a child process whose stack
 * is too small for any such recursion (the control: a naive recursive walk of the same model overflows
 * there), and the module is checked against a hand-written backprop (≤ 1e-12) and against central
 * differences of its own loss (≤ 1e-6), at ordinary and saturated points (|w·h + b| of 40, 400, 800).
 * `npx tsx test/bench/deep-chain.ts 20000` times the 20 000-deep chain.
 */
import { describe, expect, it } from "vitest";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { CHAIN_POINTS, compareWithReference } from "./deep-chain-model.ts";
import { centralDifference, relativeError } from "./helpers.ts";

const DEPTH = 400;
/** KB of stack for the child: a recursion of one small frame per node of the 400-deep chain overflows it. */
const STACK_KB = 120;

const root = fileURLToPath(new URL("..", import.meta.url));
const script = fileURLToPath(new URL("fixtures/generate-deep-chain.ts", import.meta.url));
const runChild = (...args: string[]) =>
  spawnSync(process.execPath, [`--stack-size=${STACK_KB}`, "--import", "tsx", script, String(DEPTH), ...args], { cwd: root, encoding: "utf8" });

interface ChainModule {
  loss(params: Float64Array, X: Float64Array, Y: Float64Array): number;
  lossAndGradient(params: Float64Array, X: Float64Array, Y: Float64Array, grad: Float64Array): number;
  hessianVectorProduct?(params: Float64Array, X: Float64Array, Y: Float64Array, v: Float64Array, out: Float64Array): number;
}

describe(`a ${DEPTH}-deep chain with a shared weight and bias`, () => {
  const dir = mkdtempSync(join(tmpdir(), "symgrad-deep-"));
  const file = join(dir, "deep_chain.ts");
  let module: ChainModule;

  it(`is generated with a ${STACK_KB} KB stack, on which a recursive walk of the same model overflows`, async () => {
    const control = runChild(file, "--recursive-walk");
    expect(control.status).not.toBe(0);
    expect(control.stderr).toContain("Maximum call stack size exceeded");
    const r = runChild(file);
    expect(r.stderr).toBe("");
    expect(r.status).toBe(0);
    module = (await import(pathToFileURL(file).href)) as ChainModule;
  }, 180_000);

  it("matches a hand-written backprop to 1e-12", () => {
    expect(compareWithReference(module, DEPTH)).toBeLessThanOrEqual(1e-12);
  });

  it("has the gradient of its own loss (central differences, 1e-6)", () => {
    const X = Float64Array.from([0.5, -1.5, 2, -0.25]);
    const Y = Float64Array.from([0.3, -0.7, 1, 0]);
    // Contracting chains (|w| < 1), where the loss is smooth enough for differences to be accurate.
    for (const point of CHAIN_POINTS.filter(([w]) => Math.abs(w) < 1)) {
      const params = Float64Array.from(point);
      const grad = new Float64Array(4);
      module.lossAndGradient(params, X, Y, grad);
      for (let k = 0; k < 4; k++) {
        const lossAt = (value: number) => module.loss(Float64Array.from(params, (p, j) => (j === k ? value : p)), X, Y);
        expect(relativeError(grad[k], centralDifference(lossAt, params[k]), 1e-9)).toBeLessThanOrEqual(1e-6);
      }
    }
  });

  it("has H·v, equal to central differences of its gradient along v (1e-6)", () => {
    expect(typeof module.hessianVectorProduct).toBe("function");
    const X = Float64Array.from([0.5, -1.5, 2, -0.25]);
    const Y = Float64Array.from([0.3, -0.7, 1, 0]);
    const v = Float64Array.from([0.3, -1, 0.7, 0.2]);
    for (const point of CHAIN_POINTS.filter(([w]) => Math.abs(w) < 1)) {
      const params = Float64Array.from(point);
      const hv = new Float64Array(4);
      module.hessianVectorProduct!(params, X, Y, v, hv);
      for (let k = 0; k < 4; k++) {
        const gradientAt = (t: number) => {
          const grad = new Float64Array(4);
          module.lossAndGradient(Float64Array.from(params, (p, j) => p + t * v[j]), X, Y, grad);
          return grad[k];
        };
        expect(relativeError(hv[k], centralDifference(gradientAt, 0), 1e-9)).toBeLessThanOrEqual(1e-6);
      }
    }
  });

  it.sequential("cleans up", () => rmSync(dir, { recursive: true, force: true }));
});
