import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readCsv, type CsvSpec } from "../src/csv.ts";

const dir = mkdtempSync(join(tmpdir(), "symgrad-csv-"));
const binary: CsvSpec = { inputNames: ["x1", "x2"], targetNames: ["y"], task: "binary" };

function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("readCsv", () => {
  it("selects the model's columns by header name, in the model's order, ignoring extras", () => {
    const path = file("ok.csv", "note,y,x2,x1\na,1,2.5,-1\nb,0,1e-3,4\n");
    const d = readCsv(path, binary);
    expect(d.n).toBe(2);
    expect([...d.X]).toEqual([-1, 2.5, 4, 0.001]);
    expect([...d.Y]).toEqual([1, 0]);
    expect(d.inputNames).toEqual(["x1", "x2"]);
  });

  it("allows regression targets outside [0, 1]", () => {
    const path = file("reg.csv", "x1,x2,y\n1,2,7.5\n");
    expect([...readCsv(path, { ...binary, task: "regression" }).Y]).toEqual([7.5]);
  });

  // One line per error case: file contents, then what the message must say (file name is checked for all).
  it.each([
    ["empty.csv", "", /empty file/],
    ["blank.csv", "\n  \n", /empty file/],
    ["missing-col.csv", "x1,y\n1,0\n", /line 1: missing required column\(s\) x2 \(header has: x1, y\)/],
    ["ragged.csv", "x1,x2,y\n1,2,0\n\n3,4\n", /line 4: ragged row with 2 field\(s\), expected 3/],
    ["text.csv", "x1,x2,y\n1,2,0\n1,abc,1\n", /line 3, column 2 \(x2\): "abc" is not a number/],
    ["empty-cell.csv", "x1,x2,y\n1,,0\n", /line 2, column 2 \(x2\): "" is not a number/],
    ["inf.csv", "x1,x2,y\nInfinity,2,0\n", /line 2, column 1 \(x1\): "Infinity" is not a finite number/],
    ["nan.csv", "x1,x2,y\n1,2,NaN\n", /line 2, column 3 \(y\): "NaN" is not a finite number/],
    ["target.csv", "x1,x2,y\n1,2,0\n1,2,1.5\n", /line 3, column 3 \(y\): target 1.5 is outside \[0, 1\]/],
    ["negative.csv", "x1,x2,y\n1,2,-0.1\n", /line 2, column 3 \(y\): target -0.1 is outside \[0, 1\]/],
    ["header-only.csv", "x1,x2,y\n", /no data rows/],
    ["quote.csv", 'x1,x2,y\n1,"2,0\n', /line \d+: cannot parse CSV/],
  ])("%s: %s", (name, text, message) => {
    const path = file(name, text);
    expect(() => readCsv(path, binary)).toThrow(message);
    expect(() => readCsv(path, binary)).toThrow(path);
  });

  it("names a missing file", () => {
    const path = join(dir, "nope.csv");
    expect(() => readCsv(path, binary)).toThrow(`${path}: cannot read data file (no such file)`);
  });
});
