/**
 * CSV input: a header row names the columns; the model's input and target names pick them (extra columns
 * are ignored). Every error names the file, and where it applies the line and the column.
 *
 * The file is checked before it is read (a regular file, at most maxBytes) and then streamed through
 * csv-parse, each row turned into numbers as it arrives, so memory holds the numbers, not the text.
 * Only decimal numbers count ("0x10" is not 16), and what the file contains is shown escaped and
 * shortened, so a binary file cannot write raw bytes to the terminal.
 */
import { closeSync, createReadStream, openSync, readSync, statSync, type Stats } from "node:fs";
import { basename } from "node:path";
import { parse } from "csv-parse";
import type { ModelInfo } from "./contract.ts";
import type { Dataset } from "./data.ts";
import { printable } from "./printable.ts";

export interface CsvSpec {
  inputNames: readonly string[];
  targetNames: readonly string[];
  /** Probability targets (binary, multiclass) must lie in [0, 1]. */
  task: ModelInfo["task"];
}

export interface CsvOptions {
  /** Larger files are refused before reading (default DEFAULT_MAX_CSV_BYTES, 2 GiB). */
  maxBytes?: number;
}

export const DEFAULT_MAX_CSV_BYTES = 2 ** 31;

/** A decimal number as people write one: digits, an optional fraction and exponent. Not hex, binary or octal. */
const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)(e[+-]?\d+)?$/i;
const NON_FINITE = /^[+-]?(inf|infinity|nan)$/i;

interface Record {
  record: string[];
  info: { lines: number };
}

const PARSE_OPTIONS = { skip_empty_lines: true, trim: true, relax_column_count: true } as const;

export async function readCsv(file: string, spec: CsvSpec, options: CsvOptions = {}): Promise<Dataset> {
  checkFile(file, options.maxBytes ?? DEFAULT_MAX_CSV_BYTES);
  // relax_column_count: ragged rows are reported below with the expected column names. Line numbers
  // (csv-parse's `info`) would triple the parsing time, so they are looked up only for an error.
  const wanted = [...spec.inputNames, ...spec.targetNames];
  const checkRange = spec.task !== "regression";
  let header: string[] | undefined;
  let columns: number[] = [];
  let index = 0;
  const X: number[] = [];
  const Y: number[] = [];
  const onRecord = (record: string[]) => {
    if (header === undefined) {
      header = record;
      columns = headerColumns(header, wanted);
    } else if (record.length !== header.length) {
      throw new RowError(
        index,
        `ragged row with ${record.length} field(s), expected ${header.length} (${listed(header)})`,
      );
    } else {
      for (let c = 0; c < columns.length; c++) {
        const isTarget = c >= spec.inputNames.length;
        (isTarget ? Y : X).push(cellValue(index, columns[c], header, record[columns[c]], checkRange && isTarget));
      }
    }
    index++;
  };
  try {
    await eachRecord(file, onRecord);
  } catch (error) {
    throw await describeFailure(file, error);
  }
  if (header === undefined) throw new Error(`${file}: empty file (expected a header row naming the columns)`);
  const n = X.length / spec.inputNames.length;
  if (n === 0) throw new Error(`${file}: no data rows after the header`);
  return {
    name: basename(file),
    inputNames: [...spec.inputNames],
    targetNames: [...spec.targetNames],
    X: Float64Array.from(X),
    Y: Float64Array.from(Y),
    n,
  };
}

/**
 * Streams the file through csv-parse, calling onRecord for each record as it is parsed ('data' events:
 * an async iterator would cost a promise per row). The first error, from reading, parsing or onRecord,
 * stops the stream and rejects.
 */
function eachRecord(file: string, onRecord: (record: string[]) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    const source = createReadStream(file, { highWaterMark: 1 << 20 });
    const parser = parse(PARSE_OPTIONS);
    const fail = (error: unknown) => {
      source.destroy();
      parser.destroy();
      reject(error);
    };
    source.on("error", fail);
    parser.on("error", fail);
    parser.on("end", resolve);
    parser.on("data", (record: string[]) => {
      try {
        onRecord(record);
      } catch (error) {
        fail(error);
      }
    });
    source.pipe(parser);
  });
}

/** A problem in record `index` (0 = the header); the message gets the file and line in front. */
class RowError extends Error {
  constructor(
    readonly index: number,
    message: string,
    readonly column?: string,
  ) {
    super(message);
  }
}

