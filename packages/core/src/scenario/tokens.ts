// The lexical layer of a step (`op args... [key=value...] [-> binding]`): splitting the step text into tokens
// with their offsets, and reading the literals (integers, quoted strings, address expressions). Errors are
// thrown as LexError with the offset of the offending character; parse.ts turns offsets into file:line:col.

/** A lexical error at `offset` (within the step text). */
export class LexError extends Error {
  constructor(
    readonly offset: number,
    message: string,
  ) {
    super(message);
  }
}

/** One token of a step. `quoted`: the token is exactly one quoted string (its `value` is the decoded text). */
export interface Token {
  /** The text as written (quotes and escapes included). */
  raw: string;
  /** The decoded text (quoted parts unquoted). */
  value: string;
  /** Offset of the token's first character in the step text. */
  offset: number;
  /** Whether the token (or, for `key=value`, its value) was a quoted string. */
  quoted: boolean;
  /** Whether the token is the binding arrow `->`. */
  arrow: boolean;
}

const BLANK = /\s/;

const ESCAPES: Readonly<Record<string, string>> = {
  n: "\n",
  t: "\t",
  "0": "\0",
  "\\": "\\",
  '"': '"',
  "'": "'",
};

/**
 * Split a step into tokens: runs of non-blank characters, where a quoted string (`"..."` with \\ \" \n \t \0
 * escapes, or `'...'` without escapes) may contain blanks; `->` is a token of its own (also when written
 * `->name`).
 */
export function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    if (BLANK.test(text[i])) {
      i++;
      continue;
    }
    const start = i;
    if (text.startsWith("->", i)) {
      tokens.push({ raw: "->", value: "->", offset: i, quoted: false, arrow: true });
      i += 2;
      continue;
    }
    let value = "";
    let quoted = false;
    while (i < text.length && !BLANK.test(text[i])) {
      const ch = text[i];
      if (ch === '"' || ch === "'") {
        const [decoded, end] = readQuoted(text, i);
        value += decoded;
        quoted = true;
        i = end;
        continue;
      }
      if (text.startsWith("->", i) && i > start) break;
      value += ch;
      i++;
    }
    tokens.push({ raw: text.slice(start, i), value, offset: start, quoted, arrow: false });
  }
  return tokens;
}

/** Read a quoted string starting at `start` (the quote); returns the decoded text and the offset after it. */
function readQuoted(text: string, start: number): [string, number] {
  const quote = text[start];
  let out = "";
  let i = start + 1;
  while (i < text.length) {
    const ch = text[i];
    if (ch === quote) return [out, i + 1];
    if (ch === "\\" && quote === '"') {
      const next = text[i + 1];
      const escaped = next === undefined ? undefined : ESCAPES[next];
      if (escaped === undefined) throw new LexError(i, `unknown escape \\${next ?? ""} in a quoted string`);
      out += escaped;
      i += 2;
      continue;
    }
    out += ch;
    i++;
  }
  throw new LexError(start, `unterminated quoted string (missing the closing ${quote})`);
}

/** A name: a letter or underscore, then letters, digits, underscores. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

const INTEGER = /^(-?)(0x[0-9a-fA-F](?:_?[0-9a-fA-F])*|0b[01](?:_?[01])*|[0-9](?:_?[0-9])*)$/;

/**
 * Read an integer literal: decimal, `0x` hex or `0b` binary, `_` allowed between digits, an optional leading
 * `-`. Returns null when `text` is not one. Values beyond 2^53 are refused by the callers' ranges.
 */
export function parseInteger(text: string): number | null {
  const match = INTEGER.exec(text);
  if (!match) return null;
  const digits = match[2].replaceAll("_", "");
  let value: number;
  if (digits.startsWith("0x")) value = Number.parseInt(digits.slice(2), 16);
  else if (digits.startsWith("0b")) value = Number.parseInt(digits.slice(2), 2);
  else value = Number.parseInt(digits, 10);
  if (!Number.isSafeInteger(value)) return null;
  return match[1] ? -value : value;
}

/** An address expression before name resolution: `base`, `base+off`, `base[page]`, `base[page]+off`. */
export interface RawAddress {
  base: string;
  page: number | null;
  offset: number;
  /** Whether `+off` was written. */
  hasOffset: boolean;
}

const ADDRESS = /^([A-Za-z_][A-Za-z0-9_]*)(?:\[([^\]]*)\])?(?:\+(.*))?$/;

/** Read an address expression; throws LexError (offset relative to the token) when malformed. */
export function parseAddress(text: string): RawAddress {
  const match = ADDRESS.exec(text);
  if (!match) {
    throw new LexError(
      0,
      `\`${text}\` is not an address: write a name, name+offset, or name[page]+offset (offsets in bytes)`,
    );
  }
  const [, base, pageText, offsetText] = match;
  let page: number | null = null;
  if (pageText !== undefined) {
    page = parseInteger(pageText);
    if (page === null || page < 0) {
      throw new LexError(base.length + 1, `the page index in \`${text}\` must be a non-negative integer`);
    }
  }
  let offset = 0;
  if (offsetText !== undefined) {
    const value = parseInteger(offsetText);
    if (value === null || value < 0) {
      throw new LexError(
        text.length - offsetText.length,
        `the offset in \`${text}\` must be a non-negative integer (decimal or 0x hex)`,
      );
    }
    offset = value;
  }
  return { base, page, offset, hasOffset: offsetText !== undefined };
}

/** The closest of `candidates` to `word` (Levenshtein distance at most 2), for "did you mean" hints. */
export function closest(word: string, candidates: Iterable<string>): string | null {
  let best: string | null = null;
  let bestDistance = 3;
  for (const candidate of candidates) {
    const d = distance(word, candidate, bestDistance);
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

function distance(a: string, b: string, limit: number): number {
  if (Math.abs(a.length - b.length) >= limit) return limit;
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost);
    }
    previous = current;
  }
  return previous[b.length];
}

/** ` (did you mean `x`?)` or the empty string. */
export function didYouMean(word: string, candidates: Iterable<string>): string {
  const hint = closest(word, candidates);
  return hint ? ` (did you mean \`${hint}\`?)` : "";
}
