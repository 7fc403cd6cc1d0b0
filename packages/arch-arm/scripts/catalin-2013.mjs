// Catalin Marinas's four-point proposal (linux-arm-kernel, 2013-05-03) against 3.9 (what it was proposed on)
// and 3.10 (what was merged instead: ARM 7755/1): every catalog scenario, and this package's ARM variants, on
// arm926 (VIVT), arm1136-32k (aliasing VIPT) and cortex-a9 (non-aliasing VIPT), under 3.9, 3.10, catalin-2013
// (point 3 read as "reuse 3.9's __flush_dcache_page kernel-mapping logic") and catalin-2013-fixmap (the other
// reading). Prints Markdown: the matrix (verdict, cache lines maintained), what each policy fixes and breaks
// relative to 3.9, the cost, and the two rows the issue asks about (point 4 on VIVT highmem, point 1 on
// uprobes). The package README's Catalin section is this output, pasted.
//
// Run after the build (node scripts/setup.mjs, or tsc -b packages/arch-arm):
//   node packages/arch-arm/scripts/catalin-2013.mjs            # print the Markdown
//   node packages/arch-arm/scripts/catalin-2013.mjs --readme   # paste it into README.md between the markers
import "reflect-metadata";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
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

/** The Markdown of the comparison (deterministic: the same sources give the same text). */
export function catalinReport() {
  const container = createRegistry(registerArmProfiles);
  const armDir = join(here, "..", "scenarios");
  const files = [
    ...catalogFiles(),
    ...readdirSync(armDir)
      .filter((f) => f.endsWith(".yaml"))
      .sort()
      .map((f) => join(armDir, f)),
  ];
  const scenarios = files.map((f) => ({ scenario: loadScenarioFile(f), arm: f.startsWith(armDir) }));

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
  const name = (s) => (s.arm ? `${s.scenario.name} †` : s.scenario.name);

  const out = [];
  out.push("#### The matrix");
  out.push("");
  out.push(
    "Each cell: the verdict and the cache lines maintained (lines that maintenance operations wrote back or dropped). `†`: a scenario of this package (`scenarios/`), not of the catalog.",
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
  const markdown = catalinReport();
  const readme = join(here, "..", "README.md");
  const text = readFileSync(readme, "utf8");
  const [head, rest] = text.split(BEGIN);
  const tail = rest.split(END)[1];
  writeFileSync(readme, `${head}${BEGIN}\n${markdown}\n${END}${tail}`);
} else if (isMain) {
  console.log(catalinReport());
}
