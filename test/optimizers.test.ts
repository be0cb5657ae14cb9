import { describe, expect, it } from "vitest";
import { createOptimizer } from "../src/optimizers.ts";

const params0 = () => Float64Array.from([0.3, -1.7, 2.25, 1e-3]);
const grad = Float64Array.from([0.1, -0.25, 3.5, -7e-4]);

describe("optimizers", () => {
  it("gd is exactly p − lr·g", () => {
    const p = params0();
    createOptimizer("gd", 4, { lr: 0.37 }).step(p, grad);
    expect([...p]).toEqual([...params0()].map((v, i) => v - 0.37 * grad[i]));
  });

  it("momentum accumulates v = β·v + g and steps p −= lr·v", () => {
    const p = params0();
    const opt = createOptimizer("momentum", 4, { lr: 0.1, beta: 0.5 });
    opt.step(p, grad);
    opt.step(p, grad);
    // Step 1 moves by lr·g, step 2 by lr·(β·g + g).
    const expected = [...params0()].map((v, i) => v - 0.1 * grad[i] - 0.1 * (0.5 * grad[i] + grad[i]));
    [...p].forEach((v, i) => expect(v).toBeCloseTo(expected[i], 15));
  });

  it("adam's first step moves each parameter by lr against the sign of its gradient", () => {
    const p = params0();
    createOptimizer("adam", 4, { lr: 0.01 }).step(p, grad);
    [...p].forEach((v, i) => expect(v).toBeCloseTo(params0()[i] - 0.01 * Math.sign(grad[i]), 6));
  });

  it("adam uses bias-corrected moments on later steps", () => {
    const p = params0();
    const opt = createOptimizer("adam", 4, { lr: 0.01 });
    const g2 = Float64Array.from([0.3, 0.25, -3.5, 7e-4]);
    opt.step(p, grad);
    opt.step(p, g2);
    const [b1, b2] = [0.9, 0.999];
    [...p].forEach((v, i) => {
      const m = ((1 - b1) * b1 * grad[i] + (1 - b1) * g2[i]) / (1 - b1 ** 2);
      const s = ((1 - b2) * b2 * grad[i] ** 2 + (1 - b2) * g2[i] ** 2) / (1 - b2 ** 2);
      const first = params0()[i] - 0.01 * Math.sign(grad[i]);
      expect(v).toBeCloseTo(first - (0.01 * m) / (Math.sqrt(s) + 1e-8), 6);
    });
  });

  it("momentum's default β is 0.9: 30 steps equal a reference loop written here", () => {
    const p = params0();
    const opt = createOptimizer("momentum", 4, { lr: 0.05 });
    const ref = [...params0()];
    const velocity = [0, 0, 0, 0];
    for (let t = 0; t < 30; t++) {
      const g = Float64Array.from(grad, (x, i) => x * Math.cos(t + i)); // a gradient that changes every step
      opt.step(p, g);
      for (let i = 0; i < 4; i++) {
        velocity[i] = 0.9 * velocity[i] + g[i];
        ref[i] -= 0.05 * velocity[i];
      }
    }
    [...p].forEach((v, i) => expect(v).toBe(ref[i]));
  });

  it("adam at its defaults (β₁ 0.9, β₂ 0.999, ε 1e-8): 50 steps equal a reference loop written here", () => {
    const p = params0();
    const opt = createOptimizer("adam", 4, { lr: 0.01 });
    const ref = [...params0()];
    const m = [0, 0, 0, 0];
    const v = [0, 0, 0, 0];
    for (let t = 1; t <= 50; t++) {
      const g = Float64Array.from(grad, (x, i) => x * Math.sin(0.3 * t + i) + 0.01 * i);
      opt.step(p, g);
      for (let i = 0; i < 4; i++) {
        m[i] = 0.9 * m[i] + 0.1 * g[i];
        v[i] = 0.999 * v[i] + 0.001 * g[i] * g[i];
        const mHat = m[i] / (1 - 0.9 ** t);
        const vHat = v[i] / (1 - 0.999 ** t);
        ref[i] -= (0.01 * mHat) / (Math.sqrt(vHat) + 1e-8);
      }
    }
    // Written independently (1 − β as 0.1 and 0.001), so equal to rounding, not bit for bit.
    [...p].forEach((x, i) => expect(Math.abs(x - ref[i])).toBeLessThanOrEqual(1e-14 * Math.max(1, Math.abs(ref[i]))));
  });
});
