// The timeline of a traced run (runScenario with `trace: true`), as `flushlab explain` prints it: for each
// step, the hook calls it made, nested as they were called, with the maintenance operations each issued, and
// the cache lines its accesses touched with their colour. Accesses are compacted: a run of consecutive
// accesses (no hook call or maintenance in between) is grouped by kind, CPU and colour into the distinct
// cache lines it touched, so that a clear_page of 1024 stores reads as one entry of 128 lines.
import type { MaintenanceOp } from "../hw/api.js";
import type { HookName } from "../kernel/hooks.js";
import type { Profile } from "../profile/types.js";
import type { TraceEvent, TraceStep } from "../scenario/run-trace.js";

/** What the explanation needs to know of the machine a run used. */
export interface ExplainGeometry {
  /** D-cache line size in bytes (accesses are grouped by line). */
  readonly lineSize: number;
  readonly pageSize: number;
  /** D-cache page colours (1: no aliasing). */
  readonly colours: number;
  /** A VIVT D-cache: a line is reached only through the virtual address it is tagged with. */
  readonly vivt: boolean;
  /** Maintenance by one CPU reaches every CPU's caches. */
  readonly maintenanceBroadcast: boolean;
}

/** The geometry of a profile's machine. */
export function explainGeometry(profile: Profile): ExplainGeometry {
  return {
    lineSize: profile.dcache.lineSize,
    pageSize: profile.pageSize,
    colours: Math.max(1, profile.colours),
    vivt: profile.dcache.indexing === "vivt",
    maintenanceBroadcast: profile.cpu.maintenanceBroadcast !== false,
  };
}

/** One cache line an access group touched: its line-aligned virtual and physical addresses. */
export interface TouchedLine {
  readonly va: number;
  readonly pa: number;
}

/** A hook call, with what happened inside it (nested hook calls included). */
export interface TimelineHook {
  readonly type: "hook";
  readonly hook: HookName;
  /** The Linux arguments, rendered. */
  readonly args: readonly string[];
  readonly cpu: number;
  /** The rendered result (`true` for a hook that returns nothing), or null if it never returned. */
  result: string | null;
  /** The message of what it threw, if it threw. */
  error: string | null;
  readonly entries: TimelineEntry[];
}

/** A group of CPU accesses of one kind, by one CPU, at one colour, in a run with nothing else between. */
export interface TimelineAccess {
  readonly type: "access";
  readonly access: "load" | "store" | "ifetch";
  readonly cpu: number;
  readonly colour: number;
  /** false: through an uncached mapping. */
  readonly cached: boolean;
  words: number;
  hits: number;
  misses: number;
  /** The distinct cache lines touched, in first-touch order. */
  readonly lines: TouchedLine[];
}

/** A group of consecutive DMA transfers of one direction. */
export interface TimelineDma {
  readonly type: "dma";
  readonly access: "read" | "write";
  words: number;
  /** The distinct physical lines transferred, in order (line-aligned). */
  readonly lines: number[];
}

/** A maintenance operation, exactly as issued. */
export interface TimelineMaintenance {
  readonly type: "maintenance";
  readonly op: MaintenanceOp;
}

/** A TLB flush. */
export interface TimelineTlbFlush {
  readonly type: "tlb-flush";
  readonly cpu: number;
  readonly asid: number | null;
}

/** A coherence violation, where the oracle saw it. */
export interface TimelineViolation {
  readonly type: "violation";
  readonly kind: string;
  readonly pa: number;
}

/** One entry of a step's timeline. */
export type TimelineEntry =
  | TimelineHook
  | TimelineAccess
  | TimelineDma
  | TimelineMaintenance
  | TimelineTlbFlush
  | TimelineViolation;

/** One step of the timeline (index -1: the set-up of files, tasks and maps; the last: the end of the run). */
export interface TimelineStep {
  readonly index: number;
  readonly actor: string;
  /** The step as written. */
  readonly text: string;
  /** file:line:col, or "" for set-up and finish. */
  readonly where: string;
  readonly entries: TimelineEntry[];
}

/** The line-aligned address of `address`. */
function lineOf(address: number, lineSize: number): number {
  return address - (address % lineSize);
}

/**
 * Build the entries of one step from its trace events: hook calls nest (a `hook` event opens a call, its
 * `hook-exit` closes it), and runs of accesses and DMA transfers are grouped by line.
 */
export function timelineEntries(events: readonly TraceEvent[], geometry: ExplainGeometry): TimelineEntry[] {
  const root: TimelineEntry[] = [];
  const open: TimelineHook[] = [];
  const into = () => (open.length > 0 ? open[open.length - 1].entries : root);
  // the access and DMA groups of the current run of transfers, by key; reset by anything else
  let groups: Map<string, TimelineAccess | TimelineDma> | null = null;
  // violations seen during a run of transfers (the machine reports one just before the access that causes
  // it): placed after the run's groups, so that each reads after the access it judges
  let pending: TimelineViolation[] = [];
  const endRun = () => {
    into().push(...pending);
    pending = [];
    groups = null;
  };
  for (const event of events) {
    if (event.type !== "access" && event.type !== "dma" && event.type !== "violation") endRun();
    switch (event.type) {
      case "hook": {
        const hook: TimelineHook = {
          type: "hook",
          hook: event.hook,
          args: [...event.args],
          cpu: event.cpu,
          result: null,
          error: null,
          entries: [],
        };
        into().push(hook);
        open.push(hook);
        break;
      }
      case "hook-exit": {
        const hook = open.pop();
        if (hook) {
          hook.result = event.result;
          hook.error = event.error;
        }
        break;
      }
      case "access": {
        groups ??= new Map();
        const key = `${event.access}|${event.cpu}|${event.colour}|${event.cached}`;
        let group = groups.get(key) as TimelineAccess | undefined;
        if (!group) {
          group = {
            type: "access",
            access: event.access,
            cpu: event.cpu,
            colour: event.colour,
            cached: event.cached,
            words: 0,
            hits: 0,
            misses: 0,
            lines: [],
          };
          groups.set(key, group);
          into().push(group);
        }
        group.words++;
        if (event.cached) {
          if (event.hit) group.hits++;
          else group.misses++;
        }
        const va = lineOf(event.va, geometry.lineSize);
        if (!group.lines.some((l) => l.va === va)) {
          group.lines.push({ va, pa: lineOf(event.pa, geometry.lineSize) });
        }
        break;
      }
      case "dma": {
        groups ??= new Map();
        const key = `dma|${event.access}`;
        let group = groups.get(key) as TimelineDma | undefined;
        if (!group) {
          group = { type: "dma", access: event.access, words: 0, lines: [] };
          groups.set(key, group);
          into().push(group);
        }
        group.words++;
        const pa = lineOf(event.pa, geometry.lineSize);
        if (group.lines[group.lines.length - 1] !== pa && !group.lines.includes(pa)) group.lines.push(pa);
        break;
      }
      case "maintenance":
        into().push({ type: "maintenance", op: { ...event.op } });
        break;
      case "tlb-flush":
        into().push({ type: "tlb-flush", cpu: event.cpu, asid: event.asid });
        break;
      case "violation":
        pending.push({ type: "violation", kind: event.kind, pa: event.pa });
        break;
    }
  }
  endRun();
  return root;
}

/** The timeline of a traced run. */
export function buildTimeline(trace: readonly TraceStep[], geometry: ExplainGeometry): TimelineStep[] {
  return trace.map((step) => ({
    index: step.index,
    actor: step.actor,
    text: step.text,
    where: step.where,
    entries: timelineEntries(step.events, geometry),
  }));
}
