#!/usr/bin/env node
// Regenerate the generated sections of packages/arch-mips/README.md from the built packages (run `node
// scripts/setup.mjs` or `tsc -b` first): the MIPS-against-ARM matrix on the whole catalog, the `--diff`-style
// lists of scenarios on which comparable MIPS and ARM profiles disagree, what +coloured-kmap saves in cache lines
// maintained, and the traces behind the cells where the model disagrees with issue 6 (and behind the catalog's
// pagecache-fill-then-mmap path). Each section sits between `<!-- generated:NAME -->` and
// `<!-- /generated:NAME -->`; the text outside them is left alone. Deterministic: the same packages give the same
// README. `--check` exits 1 (printing the stale sections) instead of writing; test/readme.test.ts imports
// readmeSections() and compares.
//
//   node packages/arch-mips/scripts/readme.mjs [--check]
import { readFileSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { registerArmProfiles } from "@flushlab/arch-arm";
import { registerMipsProfiles } from "@flushlab/arch-mips";
import { catalogFiles, createRegistry, loadScenarioFile, profileRegistry, runScenario } from "@flushlab/core";

const here = dirname(fileURLToPath(import.meta.url));
const packageDir = dirname(here);
/** The README this script regenerates. */
export const readmePath = join(packageDir, "README.md");

const container = createRegistry(registerMipsProfiles, registerArmProfiles);
const known = new Set(profileRegistry(container).ids());

const scenarioFiles = [...catalogFiles(), ...catalogFiles(join(packageDir, "scenarios"))].sort((a, b) =>
  basename(a).localeCompare(basename(b)),
);
const scenarios = scenarioFiles.map((file) => loadScenarioFile(file));

const cache = new Map();
function run(scenario, profile, trace = false) {
  const key = `${scenario.name} ${profile} ${trace}`;
  if (!cache.has(key)) cache.set(key, runScenario(scenario, profile, { container, trace }));
  return cache.get(key);
}

const short = {
  coherent: "coherent",
  stale: "**stale**",
  rejected: "rejected",
  bug: "**bug**",
  error: "error",
};
const cell = (result) =>
  result.verdict === "stale"
    ? `**stale** (${result.violations.length})`
    : result.verdict === "error"
      ? "error"
      : short[result.verdict];

/** A markdown table with its columns padded to their widths (the layout biome's formatter gives markdown tables). */
function table(header, rows) {
  const all = [header, ...rows];
  const widths = header.map((_, i) => Math.max(3, ...all.map((r) => r[i].length)));
  const line = (cells) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

// ── The matrix ───────────────────────────────────────────────────────────────────────────────────────────────

const MIPS = [
  "mips/24kc-32k@2.6.19",
  "mips/24kc-32k@2.6.23",
  "mips/24kc-32k@3.10",
  "mips/24kc-32k@4.19",
  "mips/24kc-32k@6.6",
  "mips/24kc-32k@6.9",
  "mips/r4400@3.10",
  "mips/34kc-32k@6.6",
  "mips/24kc-32k-ar@6.9",
  "mips/loongson3@6.9",
  "mips/au1500@6.9",
];
const ARM = ["arm/arm926@3.10", "arm/arm1136-32k@3.10", "arm/arm1136-32k@6.6", "arm/cortex-a9@6.9"];

function matrix() {
  const columns = [...MIPS, ...ARM].filter((id) => known.has(id));
  const rows = scenarios.map((s) => [`\`${s.name}\``, ...columns.map((id) => cell(run(s, id)))]);
  return table(["scenario", ...columns.map((id) => `\`${id}\``)], rows);
}

// ── --diff A B ───────────────────────────────────────────────────────────────────────────────────────────────

const PAIRS = [
  ["mips/24kc-32k@2.6.19", "arm/arm1136-32k@2.6.19"],
  ["mips/24kc-32k@3.10", "arm/arm1136-32k@3.10"],
  ["mips/24kc-32k@6.6", "arm/arm1136-32k@6.6"],
  ["mips/r4400@3.10", "arm/arm926@3.10"],
  ["mips/24kc-32k-ar@6.9", "arm/cortex-a9@6.9"],
];

function diffs() {
  const parts = [];
  for (const [a, b] of PAIRS) {
    if (!known.has(a) || !known.has(b)) continue;
    const rows = scenarios
      .map((s) => [s, run(s, a), run(s, b)])
      .filter(([, ra, rb]) => ra.verdict !== rb.verdict)
      .map(([s, ra, rb]) => [`\`${s.name}\``, cell(ra), cell(rb)]);
    parts.push(`**\`--diff ${a} ${b}\`**: ${rows.length} scenario(s) differ.\n`);
    if (rows.length > 0) parts.push(`${table(["scenario", `\`${a}\``, `\`${b}\``], rows)}\n`);
  }
  return parts.join("\n");
}

// ── What coloured kmap saves ─────────────────────────────────────────────────────────────────────────────────

const SAVINGS = [
  "mips/24kc-32k@3.10",
  "mips/24kc-32k@4.19",
  "mips/24kc-32k@6.6",
  "mips/r4400@3.10",
  "mips/34kc-32k@6.6",
  "arm/arm1136-32k@3.10",
  "arm/arm1136-32k@6.6",
  "arm/arm926@3.10",
  "generic/vipt-32k@asm-generic",
];

function savings() {
  const rows = [];
  for (const id of SAVINGS) {
    if (!known.has(id)) continue;
    let before = 0;
    let after = 0;
    let fixed = 0;
    let broken = 0;
    for (const s of scenarios) {
      const a = run(s, id);
      const b = run(s, `${id}+coloured-kmap`);
      if (a.verdict === "error" || b.verdict === "error") continue;
      before += a.costs.linesMaintained;
      after += b.costs.linesMaintained;
      if (a.verdict === "stale" && b.verdict === "coherent") fixed++;
      if (a.verdict !== "stale" && b.verdict === "stale") broken++;
    }
    const saved = before === 0 ? "—" : `${Math.round((100 * (before - after)) / before)} %`;
    rows.push([`\`${id}\``, String(before), String(after), saved, String(fixed), String(broken)]);
  }
  const header = [
    "profile",
    "lines maintained",
    "with +coloured-kmap",
    "saved",
    "stale → coherent",
    "→ stale",
  ];
  return table(header, rows);
}

