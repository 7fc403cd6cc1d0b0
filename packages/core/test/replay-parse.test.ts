import { describe, expect, it } from "vitest";
import { UserError } from "../src/errors.js";
import { RefType, type TraceFormat } from "../src/replay/batch.js";
import { formatFromName, sniffFormat } from "../src/replay/detect.js";
import { encodeBinary, parseTrace } from "../src/replay/parse.js";

const bytes = (text: string) => new TextEncoder().encode(text);

/** Every reference of a parse, as [type, address, size, origin]. */
function parseAll(
  format: TraceFormat,
  input: string | Uint8Array,
  chunkSize = Number.POSITIVE_INFINITY,
  batchSize?: number,
): number[][] {
  const data = typeof input === "string" ? bytes(input) : input;
  const chunks: Uint8Array[] = [];
  const step = Math.min(chunkSize, Math.max(data.length, 1));
  for (let i = 0; i < data.length; i += step) chunks.push(data.subarray(i, i + step));
  const refs: number[][] = [];
  for (const batch of parseTrace(format, chunks, "t.trace", batchSize)) {
    for (let i = 0; i < batch.count; i++) {
      const origin = batch.originKind === "line" ? batch.origins[i] : batch.firstOffset + 8 * i;
      refs.push([batch.types[i], batch.addrs[i], batch.sizes[i], origin]);
    }
  }
  return refs;
}

/** The UserError a parse throws, as `where: message`. */
function parseError(
  format: TraceFormat,
  input: string | Uint8Array,
  chunkSize?: number,
  batchSize?: number,
): string {
  try {
    parseAll(format, input, chunkSize, batchSize);
  } catch (error) {
    if (error instanceof UserError) return error.format();
    throw error;
  }
  throw new Error("no error");
}

describe("xdin", () => {
  it("reads Dinero IV's extended din records", () => {
    const text = [
      "r 1000 4",
      "W 0x1004 0x8   rest of the line is ignored",
      "",
      "# a comment line (an extension)",
      "\ti\t400000\t5",
      "m 20 1",
      "c 0 0",
      "v 1ffefff000 40\r",
    ].join("\n");
    expect(parseAll("xdin", text)).toEqual([
      [RefType.read, 0x1000, 4, 1],
      [RefType.write, 0x1004, 8, 2],
      [RefType.ifetch, 0x400000, 5, 5],
      [RefType.misc, 0x20, 1, 6],
      [RefType.copyBack, 0, 0, 7],
      [RefType.invalidate, 0x1ffefff000, 0x40, 8],
    ]);
  });

  it("gives the same references whatever the chunking and batch size", () => {
    const text = Array.from({ length: 50 }, (_, i) => `${"rwi"[i % 3]} ${(i * 0x123).toString(16)} ${i % 9}`)
      .join("\n")
      .concat("\n");
    const whole = parseAll("xdin", text);
    expect(whole).toHaveLength(50);
    expect(parseAll("xdin", text, 1)).toEqual(whole);
    expect(parseAll("xdin", text, 7, 3)).toEqual(whole);
  });

  it("names file, line and column of a bad record", () => {
    expect(parseError("xdin", "r 10 4\nx 10 4\n")).toBe(
      't.trace:2:1: unknown access type "x": an xdin record starts with r, w, i, m, c or v (Dinero IV\'s extended din).',
    );
    expect(parseError("xdin", "r 10 4\n0 10\n")).toContain("for numeric labels (0..5) use --format din");
    expect(parseError("xdin", "r 10 4\nr 10\n")).toBe(
      "t.trace:2:5: missing size: an xdin record is TYPE ADDRESS SIZE.",
    );
    expect(parseError("xdin", "r 10 4\n\nw  12g4 4\n")).toBe(
      't.trace:3:6: unexpected "g" in the address (hexadecimal expected).',
    );
    expect(parseError("xdin", "rw 10 4\n")).toMatch(/^t\.trace:1:2: the access type is one letter/);
    expect(parseError("xdin", "r 10 100000000\n")).toMatch(/^t\.trace:1:6: the size is larger than/);
    expect(parseError("xdin", "r 20000000000000 4\n")).toMatch(/^t\.trace:1:3: the address is larger than/);
  });
});

describe("din", () => {
  it("reads labels 0..5 and, as Dinero IV, 4-byte accesses at addresses rounded down to 4", () => {
    expect(parseAll("din", "0 1003 anything\n1 0x20\n2 400001\n3 7\n4 10\n5 ff\n")).toEqual([
      [RefType.read, 0x1000, 4, 1],
      [RefType.write, 0x20, 4, 2],
      [RefType.ifetch, 0x400000, 4, 3],
      [RefType.misc, 4, 4, 4],
      [RefType.copyBack, 0x10, 4, 5],
      [RefType.invalidate, 0xfc, 4, 6],
    ]);
  });

  it("rejects other labels and bad addresses with their place", () => {
    expect(parseError("din", "0 10\n6 10\n")).toMatch(/^t\.trace:2:2: unknown access type: a din record/);
    expect(parseError("din", "r 10\n")).toMatch(/^t\.trace:1:1: unknown access type/);
    expect(parseError("din", "0\n")).toBe("t.trace:1:2: missing address: a din record is LABEL ADDRESS.");
    expect(parseError("din", "1 zz\n")).toBe('t.trace:1:3: the address must be hexadecimal, found "z".');
  });
});

