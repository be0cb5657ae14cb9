import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { initScales, randomParams, readParamsFile } from "../src/init.ts";

const SEED_NAMES = ["w11", "w12", "b1", "w21", "w22", "b2", "v1", "v2", "b3"];
const dir = mkdtempSync(join(tmpdir(), "symgrad-init-"));

/** Parameter names of a 2-h-1 MLP in the generator's convention: per unit, its weights then its bias. */
function mlpNames(hidden: number): string[] {
  const names: string[] = [];
  for (let j = 1; j <= hidden; j++) names.push(`w1_${j}_1`, `w1_${j}_2`, `b1_${j}`);
  for (let i = 1; i <= hidden; i++) names.push(`w2_1_${i}`);
  names.push("b2_1");
  return names;
}

const sd = (values: number[]) => Math.sqrt(values.reduce((a, v) => a + v * v, 0) / values.length);

describe("randomParams", () => {
  it("is reproducible from its seed and changes with it", () => {
    expect(randomParams(SEED_NAMES, 42)).toEqual(randomParams(SEED_NAMES, 42));
    expect(randomParams(SEED_NAMES, 42)).not.toEqual(randomParams(SEED_NAMES, 43));
  });

  it("draws seed-style standard normal × 0.5 for non-MLP names", () => {
    expect([...initScales(SEED_NAMES)]).toEqual(Array(9).fill(0.5));
    const many = Array.from({ length: 4000 }, (_, i) => `p${i}`);
    const values = [...randomParams(many, 1)];
    expect(sd(values)).toBeGreaterThan(0.47);
    expect(sd(values)).toBeLessThan(0.53);
  });

  it("scales MLP weights by 1/√fan-in and starts biases at zero", () => {
    const names = mlpNames(400);
    const scales = initScales(names);
    names.forEach((name, i) => {
      const expected = name.startsWith("b") ? 0 : name.startsWith("w1_") ? 1 / Math.sqrt(2) : 1 / 20;
      expect(scales[i]).toBe(expected);
    });
    const params = randomParams(names, 3);
    const output = names.flatMap((name, i) => (name.startsWith("w2_") ? [params[i]] : []));
    expect(sd(output) * 20).toBeGreaterThan(0.85);
    expect(sd(output) * 20).toBeLessThan(1.15);
  });
});

describe("readParamsFile", () => {
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const all = Object.fromEntries(SEED_NAMES.map((name, i) => [name, i / 10]));

  it("returns the values in PARAM_NAMES order, whatever the key order", () => {
    const reversed = Object.fromEntries(Object.entries(all).reverse());
    expect([...readParamsFile(write("ok.json", JSON.stringify(reversed)), SEED_NAMES)]).toEqual(
      SEED_NAMES.map((_, i) => i / 10),
    );
  });

  it.each([
    ["unknown.json", JSON.stringify({ ...all, w99: 1, bias: 2 }), /unknown parameter\(s\): w99, bias/],
    ["missing.json", JSON.stringify({ w11: 1, w12: 2 }), /missing parameter\(s\): b1, w21, w22, b2, v1, v2, b3/],
    ["string.json", JSON.stringify({ ...all, v1: "0.3", b3: null }), /not a finite number: v1, b3/],
    ["array.json", "[1, 2, 3]", /expected a JSON object keyed by parameter name/],
    ["broken.json", "{ w11: 1 }", /invalid JSON/],
  ])("%s is refused: %s", (name, text, message) => {
    const path = write(name, text);
    expect(() => readParamsFile(path, SEED_NAMES)).toThrow(message);
    expect(() => readParamsFile(path, SEED_NAMES)).toThrow(path);
  });

  it("lists unknown and missing names together", () => {
    const { b3: _b3, ...rest } = all;
    const path = write("both.json", JSON.stringify({ ...rest, b4: 0 }));
    expect(() => readParamsFile(path, SEED_NAMES)).toThrow(/unknown parameter\(s\): b4; missing parameter\(s\): b3/);
  });

  it("names a missing file", () => {
    expect(() => readParamsFile(join(dir, "none.json"), SEED_NAMES)).toThrow(
      /none\.json: cannot read initial parameters \(ENOENT\)/,
    );
  });
});

describe("readParamsFile hardening (issue 9)", () => {
  const names = (count: number) => Array.from({ length: count }, (_, i) => `p${i}`);
  const write = (name: string, text: string) => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };

  it.each([
    ["dup.json", '{"w11": 1, "w11": 2}', /duplicate key\(s\): w11;/],
    ["dup-escaped.json", '{"w11": 1, "\\u0077\\u0031\\u0031": 2}', /duplicate key\(s\): w11;/],
    [
      "dup-only.json",
      JSON.stringify({ w11: 0 }).replace("}", `, ${SEED_NAMES.map((n) => `"${n}": 0`).join(", ")}}`),
      /^[^;]*duplicate key\(s\): w11 \(expected exactly/,
    ],
  ])("%s: a duplicate key is an error (JSON.parse would keep the last)", (name, text, message) => {
    expect(() => readParamsFile(write(name, text), SEED_NAMES)).toThrow(message);
  });

  it("a nested object's repeated keys are not top-level duplicates", () => {
    const path = write("nested.json", '{"w11": {"a": 1, "a": 2}}');
    expect(() => readParamsFile(path, SEED_NAMES)).toThrow(/^[^]*not a finite number: w11/);
    expect(() => readParamsFile(path, SEED_NAMES)).not.toThrow(/duplicate/);
  });

  it("caps each list at the first 20 names and a count (60,000 unknown names)", () => {
    const unknown = Object.fromEntries(names(60_000).map((name) => [name, 0]));
    const path = write("many.json", JSON.stringify(unknown));
    let message = "";
    try {
      readParamsFile(path, SEED_NAMES);
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toMatch(/unknown parameter\(s\): p0, p1, .*, p19, … and 59980 more; missing parameter\(s\): w11/);
    expect(message.length).toBeLessThan(600);
    const many = names(100);
    expect(() => readParamsFile(write("few.json", "{}"), many)).toThrow(
      /missing parameter\(s\): p0, .*, p19, … and 80 more \(expected exactly: p0, .*, p19, … and 80 more\)$/,
    );
  });

  it.each([
    ["/dev/zero", /\/dev\/zero: not a regular file/],
    [dir, /not a regular file/],
  ])("refuses %s before reading it", (path, message) => {
    expect(() => readParamsFile(path, SEED_NAMES)).toThrow(message);
  });

  it("shows no raw control bytes from a broken file", () => {
    const path = write("binary.json", "\x1b[2J{ junk");
    expect(() => readParamsFile(path, SEED_NAMES)).toThrow(/invalid JSON/);
    expect(() => readParamsFile(path, SEED_NAMES)).not.toThrow(/\x1b/);
  });
});
