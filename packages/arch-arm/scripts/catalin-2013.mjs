// Catalin Marinas's four-point proposal (linux-arm-kernel, 2013-05-03) against 3.9 (what it was proposed on)
// and 3.10 (what was merged instead: ARM 7755/1): every catalog scenario on
// arm926 (VIVT), arm1136-32k (aliasing VIPT) and cortex-a9 (non-aliasing VIPT), under 3.9, 3.10, catalin-2013
// (point 3 read as "reuse 3.9's __flush_dcache_page kernel-mapping logic") and catalin-2013-fixmap (the other
// reading). Prints Markdown: the matrix (verdict, cache lines maintained), what each policy fixes and breaks
// relative to 3.9, the cost, and the two rows the issue asks about (point 4 on VIVT highmem, point 1 on
// uprobes). The package README's Catalin section is this output, pasted.
//
// Run after the build (node scripts/setup.mjs, or tsc -b packages/arch-arm):
//   node packages/arch-arm/scripts/catalin-2013.mjs            # print the Markdown
//   node packages/arch-arm/scripts/catalin-2013.mjs --readme   # paste it into README.md between the markers
//
// `--readme` also writes the README's table of issue 5 (issueTableReport), read from the catalog's expect blocks
// (the one source of truth for the expected verdicts: packages/core/scenarios/*.yaml), each cell re-run.
import "reflect-metadata";
import { readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { registerArmProfiles } from "@flushlab/arch-arm";
import { catalogFiles, createRegistry, loadScenarioFile, runScenario } from "@flushlab/core";

const CPUS = ["arm926", "arm1136-32k", "cortex-a9"];
const POLICIES = ["3.9", "3.10", "catalin-2013", "catalin-2013-fixmap"];
const here = dirname(fileURLToPath(import.meta.url));
/** README.md's markers around the generated section. */
export const BEGIN = "<!-- catalin-2013:begin -->";
export const END = "<!-- catalin-2013:end -->";

/**
 * Markdown tables laid out as biome's formatter lays them out (cells padded to the column's width, right-aligned
 * where the separator says `---:`), so that a regenerated README needs no reformatting.
 */
function padTables(markdown) {
  const lines = markdown.split("\n");
  const out = [];
  for (let i = 0; i < lines.length; ) {
    if (!lines[i].startsWith("|")) {
      out.push(lines[i++]);
      continue;
    }
    const rows = [];
    while (i < lines.length && lines[i].startsWith("|")) {
      rows.push(
        lines[i++]
          .split("|")
          .slice(1, -1)
          .map((c) => c.trim()),
      );
    }
    const right = rows[1].map((c) => c.endsWith(":"));
    const widths = rows[0].map((_, k) =>
      Math.max(3, ...rows.filter((_, r) => r !== 1).map((row) => (row[k] ?? "").length)),
    );
    rows.forEach((row, r) => {
      const cells = widths.map((w, k) => {
        if (r === 1) return right[k] ? `${"-".repeat(w - 1)}:` : "-".repeat(w);
        const cell = row[k] ?? "";
        return right[k] ? cell.padStart(w) : cell.padEnd(w);
      });
      out.push(`| ${cells.join(" | ")} |`);
    });
  }
  return out.join("\n");
}

/** README.md's markers around the generated table of issue 5. */
export const TABLE_BEGIN = "<!-- issue-5-table:begin -->";
export const TABLE_END = "<!-- issue-5-table:end -->";

/** Issue 5's columns and rows. */
const ISSUE_COLUMNS = [
  "arm926@2.6.19",
  "arm926@3.9",
  "arm926@3.10",
  "arm1136-32k@3.9",
  "arm1136-32k@3.10",
  "cortex-a9@3.10",
  "cortex-a9@6.6",
];
const ISSUE_ROWS = [
  "fuse-writev",
  "fuse-readv",
  "fuse-writev-threaded",
  "dmcrypt-odirect-anon",
  "dmcrypt-odirect-shared-file",
  "shared-mapping-incongruent",
  "pagecache-fill-then-mmap",
  "mmap-store-then-writeback",
];

/**
 * The Markdown of issue 5's table as the catalog's expect blocks give it: each cell is the block's verdict for
 * the profile, checked against a run (a mismatch throws: run `flushlab check` first), `✗` where the entry carries
 * an `# issue 5 expects …` comment (a disagreement with the issue), and uncached accesses where a run made some.
 */
export function issueTableReport() {
  const container = createRegistry(registerArmProfiles);
  const byName = new Map(catalogFiles().map((f) => [loadScenarioFile(f).name, loadScenarioFile(f)]));
  const cellOf = (name, id) => {
    const scenario = byName.get(name);
    const entry = scenario.expect.find((e) => e.pattern === id);
    if (!entry) throw new Error(`${name}.yaml has no expect entry for ${id}`);
    const result = runScenario(scenario, id, { container });
    if (result.verdict !== entry.verdict) {
      throw new Error(
        `${name} on ${id}: the catalog expects ${entry.verdict}, the model gives ${result.verdict}`,
      );
    }
    const line = readFileSync(scenario.file, "utf8").split("\n")[entry.where.line - 1];
    const uncached = result.costs.uncachedAccesses;
    return `${entry.verdict}${uncached > 0 ? ` (${uncached} uncached accesses)` : ""}${/# issue 5 expects/.test(line) ? " ✗" : ""}`;
  };
  const out = [];
  out.push(`| scenario | ${ISSUE_COLUMNS.join(" | ")} |`);
  out.push(`|---|${ISSUE_COLUMNS.map(() => "---").join("|")}|`);
  for (const name of ISSUE_ROWS) {
    out.push(`| ${name} | ${ISSUE_COLUMNS.map((c) => cellOf(name, `arm/${c}`)).join(" | ")} |`);
  }
  // dax-write-mmapped: the issue's sentence (4.19 and 6.6), FS_DAX built anyway (+fs-dax), and the 6.9 era.
  const daxEras = ["4.19", "6.6", "4.19+fs-dax", "6.6+fs-dax", "6.9"];
  const daxCell = (cpu, era) => {
    const id = `arm/${cpu}@${era}`;
    return byName.get("dax-write-mmapped").expect.some((e) => e.pattern === id)
      ? cellOf("dax-write-mmapped", id)
      : "—";
  };
  out.push("");
  out.push(`| dax-write-mmapped | ${daxEras.map((e) => `@${e}`).join(" | ")} |`);
  out.push(`|---|${daxEras.map(() => "---").join("|")}|`);
  for (const cpu of ["arm926", "arm1136-32k", "cortex-a9"]) {
    out.push(`| ${cpu} | ${daxEras.map((e) => daxCell(cpu, e)).join(" | ")} |`);
  }
  return out.join("\n");
}

/** The Markdown of the comparison (deterministic: the same sources give the same text). */
export function catalinReport() {
  const container = createRegistry(registerArmProfiles);
  const scenarios = catalogFiles().map((f) => ({ scenario: loadScenarioFile(f) }));

  /** results[name][cpu][policy] = RunResult */
  const results = {};
  for (const { scenario } of scenarios) {
    results[scenario.name] = {};
    for (const cpu of CPUS) {
      results[scenario.name][cpu] = {};
      for (const policy of POLICIES) {
        results[scenario.name][cpu][policy] = runScenario(scenario, `arm/${cpu}@${policy}`, { container });
      }
    }
  }

  const short = { coherent: "ok", stale: "**STALE**", rejected: "rejected", bug: "**BUG**", error: "error" };
  const cell = (r) =>
    r.verdict === "rejected" ? "rejected" : `${short[r.verdict]} ${r.costs.linesMaintained}`;
  const name = (s) => s.scenario.name;

  const out = [];
  out.push("#### The matrix");
  out.push("");
  out.push(
    "Each cell: the verdict and the cache lines maintained (lines that maintenance operations wrote back or dropped).",
  );
  for (const cpu of CPUS) {
    out.push("");
    out.push(`**${cpu}**`);
    out.push("");
    out.push(`| scenario | ${POLICIES.map((p) => `@${p}`).join(" | ")} |`);
    out.push(`|---|${POLICIES.map(() => "---").join("|")}|`);
    for (const s of scenarios) {
      const row = POLICIES.map((p) => cell(results[s.scenario.name][cpu][p]));
      out.push(`| ${name(s)} | ${row.join(" | ")} |`);
    }
  }

  out.push("");
  out.push("#### What each policy fixes and breaks, relative to 3.9");
  out.push("");
  out.push("| policy | CPU | fixes (stale on 3.9, coherent here) | breaks (coherent on 3.9, not here) |");
  out.push("|---|---|---|---|");
  for (const policy of POLICIES.slice(1)) {
    for (const cpu of CPUS) {
      const fixes = [];
      const breaks = [];
      for (const s of scenarios) {
        const before = results[s.scenario.name][cpu]["3.9"].verdict;
        const after = results[s.scenario.name][cpu][policy].verdict;
        if (before !== "coherent" && before !== "rejected" && after === "coherent") fixes.push(name(s));
        if (before === "coherent" && after !== "coherent") breaks.push(`${name(s)} (${after})`);
      }
      out.push(`| @${policy} | ${cpu} | ${fixes.join(", ") || "—"} | ${breaks.join(", ") || "—"} |`);
    }
  }

  out.push("");
  out.push("#### Cost: cache lines maintained over all the scenarios above (rejected runs count 0)");
  out.push("");
  out.push(`| CPU | ${POLICIES.map((p) => `@${p}`).join(" | ")} |`);
  out.push(`|---|${POLICIES.map(() => "---:").join("|")}|`);
  for (const cpu of CPUS) {
    const sums = POLICIES.map((p) =>
      scenarios.reduce((n, s) => n + results[s.scenario.name][cpu][p].costs.linesMaintained, 0),
    );
    out.push(`| ${cpu} | ${sums.join(" | ")} |`);
  }
  out.push("");
  out.push("Estimated cycles over the same runs (core's illustrative cost table):");
  out.push("");
  out.push(`| CPU | ${POLICIES.map((p) => `@${p}`).join(" | ")} |`);
  out.push(`|---|${POLICIES.map(() => "---:").join("|")}|`);
  for (const cpu of CPUS) {
    const sums = POLICIES.map((p) =>
      scenarios.reduce((n, s) => n + results[s.scenario.name][cpu][p].costs.cycles, 0),
    );
    out.push(`| ${cpu} | ${sums.join(" | ")} |`);
  }

  /** The rows of one scenario on every CPU and policy: verdict, lines maintained, and the first violation. */
  function detail(scenarioName) {
    const lines = [];
    lines.push(`| ${scenarioName} | ${POLICIES.map((p) => `@${p}`).join(" | ")} |`);
    lines.push(`|---|${POLICIES.map(() => "---").join("|")}|`);
    for (const cpu of CPUS) {
      const row = POLICIES.map((p) => {
        const r = results[scenarioName][cpu][p];
        const v = r.violations[0];
        const why = v
          ? ` (${v.kind} at "${v.source?.text ?? "end"}": 0x${v.got.toString(16)}, not 0x${v.expected.toString(16)})`
          : "";
        return `${cell(r)}${why}`;
      });
      lines.push(`| ${cpu} | ${row.join(" | ")} |`);
    }
    return lines;
  }

  out.push("");
  out.push("#### Point 4 on VIVT highmem");
  out.push("");
  out.push(...detail("highmem-pio-kmap-atomic"));
  out.push("");
  out.push(...detail("highmem-pio-decrypt-kmap-atomic"));
  out.push("");
  out.push("#### Point 1 on the uprobes scenario");
  out.push("");
  out.push(...detail("uprobes-xol"));
  return out.join("\n");
}

const isMain = process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain && process.argv.includes("--readme")) {
  const readme = join(here, "..", "README.md");
  let text = readFileSync(readme, "utf8");
  for (const [begin, end, markdown] of [
    [BEGIN, END, padTables(catalinReport())],
    [TABLE_BEGIN, TABLE_END, padTables(issueTableReport())],
  ]) {
    const [head, rest] = text.split(begin);
    const tail = rest.split(end)[1];
    text = `${head}${begin}\n${markdown}\n${end}${tail}`;
  }
  writeFileSync(readme, text);
} else if (isMain) {
  console.log(catalinReport());
}
