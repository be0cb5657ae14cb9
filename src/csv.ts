/**
 * CSV input: a header row names the columns; the model's input and target names pick them (extra columns
 * are ignored). Every error names the file, and where it applies the line and the column.
 */
import { readFileSync } from "node:fs";
import { basename } from "node:path";
import { parse } from "csv-parse/sync";
import type { ModelInfo } from "./contract.ts";
import type { Dataset } from "./data.ts";

export interface CsvSpec {
  inputNames: readonly string[];
  targetNames: readonly string[];
  /** Probability targets (binary, multiclass) must lie in [0, 1]. */
  task: ModelInfo["task"];
}

interface Row {
  record: string[];
  info: { lines: number };
}

export function readCsv(file: string, spec: CsvSpec): Dataset {
  const rows = parseRows(file, readText(file));
  const header = rows[0].record;
  const columnOf = (name: string) => header.indexOf(name);
  const wanted = [...spec.inputNames, ...spec.targetNames];
  const missing = wanted.filter((name) => columnOf(name) < 0);
  if (missing.length) {
    throw new Error(
      `${file}: line 1: missing required column(s) ${missing.join(", ")} (header has: ${header.join(", ")})`,
    );
  }
  const data = rows.slice(1);
  if (data.length === 0) throw new Error(`${file}: no data rows after the header`);
  const read = (names: readonly string[], checkRange: boolean) =>
    readColumns(file, data, header, names.map(columnOf), checkRange);
  const isProbability = spec.task !== "regression";
  return {
    name: basename(file),
    inputNames: [...spec.inputNames],
    targetNames: [...spec.targetNames],
    X: read(spec.inputNames, false),
    Y: read(spec.targetNames, isProbability),
    n: data.length,
  };
}

function readText(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`${file}: cannot read data file (${code === "ENOENT" ? "no such file" : (code ?? error)})`);
  }
  if (text.trim() === "") throw new Error(`${file}: empty file (expected a header row naming the columns)`);
  return text;
}

function parseRows(file: string, text: string): Row[] {
  let rows: Row[];
  try {
    // relax_column_count: ragged rows are reported below with the expected column names.
    rows = parse(text, {
      info: true,
      skip_empty_lines: true,
      trim: true,
      relax_column_count: true,
    }) as unknown as Row[];
  } catch (error) {
    const { lines, message } = error as { lines?: number; message: string };
    throw new Error(`${file}: line ${lines ?? "?"}: cannot parse CSV (${message})`);
  }
  const width = rows[0].record.length;
  for (const { record, info } of rows) {
    if (record.length !== width) {
      throw new Error(
        `${file}: line ${info.lines}: ragged row with ${record.length} field(s), expected ${width} (${rows[0].record.join(", ")})`,
      );
    }
  }
  return rows;
}

/** Reads the given columns of every row into an n×columns row-major array. */
function readColumns(
  file: string,
  data: Row[],
  header: string[],
  columns: number[],
  checkRange: boolean,
): Float64Array {
  const out = new Float64Array(data.length * columns.length);
  data.forEach(({ record, info }, r) => {
    columns.forEach((column, c) => {
      const where = `${file}: line ${info.lines}, column ${column + 1} (${header[column]})`;
      const text = record[column];
      const value = text === "" ? Number.NaN : Number(text);
      if (Number.isNaN(value) && !/^[+-]?nan$/i.test(text)) throw new Error(`${where}: "${text}" is not a number`);
      if (!Number.isFinite(value)) throw new Error(`${where}: "${text}" is not a finite number`);
      if (checkRange && (value < 0 || value > 1)) {
        throw new Error(`${where}: target ${text} is outside [0, 1], which a probability (cross-entropy) target needs`);
      }
      out[r * columns.length + c] = value;
    });
  });
  return out;
}
