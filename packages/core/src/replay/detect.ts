/**
 * Telling a trace's format when the user does not say: first by the file name's extension, then by the
 * content of its first bytes.
 */
import { TRACE_FORMATS, type TraceFormat } from "./batch.js";

/** The format named by a file's extension (`.xdin`, `.din`, `.lackey`, `.bin`), if any. */
export function formatFromName(path: string): TraceFormat | undefined {
  const dot = path.lastIndexOf(".");
  if (dot < 0 || dot < path.lastIndexOf("/")) return undefined;
  const ext = path.slice(dot + 1).toLowerCase();
  return (TRACE_FORMATS as readonly string[]).includes(ext) ? (ext as TraceFormat) : undefined;
}

const LACKEY = /^\s*[ILSM]\s+(0[xX])?[0-9a-fA-F]+,\d+\s*$/;
const XDIN = /^\s*[rwimcvRWIMCV]\s+(0[xX])?[0-9a-fA-F]+\s+(0[xX])?[0-9a-fA-F]+(\s|$)/;
const DIN = /^\s*(0[xX])?[0-5]\s+(0[xX])?[0-9a-fA-F]+(\s|$)/;

/**
 * Guess the format from the first bytes of a trace (a few KiB are plenty):
 * - `bin` when they hold a byte that no text trace has (NUL, other control characters, non-ASCII);
 * - `lackey` when a line is valgrind's `==PID==` banner or reads `I|L|S|M ADDRESS,SIZE`;
 * - `xdin` when the first record reads `TYPE-LETTER ADDRESS SIZE`;
 * - `din` when it reads `DIGIT ADDRESS`.
 * Returns undefined when none fits.
 */
export function sniffFormat(head: Uint8Array): TraceFormat | undefined {
  if (head.length === 0) return undefined;
  for (const c of head) {
    if (c > 126 || (c < 32 && c !== 9 && c !== 10 && c !== 13)) return "bin";
  }
  // the last line may be cut short by the sample: leave it out unless it is the only one
  const text = new TextDecoder("latin1").decode(head);
  const lines = text.split("\n");
  if (lines.length > 1) lines.pop();
  for (const line of lines) {
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) continue;
    if (/^==\d+==/.test(trimmed) || /^--\d+--/.test(trimmed)) return "lackey";
    if (LACKEY.test(line)) return "lackey";
    if (XDIN.test(line)) return "xdin";
    if (DIN.test(line)) return "din";
    return undefined;
  }
  return undefined;
}
