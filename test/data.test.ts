import { describe, expect, it } from "vitest";
import { DATASETS, circles, clusters, moons, threeClusters, wave, xor, type Dataset } from "../src/data.ts";
import { createRng } from "../src/rng.ts";

const column = (d: Dataset, c: number, rows: number[]) => rows.map((i) => d.X[2 * i + c]);
const range = (from: number, to: number) => Array.from({ length: to - from }, (_, i) => from + i);
const mean = (values: number[]) => values.reduce((a, b) => a + b, 0) / values.length;
const std = (values: number[]) => {
  const m = mean(values);
  return Math.sqrt(mean(values.map((v) => (v - m) ** 2)));
};

describe("rng", () => {
  it("draws standard normals (mean 0, sd 1 over 20 000 draws)", () => {
    const rng = createRng(7);
    const draws = Array.from({ length: 20_000 }, () => rng.normal());
    expect(Math.abs(mean(draws))).toBeLessThan(0.03);
    expect(std(draws)).toBeGreaterThan(0.97);
    expect(std(draws)).toBeLessThan(1.03);
  });

  it("shuffles into a permutation, the same one for the same seed", () => {
    const a = Uint32Array.from(range(0, 50));
    const b = Uint32Array.from(range(0, 50));
    createRng("s").shuffle(a);
    createRng("s").shuffle(b);
    expect(a).toEqual(b);
    expect([...a]).not.toEqual(range(0, 50));
    expect([...a].sort((x, y) => x - y)).toEqual(range(0, 50));
  });
});

describe("clusters (the seed's data)", () => {
  const d = clusters();

  it("has 100 points around (0,0) labelled 0, then 100 around (3,3) labelled 1", () => {
    expect(d.n).toBe(200);
    expect([d.X.length, d.Y.length]).toEqual([400, 200]);
    expect([...d.Y]).toEqual([...Array(100).fill(0), ...Array(100).fill(1)]);
    for (const [rows, center] of [
      [range(0, 100), 0],
      [range(100, 200), 3],
    ] as const) {
      for (const c of [0, 1]) {
        expect(Math.abs(mean(column(d, c, rows)) - center)).toBeLessThan(0.3);
        expect(Math.abs(std(column(d, c, rows)) - 1)).toBeLessThan(0.2);
      }
    }
  });

  it("is reproducible from its seed (42 by default) and changes with it", () => {
    expect(clusters({ seed: 42 }).X).toEqual(d.X);
    expect(clusters({ seed: 43 }).X).not.toEqual(d.X);
    expect(clusters({ n: 5 }).n).toBe(10);
  });
});

describe("the other datasets", () => {
  it.each(Object.entries(DATASETS))("%s is seeded, sized by n and finite", (_name, make) => {
    const a = make({ n: 20, seed: 1 });
    expect(make({ n: 20, seed: 1 })).toEqual(a);
    expect(make({ n: 20, seed: 2 }).X).not.toEqual(a.X);
    expect(a.X.length).toBe(2 * a.n);
    expect(a.Y.length).toBe(a.n * a.targetNames.length);
    expect(a.X.every(Number.isFinite) && a.Y.every(Number.isFinite)).toBe(true);
  });

  it("three clusters are one-hot y1 y2 y3, n per class in order", () => {
    const d = threeClusters({ n: 10 });
    expect(d.targetNames).toEqual(["y1", "y2", "y3"]);
    for (let i = 0; i < 30; i++) {
      expect([d.Y[3 * i], d.Y[3 * i + 1], d.Y[3 * i + 2]]).toEqual(
        [0, 1, 2].map((k) => (k === Math.floor(i / 10) ? 1 : 0)),
      );
    }
  });

  it("xor without noise labels 1 exactly where x1 and x2 differ in sign", () => {
    const d = xor({ n: 50, noise: 0 });
    for (let i = 0; i < d.n; i++) expect(d.Y[i]).toBe(d.X[2 * i] * d.X[2 * i + 1] < 0 ? 1 : 0);
  });

  it("circles without noise put class 0 on radius 1 and class 1 on radius 0.5", () => {
    const d = circles({ n: 30, noise: 0 });
    for (let i = 0; i < d.n; i++)
      expect(Math.hypot(d.X[2 * i], d.X[2 * i + 1])).toBeCloseTo(d.Y[i] === 0 ? 1 : 0.5, 12);
  });

  it("moons without noise lie on the two half circles", () => {
    const d = moons({ n: 30, noise: 0 });
    for (let i = 0; i < d.n; i++) {
      const [x, y] = [d.X[2 * i], d.X[2 * i + 1]];
      const r = d.Y[i] === 0 ? Math.hypot(x, y) : Math.hypot(x - 1, y - 0.5);
      expect(r).toBeCloseTo(1, 12);
      expect(d.Y[i] === 0 ? y >= 0 : y <= 0.5).toBe(true);
    }
  });

  it("wave without noise is y = sin(x1) + 0.5·x2", () => {
    const d = wave({ n: 40, noise: 0 });
    for (let i = 0; i < d.n; i++) expect(d.Y[i]).toBe(Math.sin(d.X[2 * i]) + 0.5 * d.X[2 * i + 1]);
  });
});
