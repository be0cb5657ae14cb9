/** Showing text that came from a user's file in a one-line error message. */

/**
 * Text from a file made safe to print: control and other invisible characters as \xNN or \u{…},
 * and at most `max` characters.
 */
export function printable(text: string, max = 40): string {
  const escaped = text.replace(/[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Co}\p{Cn}\uFFFD]/gu, (char) => {
    const code = char.codePointAt(0)!;
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, "0")}` : `\\u{${code.toString(16)}}`;
  });
  return escaped.length > max ? `${escaped.slice(0, max)}…` : escaped;
}
