// The causal story of a violation, from a traced run: which store produced the expected value, where that
// value sits now (a dirty line at colour c, reached through alias A), which access missed it (alias B,
// colour c'), and which hooks ran between the two without touching the line that holds the value: the
// candidate places for a fix. Built from the trace events alone (run-trace.ts), in order.
import type { MaintenanceOp, Residence } from "../hw/api.js";
import type { HookName } from "../kernel/hooks.js";
import type { RunResult, RunViolation, StepRef } from "../scenario/run.js";
import type { TraceEvent, TraceStep } from "../scenario/run-trace.js";
import type { ExplainGeometry } from "./timeline.js";

/** A step as a story cites it (set-up and the end of the run included). */
export interface StoryStep {
  /** -1: the set-up; the number of steps: the end of the run. */
  readonly index: number;
  readonly actor: string;
  readonly text: string;
  /** file:line:col, or "" for set-up and finish. */
  readonly where: string;
}

/** The store that produced the expected value. */
export interface StoryWriter {
  readonly step: StoryStep | null;
  readonly actor: string;
  /** -1 for the DMA device. */
  readonly cpu: number;
  /** Alias A: the virtual address the store went through (null for the device). */
  readonly va: number | null;
  readonly colour: number | null;
}

/** The access that did not see the expected value. */
export interface StoryAccess {
  /** null: the end of the run (a lost write or a dirty alias conflict). */
  readonly step: StoryStep | null;
  readonly actor: string;
  readonly cpu: number;
  /** Alias B (null for the device and at the end of the run). */
  readonly va: number | null;
  readonly colour: number | null;
  readonly got: number;
  /** Whether the access hit a cache line (null when unknown: the device, the end of the run). */
  readonly hit: boolean | null;
}

/**
 * The cache line a fix has to reach: the line holding the expected value (`value`), or, when the value sits
 * only in memory, the stale line the access read (`reader`), or, when the value is nowhere, the line of the
 * alias the store went through (`writer`).
 */
export interface StoryTarget {
  readonly why: "value" | "reader" | "writer";
  readonly cache: "d" | "i";
  readonly cpu: number | null;
  readonly colour: number | null;
  /** The virtual address the line is tagged with (VIVT) or reached through; null if unknown. */
  readonly va: number | null;
  readonly pa: number;
}

/** A hook call that ran between the store and the access. */
export interface StoryHook {
  readonly hook: HookName;
  readonly args: readonly string[];
  readonly cpu: number;
  /** Nesting: 0 for a hook the step's own code called. */
  readonly depth: number;
  /** The hook it was called from (null at depth 0). */
  readonly parent: HookName | null;
  readonly step: StoryStep;
  /** Every maintenance operation issued inside the call (nested calls included), before the access. */
  readonly maintenance: readonly MaintenanceOp[];
  /** Whether one of them reached the target line. */
  readonly touched: boolean;
}

/** The causal story of one violation. */
export interface CausalStory {
  /** Its index in RunResult.violations. */
  readonly violation: number;
  readonly kind: RunViolation["kind"];
  readonly pa: number;
  readonly expected: number;
  /** null: the expected value is the initial content of memory. */
  readonly writer: StoryWriter | null;
  /** Where copies holding the expected value sit now (cache lines, and memory if it has it). */
  readonly sits: readonly Residence[];
  /** Copies holding another value (the stale ones). */
  readonly others: readonly Residence[];
  readonly access: StoryAccess;
  readonly target: StoryTarget;
  /** Every hook call between the store and the access, in call order. */
  readonly between: readonly StoryHook[];
  /** Those that did not touch the target: the candidate places for a fix. */
  readonly candidates: readonly StoryHook[];
  /** The story in sentences. */
  readonly sentences: readonly string[];
}

const hex = (n: number) => `0x${(n >>> 0).toString(16).padStart(8, "0")}`;

interface Flat {
  readonly step: TraceStep;
  readonly event: TraceEvent;
}

function storyStep(step: TraceStep): StoryStep {
  return { index: step.index, actor: step.actor, text: step.text, where: step.where };
}

function fromRef(ref: StepRef): StoryStep {
  return { index: ref.index, actor: ref.actor, text: ref.text, where: ref.where };
}