async function describeFailure(file: string, error: unknown): Promise<Error> {
  if (error instanceof RowError) {
    const where = `line ${await lineOfRecord(file, error.index)}${error.column ? `, ${error.column}` : ""}`;
    return new Error(`${file}: ${where}: ${error.message}`);
  }
  const { lines, message, code } = error as { lines?: number; message: string; code?: string };
  if (code && !code.startsWith("CSV_")) return new Error(`${file}: cannot read data file (${code})`);
  return new Error(`${file}: line ${lines ?? "?"}: cannot parse CSV (${printable(message, 160)})`);
}

/** The line a record ends on, by parsing again with csv-parse's line counting up to that record. */
async function lineOfRecord(file: string, index: number): Promise<number | string> {
  let line: number | string = "?";
  const records = createReadStream(file).pipe(parse({ ...PARSE_OPTIONS, info: true, to: index + 1 }));
  for await (const { info } of records as AsyncIterable<{ info: { lines: number } }>) line = info.lines;
  return line;
}

/** Refuses what is not a CSV file before reading a byte of it: missing, special files, too large, binary. */
function checkFile(file: string, maxBytes: number): void {
  let stats: Stats;
  try {
    stats = statSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new Error(`${file}: cannot read data file (${code === "ENOENT" ? "no such file" : (code ?? error)})`);
  }
  if (!stats.isFile()) throw new Error(`${file}: not a regular file (${kindOf(stats)}); expected a CSV file`);
  if (stats.size > maxBytes) {
    throw new Error(
      `${file}: ${stats.size} bytes is over the limit of ${maxBytes} bytes for a CSV file; raise it with --max-csv-bytes`,
    );
  }
  const nul = firstNulByte(file);
  if (nul >= 0) throw new Error(`${file}: binary data (a NUL byte at offset ${nul}), not CSV text`);
}

function kindOf(stats: Stats): string {
  if (stats.isDirectory()) return "a directory";
  if (stats.isFIFO()) return "a FIFO";
  if (stats.isCharacterDevice()) return "a character device";
  if (stats.isBlockDevice()) return "a block device";
  if (stats.isSocket()) return "a socket";
  return "not a file";
}

/** Offset of the first NUL in the file's first 64 KiB, or −1: text files have none, binary ones soon do. */
function firstNulByte(file: string): number {
  const buffer = Buffer.alloc(65536);
  const fd = openSync(file, "r");
  try {
    return buffer.subarray(0, readSync(fd, buffer, 0, buffer.length, 0)).indexOf(0);
  } finally {
    closeSync(fd);
  }
}

/** Column index of every wanted name; duplicate or missing header names are errors. */
function headerColumns(header: string[], wanted: string[]): number[] {
  const seen = new Set<string>();
  header.forEach((name, i) => {
    if (seen.has(name)) {
      throw new RowError(
        0,
        `column ${i + 1} repeats the header name ${printable(name)} (column ${header.indexOf(name) + 1}); names must be unique`,
      );
    }
    seen.add(name);
  });
  const missing = wanted.filter((name) => !seen.has(name));
  if (missing.length) {
    throw new RowError(0, `missing required column(s) ${missing.join(", ")} (header has: ${listed(header)})`);
  }
  return wanted.map((name) => header.indexOf(name));
}

function cellValue(index: number, column: number, header: string[], text: string, checkRange: boolean): number {
  // The hot path (every cell of every row) makes no closures or strings: only a failure builds a message.
  if (DECIMAL.test(text)) {
    const value = Number(text);
    if (Number.isFinite(value) && !(checkRange && (value < 0 || value > 1))) return value;
  }
  throw cellError(index, column, header, text, checkRange);
}

function cellError(index: number, column: number, header: string[], text: string, checkRange: boolean): RowError {
  const where = `column ${column + 1} (${printable(header[column])})`;
  const fail = (message: string) => new RowError(index, message, where);
  if (NON_FINITE.test(text)) return fail(`"${text}" is not a finite number`);
  if (!DECIMAL.test(text)) return fail(`${quoted(text)} is not a number`);
  if (!Number.isFinite(Number(text))) return fail(`"${text}" is not a finite number`);
  return fail(`target ${text} is outside [0, 1], which a probability (cross-entropy) target needs`);
}

/** Up to 20 header names, escaped, then how many more. */
function listed(names: string[]): string {
  const shown = names.slice(0, 20).map((name) => printable(name));
  return names.length > 20 ? `${shown.join(", ")}, … (${names.length - 20} more)` : shown.join(", ");
}

const quoted = (text: string) => `"${printable(text)}"`;
