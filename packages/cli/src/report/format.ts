// Small formatting helpers shared by the reporters.
import type { Residence, RunReason, StepRef, StoreOrigin, TraceEvent, TraceStep } from "@flushlab/core";

/** `0x0000abcd`: a 32-bit word or address. */
export function hex(value: number): string {
  return `0x${(value >>> 0).toString(16).padStart(8, "0")}`;
}

/** A step as results cite it: `step 4 (file:line:col) client: load k+0x10 len=4`. */
export function describeStep(step: StepRef): string {
  return `step ${step.index} (${step.where}) ${step.actor}: ${step.text}`;
}

/** The store that wrote a value, in words. */
export function describeWriter(writer: StoreOrigin | null, source: StepRef | null): string {
  if (writer === null) return "the initial content of memory";
  const step = source ? describeStep(source) : `step ${writer.step}`;
  if (writer.cpu < 0) return `the device, ${step}`;
  const alias =
    writer.va === null
      ? ""
      : `, va ${hex(writer.va)}${writer.colour === null ? "" : ` colour ${writer.colour}`}`;
  return `${step}, on cpu ${writer.cpu}${alias}`;
}

/** Where a copy of a word sits: a cache line (with its colour and state) or memory. */
export function describeResidence(r: Residence): string {
  if (r.place === "memory") return `memory: ${hex(r.value)}`;
  const parts = [`cpu ${r.cpu ?? "?"} ${(r.cache ?? "d").toUpperCase()}-cache`];
  if (r.set !== undefined) parts.push(`set ${r.set}`);
  if (r.way !== undefined) parts.push(`way ${r.way}`);
  if (r.colour !== undefined) parts.push(`colour ${r.colour}`);
  if (r.va !== undefined) parts.push(`tag va ${hex(r.va)}`);
  parts.push(r.dirty ? "dirty" : "clean");
  return `${parts.join(" ")}: ${hex(r.value)}`;
}

/** Why a run stopped: `rejected: mmap: ... (-EINVAL, in arch_get_unmapped_area) at file:line:col`. */
export function describeReason(reason: RunReason): string {
  const detail = [reason.errno, reason.location ? `in ${reason.location}` : null].filter(Boolean).join(", ");
  return `${reason.kind}: ${reason.message}${detail ? ` (${detail})` : ""}${reason.where ? ` at ${reason.where}` : ""}`;
}

/** One trace event on one line. */
export function describeEvent(event: TraceEvent): string {
  switch (event.type) {
    case "hook":
      return `${event.hook}(${event.args.join(", ")}) on cpu ${event.cpu}`;
    case "hook-exit":
      return `${event.hook} returned ${event.result}${event.error ? ` (threw: ${event.error})` : ""}`;
    case "access":
      return `${event.access} cpu ${event.cpu} va ${hex(event.va)} (colour ${event.colour}) pa ${hex(event.pa)} = ${hex(event.value)} ${event.cached ? (event.hit ? "hit" : "miss") : "uncached"}`;
    case "maintenance": {
      const { op } = event;
      const scope =
        op.scope === "va"
          ? `va ${hex(op.start)}+${op.length} asid ${op.asid}`
          : op.scope === "pa-colour"
            ? `pa ${hex(op.pa)}+${op.length} at colour ${op.colour}`
            : op.scope === "pa-all"
              ? `pa ${hex(op.pa)}+${op.length} at every colour`
              : "whole cache";
      return `${op.kind} ${op.cache.toUpperCase()}-cache cpu ${op.cpu}: ${scope}, ${op.linesTouched} lines`;
    }
    case "dma":
      return `device ${event.access} pa ${hex(event.pa)} = ${hex(event.value)}`;
    case "tlb-flush":
      return `TLB flush cpu ${event.cpu}${event.asid === null ? " (all)" : ` asid ${event.asid}`}`;
    case "violation":
      return `VIOLATION ${event.kind} at pa ${hex(event.pa)}`;
  }
}

/** The trace, a heading per step and its events indented by hook depth. */
export function traceLines(trace: readonly TraceStep[]): string[] {
  const lines: string[] = [];
  for (const step of trace) {
    const heading =
      step.index < 0
        ? "set-up"
        : step.where === ""
          ? step.text || "finish"
          : `step ${step.index} (${step.where}) ${step.actor}: ${step.text}`;
    lines.push(`  ${heading}`);
    for (const event of step.events) lines.push(`    ${"  ".repeat(event.depth)}${describeEvent(event)}`);
  }
  return lines;
}
