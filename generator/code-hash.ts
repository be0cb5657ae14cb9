/**
 * MODEL.hash: the first 16 hex digits of the SHA-256 of a module's text with the hash itself left out
 * (written as HASH_PLACEHOLDER), so it changes exactly when the generated code does, and a hand edit
 * shows as a hash that no longer matches.
 */
import { createHash } from "node:crypto";

/** Stands for MODEL.hash until the formatted text is known (pipeline.ts); as long as the hash. */
export const HASH_PLACEHOLDER = "################";

export function codeHash(textWithPlaceholder: string): string {
  return createHash("sha256").update(textWithPlaceholder).digest("hex").slice(0, HASH_PLACEHOLDER.length);
}

/** Does a module's MODEL.hash still match its own text, i.e. has nobody edited it by hand? */
export function hashMatches(content: string): boolean {
  const hash = /hash: "([0-9a-f]+)"/.exec(content)?.[1];
  return hash !== undefined && codeHash(content.replace(`"${hash}"`, `"${HASH_PLACEHOLDER}"`)) === hash;
}
