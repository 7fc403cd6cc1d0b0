// The parsed form of a scenario file (format version 1): what the parser (parse.ts) produces and the runner
// (run.ts) executes. Every node keeps where it came from, so that an error at run time can still name
// file:line:col.

/** A place in a scenario file (1-based line and column). */
export interface SourceLocation {
  file: string;
  line: number;
  col: number;
}

/** The five verdicts. `stale`: any violation; `rejected`: the kernel refused an operation; `bug`: a BUG_ON. */
export type Verdict = "coherent" | "stale" | "rejected" | "bug" | "error";
export const VERDICTS: readonly Verdict[] = ["coherent", "stale", "rejected", "bug", "error"];

export interface FileDecl {
  name: string;
  pages: number;
  /** A DAX file: no page cache; mappings and read/write reach the persistent-memory frames directly. */
  dax: boolean;
  where: SourceLocation;
}

export interface Protection {
  r: boolean;
  w: boolean;
  x: boolean;
}

/** A mapping named in a task's `maps` (or created by an `mmap` step). */
export interface MapDecl {
  name: string;
  /** true for anonymous memory; otherwise `file` names a declared file. */
  anon: boolean;
  file: string | null;
  /** Page offset in the file. */
  pgoff: number;
  pages: number;
  prot: Protection;
  shared: boolean;
  /** MAP_FIXED at `at` (explicit address) — otherwise the kernel places it (arch_get_unmapped_area). */
  fixed: boolean;
  /** Abstract colour of the first page: index modulo the profile's number of colours. */
  colour: number | null;
  /** An explicit page-aligned user address. */
  at: number | null;
  /** Abstract colour of the backing frames (fixes the colour of their kernel alias). */
  frameColour: number | null;
  /** An explicit first page frame number. */
  pfn: number | null;
  /** Whether the backing frames are in highmem (profiles without highmem reject it). */
  highmem: boolean;
  where: SourceLocation;
}

export interface TaskDecl {
  name: string;
  /** The CPU its threads run on. */
  cpu: number;
  threads: string[];
  maps: MapDecl[];
  where: SourceLocation;
}

/** An address expression: `binding`, `binding+offset`, `map[page]+offset`. */
export interface AddressArg {
  kind: "address";
  /** A binding (from `-> name`) or a map name. */
  base: string;
  /** `map[page]`: page index within the mapping (null when not given). */
  page: number | null;
  offset: number;
  where: SourceLocation;
  /**
   * (Added by the parser.) What `base` names: a mapping (`map`, a user address in `task`), a declared file
   * (`file`), or a binding of that kind (`page`, `kaddr`, `uaddr`, `handle`).
   */
  baseKind?: "map" | "file" | "page" | "kaddr" | "uaddr" | "handle";
  /** (Added by the parser.) For a `map` base: the task whose mapping it is; otherwise null. */
  task?: string | null;
}

export interface IntArg {
  kind: "int";
  value: number;
  where: SourceLocation;
}

/** A quoted string, encoded into 32-bit words (little-endian, zero-padded) by the runner. */
export interface StringArg {
  kind: "string";
  value: string;
  where: SourceLocation;
}

/** A bare word: a task, map, file or binding name, or a keyword. */
export interface NameArg {
  kind: "name";
  value: string;
  where: SourceLocation;
}

export type Arg = AddressArg | IntArg | StringArg | NameArg;

/** One step: `actor: op args... [key=value...] [-> binding]`. */
export interface Step {
  /** 0-based position in document order, counting the steps nested in a `window` (see `window`). */
  index: number;
  /** A thread name, `kworker`, `kworker@N`, or `device`. */
  actor: string;
  op: string;
  args: Arg[];
  options: Record<string, Arg>;
  bind: string | null;
  /** The step as written (for traces). */
  text: string;
  where: SourceLocation;
  /** (Added by the parser.) Who issues it: a thread of a task, a kernel worker, or the DMA device. */
  actorKind?: "thread" | "kworker" | "device";
  /** (Added by the parser.) The actor's task (a thread's), or null for `kworker`/`device`. */
  task?: string | null;
  /** (Added by the parser.) The CPU the actor runs on (kworker@N: N), or null for `device`. */
  cpu?: number | null;
  /**
   * (Added by the parser.) For an op with a preemption window (`fork`): the steps other actors run inside it,
   * written as a nested `window:` list under the step. They also carry their own document-order `index`.
   */
  window?: Step[];
  /** (Added by the parser.) For `mmap`: the mapping it creates, as a `maps` entry would declare it. */
  map?: MapDecl;
}

export interface ExpectEntry {
  /** A profile id or a glob such as `arm/*@3.9`. */
  pattern: string;
  verdict: Verdict;
  where: SourceLocation;
}

export interface Scenario {
  flushlab: 1;
  name: string;
  title: string;
  source: string;
  notes: string | null;
  cpus: number;
  files: FileDecl[];
  tasks: TaskDecl[];
  steps: Step[];
  expect: ExpectEntry[];
  /** The file it was read from ("<inline>" when parsed from a string). */
  file: string;
  /** sha256 of the file's bytes, so results of different scenario versions are never mixed. */
  hash: string;
}