/** How a story cites a step: `step 4 (file:line:col) client: load k+0x10 len=4`. */
export function describeStoryStep(step: StoryStep | null): string {
  if (step === null) return "the end of the run";
  if (step.index < 0) return "the set-up";
  if (step.where === "") return step.text;
  return `step ${step.index} (${step.where}) ${step.actor}: ${step.text}`;
}

/** The colours of the pages of [start, start + length). */
function coloursOf(start: number, length: number, g: ExplainGeometry): Set<number> {
  const colours = new Set<number>();
  const first = Math.floor(start / g.pageSize);
  const last = Math.floor((start + Math.max(length, 1) - 1) / g.pageSize);
  for (let page = first; page <= last && colours.size < g.colours; page++) colours.add(page % g.colours);
  return colours;
}

/** Whether a maintenance operation reaches the target line. */
export function reachesTarget(op: MaintenanceOp, target: StoryTarget, g: ExplainGeometry): boolean {
  if (op.cache !== target.cache) return false;
  if (!g.maintenanceBroadcast && target.cpu !== null && op.cpu !== target.cpu) return false;
  const inside = (address: number, start: number, length: number) =>
    address >= start && address < start + length;
  switch (op.scope) {
    case "all":
      return true;
    case "va":
      if (g.vivt && target.va !== null) return inside(target.va, op.start, op.length);
      return target.colour !== null && coloursOf(op.start, op.length, g).has(target.colour);
    case "pa-colour":
      return inside(target.pa, op.pa, op.length) && (target.colour === null || op.colour === target.colour);
    case "pa-all":
      return inside(target.pa, op.pa, op.length);
  }
}

/** Where the violation's event sits in the flat trace: the n-th violation event, checked by kind and pa. */
function violationPositions(flat: readonly Flat[], violations: readonly RunViolation[]): number[] {
  const events = flat.flatMap((f, i) => (f.event.type === "violation" ? [i] : []));
  return violations.map((v, n) => {
    const same = (i: number) => {
      const e = flat[i].event;
      return e.type === "violation" && e.kind === v.kind && e.pa === v.pa;
    };
    if (n < events.length && same(events[n])) return events[n];
    return events.find(same) ?? flat.length;
  });
}

/** The position of the store that wrote the expected value, searching back from the violation. */
function writerPosition(flat: readonly Flat[], v: RunViolation, before: number): number {
  const writer = v.writer;
  if (writer === null) return -1;
  for (let i = Math.min(before, flat.length) - 1; i >= 0; i--) {
    const { step, event } = flat[i];
    if (step.index !== writer.step) continue;
    if (writer.cpu < 0) {
      if (event.type === "dma" && event.access === "write" && event.pa === v.pa && event.value === v.expected)
        return i;
    } else if (
      event.type === "access" &&
      event.access === "store" &&
      event.pa === v.pa &&
      event.value === v.expected
    ) {
      return i;
    }
  }
  return -1;
}

/**
 * The access that saw the stale value: the machine reports a violation just before it emits the access (or
 * device read) event, so the first transfer of the word after the violation event, in the same step; failing
 * that, the last one before it.
 */
function accessEvent(flat: readonly Flat[], v: RunViolation, at: number): TraceEvent | null {
  const transfer = (e: TraceEvent) => (e.type === "access" || e.type === "dma") && e.pa === v.pa;
  if (at >= flat.length) return null;
  const step = flat[at].step;
  for (let i = at + 1; i < flat.length && flat[i].step === step; i++) {
    if (transfer(flat[i].event)) return flat[i].event;
  }
  for (let i = at - 1; i >= 0 && flat[i].step === step; i--) {
    if (transfer(flat[i].event)) return flat[i].event;
  }
  return null;
}

