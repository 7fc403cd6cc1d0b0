// The text form of `flushlab explain`: a heading, the timeline (each step with its source line, the hook
// calls it made, nested, with the maintenance operations they issued, and the cache lines it touched with
// their colour), then the causal story of each violation. Core builds the explanation (explainRun); this
// file only lays it out.
import type {
  CausalStory,
  ExplainGeometry,
  Explanation,
  MaintenanceOp,
  TimelineAccess,
  TimelineDma,
  TimelineEntry,
  TimelineStep,
} from "@flushlab/core";
import { describeReason, hex } from "./format.js";

/** How many lines of a non-contiguous group are listed before "… N more". */
const MAX_LISTED_LINES = 6;

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? "" : "s"}`;
}

/** The heading of a step: `step 4 (file:line:col) client: load k+0x10 len=4`. */
function stepHeading(step: TimelineStep): string {
  if (step.index < 0) return "set-up (files, tasks, their maps)";
  if (step.where === "") return "end of run (lost writes, dirty alias conflicts)";
  return `step ${step.index} (${step.where}) ${step.actor}: ${step.text}`;
}

/** Lines as a range when contiguous in both va and pa, else listed. */
function describeLines(lines: readonly { va: number; pa: number }[], lineSize: number): string {
  const contiguous = lines.every(
    (l, i) => i === 0 || (l.va === lines[i - 1].va + lineSize && l.pa === lines[i - 1].pa + lineSize),
  );
  if (lines.length > 1 && contiguous) {
    const last = lines[lines.length - 1];
    return `va ${hex(lines[0].va)}-${hex(last.va + lineSize - 1)} (pa ${hex(lines[0].pa)}-${hex(last.pa + lineSize - 1)})`;
  }
  const listed = lines.slice(0, MAX_LISTED_LINES).map((l) => `va ${hex(l.va)} (pa ${hex(l.pa)})`);
  const more = lines.length > MAX_LISTED_LINES ? `, … ${lines.length - MAX_LISTED_LINES} more` : "";
  return `${listed.join(", ")}${more}`;
}

function describeAccess(a: TimelineAccess, g: ExplainGeometry): string {
  const misses = a.misses === 0 ? "" : `${a.misses} ${a.misses === 1 ? "miss" : "misses"}`;
  const hits = a.hits === 0 ? "" : plural(a.hits, "hit");
  const outcome = a.cached ? [misses, hits].filter(Boolean).join(", ") : "uncached";
  return (
    `${a.access} cpu ${a.cpu}: ${plural(a.words, "word")}, ${plural(a.lines.length, "line")} at colour ${a.colour}: ` +
    `${describeLines(a.lines, g.lineSize)}; ${outcome}`
  );
}

function describeDma(d: TimelineDma, g: ExplainGeometry): string {
  const first = d.lines[0];
  const last = d.lines[d.lines.length - 1];
  const contiguous = d.lines.every((pa, i) => i === 0 || pa === d.lines[i - 1] + g.lineSize);
  const where =
    d.lines.length === 1
      ? `pa ${hex(first)}`
      : contiguous
        ? `pa ${hex(first)}-${hex(last + g.lineSize - 1)}`
        : d.lines.map((pa) => `pa ${hex(pa)}`).join(", ");
  return `device ${d.access}: ${plural(d.words, "word")}, ${plural(d.lines.length, "line")}, ${where}`;
}

/** The colours of the pages of a va range. */
function rangeColours(start: number, length: number, g: ExplainGeometry): string {
  const colours = new Set<number>();
  const first = Math.floor(start / g.pageSize);
  const last = Math.floor((start + Math.max(length, 1) - 1) / g.pageSize);
  for (let p = first; p <= last && colours.size < g.colours; p++) colours.add(p % g.colours);
  const list = [...colours].sort((a, b) => a - b);
  return `colour${list.length === 1 ? "" : "s"} ${list.join(",")}`;
}

/** A maintenance operation with the colour(s) it reaches. */
export function describeMaintenance(op: MaintenanceOp, g: ExplainGeometry): string {
  const cache = `${op.cache.toUpperCase()}-cache`;
  const scope =
    op.scope === "va"
      ? `va ${hex(op.start)}+${op.length} (${rangeColours(op.start, op.length, g)}, asid ${op.asid})`
      : op.scope === "pa-colour"
        ? `pa ${hex(op.pa)}+${op.length} at colour ${op.colour}`
        : op.scope === "pa-all"
          ? `pa ${hex(op.pa)}+${op.length} at every colour`
          : "whole cache";
  return `${op.kind} ${cache} cpu ${op.cpu}: ${scope}: ${plural(op.linesTouched, "line")} acted on`;
}

function entryLines(
  entries: readonly TimelineEntry[],
  g: ExplainGeometry,
  indent: string,
  out: string[],
): void {
  for (const e of entries) {
    switch (e.type) {
      case "hook": {
        const result = e.result === null ? " (did not return)" : e.result === "true" ? "" : ` -> ${e.result}`;
        const error = e.error ? ` (threw: ${e.error})` : "";
        out.push(`${indent}${e.hook}(${e.args.join(", ")}) cpu ${e.cpu}${result}${error}`);
        entryLines(e.entries, g, `${indent}  `, out);
        break;
      }
      case "access":
        out.push(`${indent}${describeAccess(e, g)}`);
        break;
      case "dma":
        out.push(`${indent}${describeDma(e, g)}`);
        break;
      case "maintenance":
        out.push(`${indent}${describeMaintenance(e.op, g)}`);
        break;
      case "tlb-flush":
        out.push(`${indent}TLB flush cpu ${e.cpu}${e.asid === null ? " (all)" : ` asid ${e.asid}`}`);
        break;
      case "violation":
        out.push(`${indent}VIOLATION ${e.kind} at pa ${hex(e.pa)}`);
        break;
    }
  }
}

/** The timeline, one heading per step and its entries indented by nesting. */
export function timelineLines(explanation: Explanation): string[] {
  const out: string[] = [];
  for (const step of explanation.timeline) {
    out.push(`  ${stepHeading(step)}`);
    entryLines(step.entries, explanation.geometry, "    ", out);
  }
  return out;
}

/** What two stories of neighbouring words share when they tell the same thing. */
function storyKey(story: CausalStory, lineSize: number): string {
  return JSON.stringify([
    story.kind,
    story.pa - (story.pa % lineSize),
    story.expected,
    story.access.got,
    story.writer?.step?.index ?? null,
    story.access.step?.index ?? null,
    story.candidates.map((h) => [h.hook, h.step.index, h.depth]),
    story.between.length,
  ]);
}

/**
 * The stories, consecutive ones that tell the same thing for words of the same cache line grouped: the first
 * is told, and the heading names the words it stands for.
 */
export function storyLines(explanation: Explanation): string[] {
  const { stories, geometry } = explanation;
  const out: string[] = [];
  for (let i = 0; i < stories.length; ) {
    const key = storyKey(stories[i], geometry.lineSize);
    let j = i + 1;
    while (j < stories.length && storyKey(stories[j], geometry.lineSize) === key) j++;
    const first = stories[i];
    const last = stories[j - 1];
    const at = first.access.step === null ? "at the end of the run" : `at step ${first.access.step.index}`;
    const which = j - i === 1 ? `${i + 1} of ${stories.length}` : `${i + 1}-${j} of ${stories.length}`;
    const words =
      j - i === 1
        ? `pa ${hex(first.pa)}`
        : `pa ${hex(first.pa)}-${hex(last.pa + 3)} (${j - i} words, told for the first)`;
    out.push(`  ${which}: ${first.kind} ${at}, ${words}`);
    out.push(...first.sentences.map((s) => `    ${s}`));
    i = j;
  }
  return out;
}

/** The whole text of `flushlab explain`. */
export function renderExplanation(explanation: Explanation): string {
  const e = explanation;
  const g = e.geometry;
  const expected =
    e.expected === null
      ? ""
      : e.expected === e.verdict
        ? ` (as expected)`
        : ` (MISMATCH: expected ${e.expected})`;
  const out = [
    `Explain ${e.scenario} on ${e.profile}: ${e.verdict}${e.verdict === "stale" ? `, ${plural(e.violations, "violation")}` : ""}${expected}`,
    `  ${e.title}`,
    `  ${e.file} (sha256 ${e.hash.slice(0, 12)})`,
    `  D-cache: ${g.vivt ? "VIVT" : g.colours > 1 ? "aliasing" : "non-aliasing"}, ${g.lineSize}-byte lines, ${g.pageSize}-byte pages, ${plural(g.colours, "colour")}`,
  ];
  if (e.reason) out.push(`  ${describeReason(e.reason)}`);
  out.push("", "Timeline", ...timelineLines(e));
  if (e.stories.length > 0) {
    out.push("", "Violations");
    out.push(...storyLines(e));
  }
  out.push(
    "",
    `Costs: ${e.costs.linesMaintained} cache lines maintained, ${e.costs.cycles} cycles (estimated)`,
  );
  return `${out.join("\n")}\n`;
}