function savingsDetail(id) {
  const rows = scenarios
    .map((s) => [s, run(s, id), run(s, `${id}+coloured-kmap`)])
    .filter(([, a, b]) => a.costs.linesMaintained !== b.costs.linesMaintained || a.verdict !== b.verdict)
    .map(([s, a, b]) => [
      `\`${s.name}\``,
      `${cell(a)}, ${a.costs.linesMaintained}`,
      `${cell(b)}, ${b.costs.linesMaintained}`,
    ]);
  return table(["scenario", `\`${id}\`: verdict, lines`, "with +coloured-kmap"], rows);
}

// ── Traces of the disagreements ─────────────────────────────────────────────────────────────────────────────

const hex = (n) => `0x${(n >>> 0).toString(16)}`;

function showOp(op) {
  const where =
    op.scope === "va"
      ? `va ${hex(op.start)}+${op.length}`
      : op.scope === "pa-colour"
        ? `pa ${hex(op.pa)}+${op.length} at colour ${op.colour}`
        : op.scope === "pa-all"
          ? `pa ${hex(op.pa)}+${op.length} at every colour`
          : "whole cache";
  return `${op.cache}-cache ${op.kind} ${where} (${op.linesTouched} line${op.linesTouched === 1 ? "" : "s"})`;
}

