/**
 * The top-level statements of a generated module, as plain data, and their printer.
 *
 * The printed text goes straight to prettier (format.ts), which decides every line break and indent
 * itself. Prettier keeps just two things from its input that a printer must get right: the text of
 * each statement, and whether a blank line separates two statements. The blank-line rule below is the
 * one ts-morph's structure printer used (the generator printed with it before; loading ts-morph and
 * TypeScript took longer than printing every shipped module), so the formatted modules are unchanged:
 * - a blank line after a statement whose text ends with "}" (a block, a loop, an interface);
 * - a blank line before a function or an interface;
 * - otherwise a line break.
 */

/** Written as it is: comments, or any statement the emitters spell out themselves. */
export type RawStatement = string;

export interface ConstStatement {
  readonly kind: "const";
  readonly name: string;
  readonly initializer: string;
  readonly exported: boolean;
  readonly docs?: string;
}

export interface FunctionStatement {
  readonly kind: "function";
  readonly name: string;
  readonly exported: boolean;
  readonly parameters: readonly { readonly name: string; readonly type: string; readonly initializer?: string }[];
  readonly returnType: string;
  /** The body, one statement per entry, printed by the same blank-line rule. */
  readonly statements: readonly string[];
  readonly docs?: string;
}

export interface InterfaceStatement {
  readonly kind: "interface";
  readonly name: string;
  readonly exported: boolean;
  readonly properties: readonly { readonly name: string; readonly type: string }[];
}

export interface TypeAliasStatement {
  readonly kind: "type";
  readonly name: string;
  readonly type: string;
  readonly exported: boolean;
  readonly docs?: string;
}

export type Statement = RawStatement | ConstStatement | FunctionStatement | InterfaceStatement | TypeAliasStatement;

/** A doc comment: one line as `/** text *\/`, several lines with a ` * ` prefix each. */
function docComment(docs: string | undefined): string {
  if (docs === undefined) return "";
  const lines = docs.split(/\r?\n/);
  if (lines[0] === "") lines.shift();
  if (lines.length <= 1) return `/** ${lines[0] ?? ""} */\n`;
  return `/**\n${lines.map((line) => (line === "" ? " *\n" : ` * ${line}\n`)).join("")} */\n`;
}

const exportKeyword = (s: { readonly exported: boolean }) => (s.exported ? "export " : "");

function printStatement(s: Statement): string {
  if (typeof s === "string") return s;
  switch (s.kind) {
    case "const":
      return `${docComment(s.docs)}${exportKeyword(s)}const ${s.name} = ${s.initializer};`;
    case "type":
      return `${docComment(s.docs)}${exportKeyword(s)}type ${s.name} = ${s.type};`;
    case "interface":
      return `${exportKeyword(s)}interface ${s.name} {\n${s.properties.map((p) => `${p.name}: ${p.type};\n`).join("")}}`;
    case "function": {
      const parameters = s.parameters.map((p) => `${p.name}: ${p.type}${p.initializer === undefined ? "" : ` = ${p.initializer}`}`);
      const head = `${docComment(s.docs)}${exportKeyword(s)}function ${s.name}(${parameters.join(", ")}): ${s.returnType} {`;
      return `${head}\n${printStatements(s.statements)}}`;
    }
  }
}

const startsWithBlankLine = (s: Statement) => typeof s !== "string" && (s.kind === "function" || s.kind === "interface");

/**
 * Text built from pieces, remembering how it ends: checking the end of one long string after every
 * statement would copy it each time (a deep chain's module has hundreds of thousands of statements).
 */
class Text {
  private readonly pieces: string[] = [];
  /** The last character that is not white space, of everything written so far. */
  private lastVisible = "";
  /** How many line breaks the text ends with (white space between them allowed). */
  private trailingBreaks = 0;

  write(piece: string): void {
    this.pieces.push(piece);
    const visible = piece.trimEnd();
    const tail = piece.slice(visible.length);
    const breaks = tail.split("\n").length - 1;
    if (visible === "") {
      this.trailingBreaks += breaks;
    } else {
      this.lastVisible = visible[visible.length - 1];
      this.trailingBreaks = breaks;
    }
  }

  /** Ends the text with at least `count` line breaks (1: a new line, 2: a blank line). */
  breakLines(count: number): void {
    if (this.trailingBreaks < count) this.write("\n".repeat(count - this.trailingBreaks));
  }

  endsWithBrace(): boolean {
    return this.lastVisible === "}";
  }

  toString(): string {
    return this.pieces.join("");
  }
}

/** The statements of a block or a file, separated by the blank-line rule above, ending with a line break. */
export function printStatements(statements: readonly Statement[]): string {
  const text = new Text();
  for (const [i, statement] of statements.entries()) {
    if (i > 0) text.breakLines(text.endsWithBrace() || startsWithBlankLine(statement) ? 2 : 1);
    text.write(printStatement(statement));
  }
  if (statements.length > 0) text.breakLines(1);
  return text.toString();
}
