import { execFileSync } from "node:child_process";
import { mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { readCsv, type CsvSpec } from "../src/csv.ts";
import { printable } from "../src/printable.ts";

const dir = mkdtempSync(join(tmpdir(), "symgrad-csv-"));
const binary: CsvSpec = { inputNames: ["x1", "x2"], targetNames: ["y"], task: "binary" };

function file(name: string, text: string | Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("readCsv", () => {
  it("selects the model's columns by header name, in the model's order, ignoring extras", async () => {
    const path = file("ok.csv", "note,y,x2,x1\na,1,2.5,-1\nb,0,1e-3,4\n");
    const d = await readCsv(path, binary);
    expect(d.n).toBe(2);
    expect([...d.X]).toEqual([-1, 2.5, 4, 0.001]);
    expect([...d.Y]).toEqual([1, 0]);
    expect(d.inputNames).toEqual(["x1", "x2"]);
  });

  it("allows regression targets outside [0, 1] and every decimal spelling", async () => {
    const path = file("reg.csv", "x1,x2,y\n1,2,7.5\n+.5,-3.,1E2\n 007 ,2e-1,-0\n");
    expect([...(await readCsv(path, { ...binary, task: "regression" })).X]).toEqual([1, 2, 0.5, -3, 7, 0.2]);
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
    ["overflow.csv", "x1,x2,y\n1e999,2,0\n", /line 2, column 1 \(x1\): "1e999" is not a finite number/],
    ["target.csv", "x1,x2,y\n1,2,0\n1,2,1.5\n", /line 3, column 3 \(y\): target 1.5 is outside \[0, 1\]/],
    ["negative.csv", "x1,x2,y\n1,2,-0.1\n", /line 2, column 3 \(y\): target -0.1 is outside \[0, 1\]/],
    ["header-only.csv", "x1,x2,y\n", /no data rows/],
    ["quote.csv", 'x1,x2,y\n1,"2,0\n', /line \d+: cannot parse CSV/],
    // Only decimal floats are numbers (issue 9: these were read as 16, 3, 7 and 26).
    ["hex.csv", "x1,x2,y\n0x10,2,0\n", /line 2, column 1 \(x1\): "0x10" is not a number/],
    ["bin.csv", "x1,x2,y\n1,0b11,0\n", /line 2, column 2 \(x2\): "0b11" is not a number/],
    ["oct.csv", "x1,x2,y\n0o7,2,0\n", /line 2, column 1 \(x1\): "0o7" is not a number/],
    ["spaced-hex.csv", "x1,x2,y\n 0x1A ,2,0\n", /line 2, column 1 \(x1\): "0x1A" is not a number/],
    ["separator.csv", "x1,x2,y\n1_000,2,0\n", /line 2, column 1 \(x1\): "1_000" is not a number/],
    // Duplicate header names are ambiguous, whichever column the model reads.
    [
      "dup-x.csv",
      "x1,x1,x2,y\n1,2,3,0\n",
      /line 1: column 2 repeats the header name x1 \(column 1\); names must be unique/,
    ],
    ["dup-y.csv", "x1,x2,y,y\n1,2,0,1\n", /line 1: column 4 repeats the header name y \(column 3\)/],
    ["dup-extra.csv", "x1,x2,y,note,note\n1,2,0,a,b\n", /column 5 repeats the header name note/],
    // Binary content is refused before parsing, and escaped when it gets through.
    [
      "binary.csv",
      Buffer.from([0x78, 0x31, 0x0a, 0x00, 0xff, 0x1b, 0x5b, 0x32, 0x4a]),
      /binary data \(a NUL byte at offset 3\), not CSV text/,
    ],
    [
      "escape.csv",
      "x1,x2,y\n\x1b[2J\x1b[31mred,2,0\n",
      /line 2, column 1 \(x1\): "\\x1b\[2J\\x1b\[31mred" is not a number/,
    ],
  ])("%s: %s", async (name, text, message) => {
    const path = file(name, text);
    const error = await readCsv(path, binary).then(
      () => undefined,
      (caught: Error) => caught,
    );
    expect(error?.message).toMatch(message);
    expect(error?.message).toContain(path);
    expect(error?.message).not.toMatch(/[\x00-\x08\x0b-\x1f\x7f]/); // nothing raw reaches the terminal
  });

  it("names a missing file", async () => {
    const path = join(dir, "nope.csv");
    await expect(readCsv(path, binary)).rejects.toThrow(`${path}: cannot read data file (no such file)`);
  });

  it.each([
    [
      "a symlink to /dev/zero (issue's repro: read to 16.9 GB)",
      () => symlink("/dev/zero", "zero.csv"),
      /not a regular file \(a character device\)/,
    ],
    ["a FIFO", () => fifo("pipe.csv"), /not a regular file \(a FIFO\)/],
    ["a directory", () => dir, /not a regular file \(a directory\)/],
  ])("refuses %s before reading", async (_name, make, message) => {
    await expect(readCsv(make(), binary)).rejects.toThrow(message);
  });

  it("refuses a file over the size limit before reading it, naming the flag that raises it", async () => {
    const path = file("big.csv", `x1,x2,y\n${"1,2,0\n".repeat(100)}`);
    await expect(readCsv(path, binary, { maxBytes: 100 })).rejects.toThrow(
      `${path}: 608 bytes is over the limit of 100 bytes for a CSV file; raise it with --max-csv-bytes`,
    );
    expect((await readCsv(path, binary, { maxBytes: 608 })).n).toBe(100);
  });

  it("caps the header list of a missing-column error at 20 names", async () => {
    const names = Array.from({ length: 50 }, (_, i) => `c${i}`);
    const path = file("wide.csv", `${names.join(",")}\n${names.map(() => 1).join(",")}\n`);
    await expect(readCsv(path, binary)).rejects.toThrow(/header has: c0, .*, c19, … \(30 more\)\)$/);
  });
});

describe("printable", () => {
  it.each([
    ["plain", "plain"],
    ["tab\there", "tab\\x09here"],
    ["\u202etxt.exe", "\\u{202e}txt.exe"],
    ["x".repeat(50), `${"x".repeat(40)}…`],
  ])("%j → %j", (text, shown) => expect(printable(text)).toBe(shown));
});

function symlink(target: string, name: string): string {
  const path = join(dir, name);
  symlinkSync(target, path);
  return path;
}

function fifo(name: string): string {
  const path = join(dir, name);
  execFileSync("mkfifo", [path]);
  return path;
}
