// The parser never crashes and never hangs: mutations of valid files either parse or give a UserError that
// names file:line:col (or the file alone when no position applies), within a time bound per case.
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isUserError } from "../src/errors.js";
import { catalogFiles, defaultOps, parseScenario } from "../src/scenario/index.js";
import { KITCHEN_SINK, withSteps } from "./scenario-fixtures.js";

const FILE = "fuzz.yaml";
// generous, since other test files run in parallel; a hang would take forever, not 2 s
const TIME_BOUND_MS = 2000;

const seeds = [
  KITCHEN_SINK,
  withSteps("  - t: fork -> c\n    window:\n      - u: store m 1\n  - c: load m"),
  ...catalogFiles()
    .filter((f) => /fuse-writev/.test(f))
    .map((f) => readFileSync(f, "utf8")),
];

/** Parse and classify: "ok", or the error's `where`; anything else thrown fails the property. */
function parseOutcome(text: string): string {
  const start = performance.now();
  let outcome = "ok";
  try {
    const scenario = parseScenario(text, FILE);
    expect(scenario.steps.length).toBeGreaterThan(0);
  } catch (error) {
    if (!isUserError(error)) throw error;
    expect(error.where === FILE || /^fuzz\.yaml:\d+:\d+$/.test(error.where), `where: ${error.where}`).toBe(
      true,
    );
    expect(error.message.length).toBeGreaterThan(0);
    const [, line, col] = /:(\d+):(\d+)$/.exec(error.where) ?? [];
    if (line) {
      const lines = text.split(/\r\n|\r|\n/);
      expect(Number(line)).toBeGreaterThanOrEqual(1);
      expect(Number(line)).toBeLessThanOrEqual(lines.length + 1);
      expect(Number(col)).toBeGreaterThanOrEqual(1);
    }
    outcome = error.where;
  }
  expect(performance.now() - start).toBeLessThan(TIME_BOUND_MS);
  return outcome;
}

const specialChars = [..." \t\n:{}[]-#\"'|>&*!%@,?=+\\0123456789abcxyz_\u00a0\u2028é"];

type Mutation =
  | { kind: "delete"; at: number; length: number }
  | { kind: "insert"; at: number; text: string }
  | { kind: "replace"; at: number; text: string }
  | { kind: "swap"; a: number; b: number }
  | { kind: "duplicate"; line: number }
  | { kind: "truncate"; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), length: fc.integer({ min: 1, max: 12 }) }),
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    text: fc.oneof(
      fc.constantFrom(...specialChars),
      fc.string({ maxLength: 6 }),
      fc.constantFrom("->", "len=", "[1]", "+0x", "window:", "\n  - t: ", "&a", "*a", "!!binary ", "0x"),
    ),
  }),
  fc.record({ kind: fc.constant("replace" as const), at: fc.nat(), text: fc.constantFrom(...specialChars) }),
  fc.record({ kind: fc.constant("swap" as const), a: fc.nat(), b: fc.nat() }),
  fc.record({ kind: fc.constant("duplicate" as const), line: fc.nat() }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
);

function apply(text: string, m: Mutation): string {
  const at = (n: number) => (text.length === 0 ? 0 : n % (text.length + 1));
  switch (m.kind) {
    case "delete":
      return text.slice(0, at(m.at)) + text.slice(at(m.at) + m.length);
    case "insert":
      return text.slice(0, at(m.at)) + m.text + text.slice(at(m.at));
    case "replace":
      return text.slice(0, at(m.at)) + m.text + text.slice(at(m.at) + 1);
    case "truncate":
      return text.slice(0, at(m.at));
    case "swap": {
      const lines = text.split("\n");
      const a = m.a % lines.length;
      const b = m.b % lines.length;
      [lines[a], lines[b]] = [lines[b], lines[a]];
      return lines.join("\n");
    }
    case "duplicate": {
      const lines = text.split("\n");
      const i = m.line % lines.length;
      lines.splice(i, 0, lines[i]);
      return lines.join("\n");
    }
  }
}

describe("the parser under fuzzing", () => {
  it("every seed parses", () => {
    for (const seed of seeds) expect(parseOutcome(seed)).toBe("ok");
  });

  it("mutations of valid files: a Scenario or a located UserError, in bounded time", () => {
    let errors = 0;
    fc.assert(
      fc.property(
        fc.constantFrom(...seeds),
        fc.array(mutation, { minLength: 1, maxLength: 5 }),
        (seed, mutations) => {
          const text = mutations.reduce(apply, seed);
          if (parseOutcome(text) !== "ok") errors++;
        },
      ),
      { numRuns: 1500, seed: 0x5eed },
    );
    // the mutations do reach the error paths
    expect(errors).toBeGreaterThan(500);
  });

  it("random step lines built from the vocabulary", () => {
    const ops = defaultOps.all().map((op) => op.name);
    const word = fc.oneof(
      fc.constantFrom(...ops),
      fc.constantFrom(
        "m",
        "m+4",
        "m[1]+8",
        "m[9]",
        "f[1]+0x10",
        "p",
        "p[0]",
        "k",
        "k+0x10",
        "h+4",
        "t",
        "u",
        "c",
      ),
      fc.constantFrom("->", "-> p", "-> k", "-> h", "-> c", "len=2", "pages=2", "write=1", "dir=to_device"),
      fc.constantFrom(
        "flags=TO_SG|ATOMIC",
        "via=pio",
        "anon",
        "shared",
        "file=f",
        "at=0x1000",
        "'str'",
        '"a\\"b"',
      ),
      fc.constantFrom("0", "-1", "0x11111111", "4294967296", "rw", "none", "=", "window", "#"),
    );
    const line = fc.tuple(
      fc.constantFrom("t", "u", "kworker", "kworker@0", "device", "nobody"),
      fc.array(word, { maxLength: 7 }),
    );
    let parsed = 0;
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 6 }), (lines) => {
        const steps = lines
          .map(([actor, words]) => `  - ${actor}: ${words.join(" ") || "load m"}`)
          .join("\n");
        if (parseOutcome(withSteps(steps)) === "ok") parsed++;
      }),
      { numRuns: 1500, seed: 42 },
    );
    expect(parsed).toBeGreaterThan(0);
  });

  it("deeply nested documents", () => {
    for (const text of ["[".repeat(10000), `a:\n${" - ".repeat(3000)}x`, "{a: ".repeat(10000)]) {
      expect(parseOutcome(text)).toMatch(/^fuzz\.yaml/);
    }
  });

  it("arbitrary text", () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 300 }), (text) => {
        parseOutcome(text);
      }),
      { numRuns: 1000, seed: 7 },
    );
  });
});