describe("lackey", () => {
  const log = [
    "==4242== Lackey, an example Valgrind tool",
    "==4242== Command: ./prog",
    "--4242-- a valgrind warning",
    "I  04001100,3",
    " S 1ffefffe98,8",
    " L 04022e40,16",
    " M 0403e0b8,4",
    "SB 04001100",
    "",
    "==4242== Exit code:       0",
  ].join("\n");

  it("reads I, L, S and M records (hex address, decimal size) and skips valgrind's own lines", () => {
    expect(parseAll("lackey", log)).toEqual([
      [RefType.ifetch, 0x4001100, 3, 4],
      [RefType.write, 0x1ffefffe98, 8, 5],
      [RefType.read, 0x4022e40, 16, 6],
      [RefType.modify, 0x403e0b8, 4, 7],
    ]);
    expect(parseAll("lackey", log, 5)).toEqual(parseAll("lackey", log));
  });

  it("names the place of a bad record", () => {
    expect(parseError("lackey", "I  0400,3\n X 0400,3\n")).toBe(
      't.trace:2:2: unknown lackey record "X" (I, L, S or M, as --trace-mem=yes prints them).',
    );
    expect(parseError("lackey", " L 0400 3\n")).toBe(
      "t.trace:1:8: expected a comma between the address and the size (ADDRESS,SIZE).",
    );
    expect(parseError("lackey", " L 0400,3x\n")).toBe('t.trace:1:10: unexpected "x" after the size.');
    expect(parseError("lackey", " L 0400,\n")).toMatch(/^t\.trace:1:9: the size must be a decimal number/);
    expect(parseError("lackey", " L 0400,99999999999\n")).toMatch(/^t\.trace:1:9: the size must be/);
    expect(parseError("lackey", " L 04z0,8\n")).toBe(
      't.trace:1:6: unexpected "z" in the address (hexadecimal expected).',
    );
  });
});

describe("bin", () => {
  it("decodes Dinero IV's 8-byte little-endian records, across chunk boundaries", () => {
    const data = encodeBinary(
      [0, 1, 2, 4, 5],
      [0x12345678, 0xfffffffc, 0x400000, 0, 0x40],
      [4, 0xffff, 2, 0, 8],
    );
    expect(Array.from(data.subarray(0, 8))).toEqual([0x78, 0x56, 0x34, 0x12, 4, 0, 0, 0]);
    const expected = [
      [RefType.read, 0x12345678, 4, 0],
      [RefType.write, 0xfffffffc, 0xffff, 8],
      [RefType.ifetch, 0x400000, 2, 16],
      [RefType.copyBack, 0, 0, 24],
      [RefType.invalidate, 0x40, 8, 32],
    ];
    expect(parseAll("bin", data)).toEqual(expected);
    for (const chunk of [1, 3, 5, 8, 13]) expect(parseAll("bin", data, chunk, 2)).toEqual(expected);
  });

  it("names the byte offset of a bad or truncated record", () => {
    const data = encodeBinary([0, 1, 2], [0x10, 0x20, 0x30], [4, 4, 4]);
    data[8 + 6] = 9;
    expect(parseError("bin", data)).toBe(
      "t.trace: byte offset 8: unknown access type 9 in a binary record (0 read, 1 write, 2 instruction fetch, 3 misc, 4 copy-back, 5 invalidate).",
    );
    // word by word (aligned chunks) and byte by byte (chunks that split records), in batches of any size
    const longer = encodeBinary(
      [0, 1, 2, 0, 1, 2, 0, 1],
      [0, 8, 16, 24, 32, 40, 48, 56],
      [4, 4, 4, 4, 4, 4, 4, 4],
    );
    longer[5 * 8 + 6] = 7;
    for (const chunk of [3, 5, 8, 12, 16, 64]) {
      for (const batch of [1, 2, 3, 64]) {
        expect(parseError("bin", longer, chunk, batch)).toMatch(
          /^t\.trace: byte offset 40: unknown access type 7 /,
        );
      }
    }
    const truncated = encodeBinary([0, 1], [0x10, 0x20], [4, 4]).subarray(0, 13);
    expect(parseError("bin", truncated)).toBe(
      "t.trace: byte offset 8: truncated binary record: 5 of 8 bytes.",
    );
  });
});

describe("format detection", () => {
  it("takes the format from the extension", () => {
    expect(formatFromName("a/b/matmul.xdin")).toBe("xdin");
    expect(formatFromName("run.LACKEY")).toBe("lackey");
    expect(formatFromName("x.din")).toBe("din");
    expect(formatFromName("x.bin")).toBe("bin");
    expect(formatFromName("x.txt")).toBeUndefined();
    expect(formatFromName("dir.xdin/trace")).toBeUndefined();
  });

  it("sniffs the format from the first lines", () => {
    expect(sniffFormat(bytes("==1== Lackey\nI  0400,3\n"))).toBe("lackey");
    expect(sniffFormat(bytes(" L 0400,3\n"))).toBe("lackey");
    expect(sniffFormat(bytes("\n# comment\nr 1000 4\nw 10 4\n"))).toBe("xdin");
    expect(sniffFormat(bytes("2 400000\n0 1000\n"))).toBe("din");
    expect(sniffFormat(encodeBinary([0], [0x1000], [4]))).toBe("bin");
    expect(sniffFormat(bytes("hello world\n"))).toBeUndefined();
    expect(sniffFormat(new Uint8Array(0))).toBeUndefined();
  });
});