/** The target a fix has to reach (see StoryTarget). */
function chooseTarget(v: RunViolation, sits: readonly Residence[], g: ExplainGeometry): StoryTarget {
  const cached = sits.filter((r) => r.place === "cache");
  const line = cached.find((r) => r.dirty) ?? cached[0];
  if (line) {
    return {
      why: "value",
      cache: line.cache ?? "d",
      cpu: line.cpu ?? null,
      colour: line.colour ?? null,
      va: line.va ?? (g.vivt ? null : (v.writer?.va ?? null)),
      pa: v.pa,
    };
  }
  if (sits.length > 0 && v.va !== null) {
    return {
      why: "reader",
      cache: v.kind === "stale-ifetch" ? "i" : "d",
      cpu: v.cpu < 0 ? null : v.cpu,
      colour: v.colour,
      va: v.va,
      pa: v.pa,
    };
  }
  return {
    why: "writer",
    cache: "d",
    cpu: v.writer && v.writer.cpu >= 0 ? v.writer.cpu : null,
    colour: v.writer?.colour ?? null,
    va: v.writer?.va ?? null,
    pa: v.pa,
  };
}

/** The hook calls entered in (from, to), each with the maintenance issued inside it before `to`. */
function hooksBetween(
  flat: readonly Flat[],
  from: number,
  to: number,
  target: StoryTarget,
  g: ExplainGeometry,
): StoryHook[] {
  const hooks: StoryHook[] = [];
  const open: HookName[] = [];
  for (let i = 0; i < to; i++) {
    const { step, event } = flat[i];
    if (event.type === "hook-exit") open.pop();
    if (event.type !== "hook") continue;
    const parent = open.length > 0 ? open[open.length - 1] : null;
    open.push(event.hook);
    if (i <= from) continue;
    const maintenance: MaintenanceOp[] = [];
    for (let j = i + 1; j < to; j++) {
      const inner = flat[j].event;
      if (inner.type === "hook-exit" && inner.depth === event.depth) break;
      if (inner.type === "maintenance") maintenance.push({ ...inner.op });
    }
    hooks.push({
      hook: event.hook,
      args: event.args,
      cpu: event.cpu,
      depth: event.depth,
      parent: event.depth > 0 ? parent : null,
      step: storyStep(step),
      maintenance,
      touched: maintenance.some((op) => reachesTarget(op, target, g)),
    });
  }
  return hooks;
}

function describeLine(target: StoryTarget, g: ExplainGeometry): string {
  const cache = target.cache === "i" ? "I-cache" : "D-cache";
  const colour = target.colour === null ? "" : ` at colour ${target.colour}`;
  const tag = g.vivt && target.va !== null ? ` (tagged va ${hex(target.va)})` : "";
  return `the ${cache} line${colour}${tag}`;
}

function describeResidence(r: Residence): string {
  if (r.place === "memory") return `memory (${hex(r.value)})`;
  const state = r.dirty ? "dirty" : "clean";
  const cache = r.cache === "i" ? "I-cache" : "D-cache";
  const colour = r.colour === undefined ? "" : ` at colour ${r.colour}`;
  const tag = r.va === undefined ? "" : `, tagged va ${hex(r.va)}`;
  return `a ${state} ${cache} line of cpu ${r.cpu ?? "?"}${colour}${tag} (${hex(r.value)})`;
}

/** `flush_anon_page (step 2, in get_user_pages)`. */
function hookName(h: StoryHook): string {
  const at = h.step.index < 0 ? "set-up" : h.step.where === "" ? "end of run" : `step ${h.step.index}`;
  return `${h.hook} (${at}${h.parent ? `, in ${h.parent}` : ""})`;
}