function trace(name, profile) {
  const scenario = scenarios.find((s) => s.name === name);
  const result = run(scenario, profile, true);
  const lines = [`$ flushlab explain ${name} --profile ${profile}   # verdict: ${result.verdict}`];
  for (const step of result.trace) {
    const events = step.events.filter(
      (e) => e.type === "hook" || e.type === "maintenance" || e.type === "violation",
    );
    const stores = step.events.filter((e) => e.type === "access" && e.depth === 0);
    const colours = [
      ...new Set(stores.map((e) => `${e.access} at colour ${e.colour}${e.hit ? "" : " (miss)"}`)),
    ];
    if (events.length === 0 && colours.length === 0 && step.index < 0) continue;
    lines.push(
      `[${step.index}] ${step.actor}: ${step.text}${colours.length > 0 ? `   — ${colours.join(", ")}` : ""}`,
    );
    for (const e of events) {
      const pad = "    ".repeat(e.depth + 1);
      if (e.type === "hook") lines.push(`${pad}${e.hook}(${e.args.join(", ")})`);
      else if (e.type === "maintenance") lines.push(`${pad}  ${showOp(e.op)}`);
      else lines.push(`${pad}VIOLATION ${e.kind} pa ${hex(e.pa)}`);
    }
  }
  for (const v of result.violations) {
    lines.push(
      `=> ${v.kind}: ${v.source?.text ?? "end of run"} got ${hex(v.got)}, expected ${hex(v.expected)} stored by ${v.writerSource?.text ?? "memory"} (pa ${hex(v.pa)}, colour ${v.colour})`,
    );
  }
  if (result.reason)
    lines.push(
      `=> ${result.reason.kind}: ${result.reason.errno ?? ""} ${result.reason.message} (${result.reason.location ?? ""})`,
    );
  return ["```text", ...lines, "```"].join("\n");
}

// ── Assemble ─────────────────────────────────────────────────────────────────────────────────────────────────

/** Every generated section of the README, by name (the text between its markers, without the newlines). */
export function readmeSections() {
  return {
    matrix: matrix(),
    diff: diffs(),
    savings: `${savings()}\n\n${savingsDetail("mips/24kc-32k@4.19")}\n\n${savingsDetail("arm/arm1136-32k@3.10")}`,
    "trace-pagecache": trace("pagecache-fill-then-mmap", "mips/24kc-32k@3.10"),
    "trace-dax": `${trace("dax-write-mmapped", "mips/24kc-32k-ar@6.6")}\n\n${trace("dax-write-mmapped", "mips/24kc-32k-ar@6.9")}`,
    "trace-dax-coloured": `${trace("dax-write-mmapped", "mips/24kc-32k@4.19+fs-dax")}\n\n${trace("dax-write-mmapped", "mips/24kc-32k@4.19+fs-dax+coloured-kmap")}`,
    "trace-ps": `${trace("mips-kmap-coherent-dirty", "mips/24kc-32k@2.6.23")}\n\n${trace("mips-kmap-coherent-dirty", "mips/24kc-32k@3.10")}`,
  };
}

/** `readme` with every section replaced, and the names of the sections whose text changed. */
export function applySections(readme, sections) {
  let text = readme;
  const stale = [];
  for (const [name, body] of Object.entries(sections)) {
    const open = `<!-- generated:${name} -->`;
    const close = `<!-- /generated:${name} -->`;
    const start = text.indexOf(open);
    const end = text.indexOf(close);
    if (start < 0 || end < start) throw new Error(`README.md has no ${open} … ${close} section`);
    const current = text.slice(start + open.length, end);
    const next = `\n${body}\n`;
    if (current !== next) stale.push(name);
    text = text.slice(0, start + open.length) + next + text.slice(end);
  }
  return { text, stale };
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const { text, stale } = applySections(readFileSync(readmePath, "utf8"), readmeSections());
  if (process.argv.includes("--check")) {
    if (stale.length > 0) {
      console.error(
        `README.md is out of date in: ${stale.join(", ")} (run node packages/arch-mips/scripts/readme.mjs)`,
      );
      process.exit(1);
    }
  } else {
    writeFileSync(readmePath, text);
    console.log(`README.md: ${stale.length === 0 ? "up to date" : `regenerated ${stale.join(", ")}`}`);
  }
}
