// The results section of examples/flush-on-kmap/README.md, generated: this script runs the built command line
// (`flushlab compare` twice, in Markdown for the matrix and in JSON for the summary, then `flushlab explain`)
// with the plugin file, on the whole catalog, for four profiles with and without `+flush-on-kmap`, and prints
// Markdown. test/readme.test.ts checks that the README holds exactly this text.
//
// Run after the build (node scripts/setup.mjs, or tsc -b), from anywhere:
//   node examples/flush-on-kmap/scripts/readme.mjs            # print the section
//   node examples/flush-on-kmap/scripts/readme.mjs --readme   # paste it into README.md between the markers
//                                                             # (then formatted with the workspace's biome)
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
/** The workspace root: commands run there, so that printed paths are relative to it. */
export const ROOT = join(here, "..", "..", "..");
const CLI = join(ROOT, "packages", "cli", "dist", "bin.js");
const PLUGIN = "./examples/flush-on-kmap/dist/index.js";
/** The architectures' own policies the plugin is stacked on. */
export const BASES = ["arm/arm926@3.10", "arm/arm1136-32k@3.10", "mips/24kc-32k@6.6", "arm/cortex-a9@6.6"];
const PROFILES = BASES.flatMap((p) => [p, `${p}+flush-on-kmap`]);
/** README.md's markers around the generated section. */
export const BEGIN = "<!-- generated:results -->";
export const END = "<!-- /generated:results -->";

/** Run the built `flushlab` with `args` in the workspace root; its stdout (exit 0 or 1 expected). */
function flushlab(args) {
  if (!existsSync(CLI) || !existsSync(join(ROOT, PLUGIN))) {
    throw new Error(`build first (node scripts/setup.mjs): ${CLI} or ${PLUGIN} is missing`);
  }
  const result = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, encoding: "utf8" });
  if (result.status !== 0 && result.status !== 1) {
    throw new Error(`flushlab ${args.join(" ")} exited ${result.status}: ${result.stderr}`);
  }
  return result.stdout;
}

/** The command lines the section shows and runs (without `flushlab`). */
export const COMPARE = ["compare", "--plugin", PLUGIN, "--profiles", PROFILES.join(",")];
export const EXPLAIN = [
  "explain",
  "fuse-writev-threaded",
  "--profile",
  "arm/arm926@3.10+flush-on-kmap",
  "--plugin",
  PLUGIN,
];

const quote = (args) => args.map((a) => (/[,@+*]/.test(a) ? `'${a}'` : a)).join(" ");
const isBroken = (v) => v === "stale" || v === "bug" || v === "error";
const ran = (v) => v !== "rejected" && v !== "error";
const verdictText = (c) => (c.verdict === "stale" ? `stale (${c.violations})` : c.verdict);

/** Fixes, failures caused, other verdict changes and costs of the plugin against each base profile. */
function summary(doc) {
  const cell = (scenario, profile) => doc.cells.find((c) => c.scenario === scenario && c.profile === profile);
  const lines = [
    "| profile | fixes (stale or bug → coherent) | causes (coherent → not) | other changes | runs compared | cache lines maintained | estimated cycles |",
    "| --- | --- | --- | --- | ---: | ---: | ---: |",
  ];
  for (const base of BASES) {
    const plugged = `${base}+flush-on-kmap`;
    const fixes = [];
    const causes = [];
    const other = [];
    let lines0 = 0;
    let lines1 = 0;
    let cycles0 = 0;
    let cycles1 = 0;
    let compared = 0;
    for (const { name } of doc.scenarios) {
      const a = cell(name, base);
      const b = cell(name, plugged);
      if (isBroken(a.verdict) && b.verdict === "coherent") fixes.push(`\`${name}\``);
      else if (a.verdict === "coherent" && isBroken(b.verdict))
        causes.push(`\`${name}\` (${verdictText(b)})`);
      else if (a.verdict !== b.verdict || a.violations !== b.violations) {
        other.push(`\`${name}\` ${verdictText(a)} → ${verdictText(b)}`);
      }
      if (ran(a.verdict) && ran(b.verdict)) {
        compared++;
        lines0 += a.linesMaintained;
        lines1 += b.linesMaintained;
        cycles0 += a.cycles;
        cycles1 += b.cycles;
      }
    }
    const pct = (x, y) => (x === 0 ? "" : ` (${y >= x ? "+" : ""}${(((y - x) / x) * 100).toFixed(1)} %)`);
    lines.push(
      `| \`${base}\` | ${fixes.join(", ") || "—"} | ${causes.join(", ") || "—"} | ${other.join(", ") || "—"} | ` +
        `${compared} of ${doc.scenarios.length} | ${lines0} → ${lines1}${pct(lines0, lines1)} | ` +
        `${cycles0} → ${cycles1}${pct(cycles0, cycles1)} |`,
    );
  }
  return lines;
}