function sentencesOf(story: Omit<CausalStory, "sentences">, g: ExplainGeometry): string[] {
  const { writer, access, target } = story;
  const out: string[] = [];
  const value = hex(story.expected);
  if (writer === null)
    out.push(`The expected value ${value} is the initial content of memory at pa ${hex(story.pa)}.`);
  else if (writer.cpu < 0)
    out.push(
      `The value ${value} was written to pa ${hex(story.pa)} by the device, in ${describeStoryStep(writer.step)}.`,
    );
  else {
    const alias =
      writer.va === null ? "" : `, through alias A = va ${hex(writer.va)} (colour ${writer.colour ?? "?"})`;
    out.push(
      `The value ${value} was stored by ${describeStoryStep(writer.step)}, on cpu ${writer.cpu}${alias}.`,
    );
  }
  if (story.sits.length === 0) {
    out.push(
      `The value is nowhere any more: no cache line of pa ${hex(story.pa)} and not memory holds it (a line that held it was dropped without write-back, or, on a VIVT cache, the store hit a line still tagged with its alias for the page mapped there before).`,
    );
  } else out.push(`It sits in ${story.sits.map(describeResidence).join(" and in ")}.`);
  if (story.others.length > 0)
    out.push(`Other copies disagree: ${story.others.map(describeResidence).join("; ")}.`);
  if (access.step === null) {
    out.push(
      story.kind === "lost-write"
        ? "At the end of the run it is lost: whatever is written back last overwrites it."
        : "At the end of the run the dirty copies disagree: whichever is written back last wins.",
    );
  } else if (access.cpu < 0) {
    out.push(
      `The device read ${hex(access.got)} instead, in ${describeStoryStep(access.step)}: it reads memory.`,
    );
  } else {
    const alias =
      access.va === null ? "" : `, through alias B = va ${hex(access.va)} (colour ${access.colour ?? "?"})`;
    const how =
      access.hit === null ? "" : access.hit ? ": a hit on a stale line" : ": a miss served by memory";
    out.push(
      `The access that missed it is ${describeStoryStep(access.step)}, on cpu ${access.cpu}${alias}${how}, which gave ${hex(access.got)}.`,
    );
  }
  const line = describeLine(target, g);
  const reach =
    target.why === "value"
      ? `${line}, which holds the value`
      : target.why === "reader"
        ? `${line} the access read, which still holds the old value`
        : `${line} the store went through`;
  if (story.between.length === 0) {
    out.push(
      "No hook ran between the store and the access: no flush at a hook can order them (another thread inside a window, or a kernel path that calls no hook).",
    );
  } else if (story.candidates.length === 0) {
    out.push(`Every hook in between touched ${reach}, yet not enough to make the access coherent.`);
  } else {
    out.push(
      `Hooks that ran in between without touching ${reach} (the candidate places for a fix): ${story.candidates.map(hookName).join(", ")}.`,
    );
    const touched = story.between.filter((h) => h.touched);
    if (touched.length > 0) out.push(`Hooks that did touch it: ${touched.map(hookName).join(", ")}.`);
  }
  return out;
}

/**
 * The causal story of each violation of a traced run (RunResult.trace must be present). Deterministic: the
 * stories depend only on the trace and the result.
 */
export function buildStories(result: RunResult, g: ExplainGeometry): CausalStory[] {
  const trace = result.trace;
  if (!trace) throw new Error("buildStories needs a traced run (runScenario with trace: true)");
  const flat: Flat[] = trace.flatMap((step) => step.events.map((event) => ({ step, event })));
  const positions = violationPositions(flat, result.violations);
  return result.violations.map((v, n) => {
    const at = positions[n];
    const endOfRun = v.kind === "lost-write" || v.kind === "dirty-alias-conflict";
    const from = writerPosition(flat, v, at);
    const event = endOfRun ? null : accessEvent(flat, v, at);
    const sits = v.residences.filter((r) => r.value === v.expected);
    const others = v.residences.filter((r) => r.value !== v.expected);
    const target = chooseTarget(v, sits, g);
    const between = hooksBetween(flat, from, at, target, g);
    const writerStep = v.writerSource
      ? fromRef(v.writerSource)
      : v.writer !== null && from >= 0
        ? storyStep(flat[from].step)
        : null;
    const story: Omit<CausalStory, "sentences"> = {
      violation: n,
      kind: v.kind,
      pa: v.pa,
      expected: v.expected,
      writer:
        v.writer === null
          ? null
          : {
              step: writerStep,
              actor: v.writer.actor,
              cpu: v.writer.cpu,
              va: v.writer.va,
              colour: v.writer.colour,
            },
      sits,
      others,
      access: {
        step: endOfRun
          ? null
          : v.source
            ? fromRef(v.source)
            : at < flat.length
              ? storyStep(flat[at].step)
              : null,
        actor: v.actor,
        cpu: v.cpu,
        va: endOfRun ? null : v.va,
        colour: endOfRun ? null : v.colour,
        got: v.got,
        hit: event && event.type === "access" ? event.hit && event.cached : null,
      },
      target,
      between,
      candidates: between.filter((h) => !h.touched),
    };
    return { ...story, sentences: sentencesOf(story, g) };
  });
}
