#!/usr/bin/env node
// Convert valgrind lackey's `--trace-mem=yes` log to Dinero IV extended din (xdin), which Dinero IV itself
// reads: I -> i, L -> r, S -> w, and M (a modify: one instruction's load and store of the same bytes, which
// xdin cannot say) -> r then w. lackey prints sizes in decimal, xdin wants hex. valgrind's ==PID== and
// --PID-- lines are dropped.
//
//   node lackey-to-xdin.mjs LOG [--from HEX] [--to HEX] > OUT.xdin
//
// --from and --to keep a window of the run: from the first instruction fetch at address FROM (included) to
// the first at address TO (left out), e.g. the entry points of two marker functions.
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";

const args = process.argv.slice(2);
const log = args.find((a, i) => !a.startsWith("--") && !args[i - 1]?.startsWith("--"));
const option = (name) => {
  const i = args.indexOf(name);
  return i < 0 ? undefined : BigInt(`0x${args[i + 1].replace(/^0x/i, "")}`);
};
if (!log) {
  console.error("usage: node lackey-to-xdin.mjs LOG [--from HEX] [--to HEX] > OUT.xdin");
  process.exit(2);
}
const from = option("--from");
const to = option("--to");

const RECORD = /^\s*([ILSM])\s+([0-9a-fA-F]+),(\d+)\s*$/;
let inWindow = from === undefined;
let lineNumber = 0;
const out = [];
for await (const line of createInterface({
  input: createReadStream(log),
  crlfDelay: Number.POSITIVE_INFINITY,
})) {
  lineNumber++;
  if (line.trim() === "" || /^(==|--)\d+(==|--)/.test(line)) continue;
  const m = RECORD.exec(line);
  if (!m) {
    console.error(`${log}:${lineNumber}: not a lackey record: ${line}`);
    process.exit(2);
  }
  const [, kind, hex, decimal] = m;
  const address = BigInt(`0x${hex}`);
  if (kind === "I" && !inWindow && address === from) inWindow = true;
  else if (kind === "I" && inWindow && to !== undefined && address === to) break;
  if (!inWindow) continue;
  const record = `${address.toString(16)} ${Number(decimal).toString(16)}`;
  if (kind === "I") out.push(`i ${record}`);
  else if (kind === "L") out.push(`r ${record}`);
  else if (kind === "S") out.push(`w ${record}`);
  else out.push(`r ${record}`, `w ${record}`);
}
process.stdout.write(out.length > 0 ? `${out.join("\n")}\n` : "");