/**
 * The part of `flushlab explain` that says why fuse-writev-threaded stays stale: the timeline from
 * get_user_pages to kunmap_atomic, and the violation's causal story.
 */
function explainExcerpt(text) {
  const lines = text.split("\n");
  const from = lines.findIndex((l) => /^ {2}step 2 /.test(l));
  const to = lines.findIndex((l) => /^ {2}step 8 /.test(l));
  const story = lines.indexOf("Violations");
  const end = lines.findIndex((l, i) => i > story && l.startsWith("Costs:"));
  if (from < 0 || to < 0 || story < 0 || end < 0) throw new Error("unexpected flushlab explain output");
  return [
    lines[0],
    "...",
    ...lines.slice(from, to),
    "...",
    ...lines.slice(story, end).filter((l) => l !== ""),
  ];
}

/** The generated section (deterministic: the same sources give the same text). */
export function readmeSection() {
  const markdown = flushlab([...COMPARE, "--format", "markdown"]).trimEnd();
  const doc = JSON.parse(flushlab([...COMPARE, "--format", "json"]));
  const explain = flushlab(EXPLAIN);
  const out = [];
  out.push("The whole catalog, each profile with its architecture's own policy and with `+flush-on-kmap`:");
  out.push("");
  out.push("```sh");
  out.push(`flushlab ${quote(COMPARE)} --format markdown`);
  out.push("```");
  out.push("");
  out.push(markdown);
  out.push("");
  out.push(
    "What the plugin changes against each architecture's policy (from the same command with `--format json`;",
  );
  out.push(
    "costs summed over the scenarios that ran to their end on both profiles, not rejected and not error):",
  );
  out.push("");
  out.push(...summary(doc));
  out.push("");
  out.push("Why `fuse-writev-threaded` stays stale on VIVT (`arm926`), from");
  out.push(`\`flushlab ${quote(EXPLAIN)}\` (the timeline from`);
  out.push("`get_user_pages` to `kunmap_atomic`, then the violation):");
  out.push("");
  out.push("```text");
  out.push(...explainExcerpt(explain));
  out.push("```");
  return out.join("\n");
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) {
  const section = readmeSection();
  if (process.argv.includes("--readme")) {
    const readme = join(here, "..", "README.md");
    const text = readFileSync(readme, "utf8");
    const [head, rest] = text.split(BEGIN);
    if (rest === undefined) throw new Error(`README.md has no ${BEGIN} marker`);
    const tail = rest.split(END)[1];
    writeFileSync(readme, `${head}${BEGIN}\n${section}\n${END}${tail}`);
    // lay the tables out as the workspace's formatter does, so that `biome check` passes unchanged
    const biome = join(ROOT, "node_modules", ".bin", "biome");
    const formatted = spawnSync(biome, ["format", "--write", readme], { cwd: ROOT, encoding: "utf8" });
    if (formatted.status !== 0) throw new Error(`biome format ${readme} failed: ${formatted.stderr}`);
  } else {
    console.log(section);
  }
}
