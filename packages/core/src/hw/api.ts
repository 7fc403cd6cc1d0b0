// The contract of the hardware model: what the kernel model (src/kernel), the arch packages and the
// trace replayer may call. machine.ts implements `Machine`; everything above the hardware talks to it
// through these types only.
import type { CacheGeometry } from "./geometry.js";

/** A physical or virtual address: an unsigned 32-bit number. */
export type Address = number;

/** Which L1 cache of a CPU. */
export type CacheKind = "d" | "i";

/** A page-table entry. */
export interface Pte {
  pfn: number;
  present: boolean;
  writable: boolean;
  executable: boolean;
  user: boolean;
  /** false: accesses bypass the caches (uncached mapping). */
  cacheable: boolean;
}

/**
 * One page table (an mm's, or the kernel's). User addresses (below `Layout.userTop`) are translated by
 * the CPU's current user space, kernel addresses by the one kernel space shared by every CPU.
 */
export interface AddressSpaceApi {
  readonly asid: number;
  readonly name: string;
  /** Install or replace the PTE of the page containing `va`. */
  setPte(va: Address, pte: Pte): void;
  /** Remove the PTE of the page containing `va`. */
  clearPte(va: Address): void;
  /** The PTE of the page containing `va`, if any. */
  pte(va: Address): Pte | undefined;
  /** Every installed (page-aligned va, PTE), in ascending va order. */
  entries(): Iterable<[Address, Pte]>;
}

/** Why an access could not complete: the kernel model turns it into a page fault. */
export interface Fault {
  kind: "not-present" | "write-protect" | "no-exec" | "user-to-kernel";
  va: Address;
  cpu: number;
  access: AccessKind;
}

export type AccessKind = "load" | "store" | "ifetch";

/** A maintenance operation: the vocabulary of architecture code. */
export type MaintenanceKind = "clean" | "invalidate" | "flush"; // flush = clean + invalidate

/**
 * The scope of one maintenance operation, recorded exactly as issued so that an arch hook can be tested as
 * the sequence of operations it issues.
 * - `va`: the lines of [start, start+length) reached through a mapping (the translation of `space`, or the
 *   kernel space for kernel addresses);
 * - `pa-colour`: the lines of physical [pa, pa+length) as a temporary alias at page colour `colour` would reach
 *   them (VIPT: index from colour; VIVT: unsupported, use a real mapping; PIPT: by pa);
 * - `pa-all`: the lines of physical [pa, pa+length) at every colour (sparc64-style invalidate by PA);
 * - `all`: the whole cache.
 */
export type MaintenanceScope =
  | { scope: "va"; start: Address; length: number; asid: number }
  | { scope: "pa-colour"; pa: Address; length: number; colour: number }
  | { scope: "pa-all"; pa: Address; length: number }
  | { scope: "all" };

export type MaintenanceOp = {
  cpu: number;
  cache: CacheKind;
  kind: MaintenanceKind;
  /** Lines that held data of the range and were acted on (written back and/or dropped). */
  linesTouched: number;
} & MaintenanceScope;

/** The configuration of a machine: CPUs, caches, page size, coherence flags, memory layout, costs. */
export interface MachineConfig {
  /** 4, 8, 16 or 64 KiB. */
  pageSize: number;
  cpus: number;
  dcache: CacheGeometry;
  icache: CacheGeometry;
  /** The I-cache fills from the D-cache (sees dirty D lines at the same index) rather than from memory. */
  icacheFillsFromDcache?: boolean;
  /** The I-cache is kept coherent with D by hardware (x86-like): ifetch never sees stale data. */
  icacheCoherent?: boolean;
  /** Hardware keeps the copies of one physical line coherent between CPUs' D-caches (snooping by pa). */
  smpCoherent?: boolean;
  /** Maintenance by one CPU is applied to every CPU's caches (false on ARM11MPCore). */
  maintenanceBroadcast?: boolean;
  /** The DMA device snoops the caches (reads see dirty lines, writes update or drop cached copies). */
  dmaCoherent?: boolean;
  /** Addresses >= userTop are kernel addresses, translated by the kernel space. */
  userTop: Address;
  /** Overrides of the default cost table. */
  costs?: Partial<CostTable>;
  /** Seed of the random replacement policy and of anything else random. */
  seed?: number;
}

/** Estimated cycles per event (a documented default table; a profile may override entries). */
export interface CostTable {
  hit: number;
  miss: number;
  writeback: number;
  uncached: number;
  /** Per line examined by a line or range maintenance operation. */
  lineOp: number;
  /** Per whole-cache operation (clean/invalidate of every line). */
  wholeCacheOp: number;
  tlbFlush: number;
}

/** Per-cache counters. */
export interface CacheCounters {
  readHits: number;
  readMisses: number;
  writeHits: number;
  writeMisses: number;
  fetchHits: number;
  fetchMisses: number;
  writebacks: number;
  /** Line maintenance operations by kind (each line examined counts one). */
  lineOps: Record<MaintenanceKind, number>;
  wholeCacheOps: number;
}

export interface Costs {
  perCpu: { d: CacheCounters; i: CacheCounters }[];
  uncachedAccesses: number;
  tlbFlushes: number;
  dmaReads: number;
  dmaWrites: number;
  /** Sum of lines acted on by maintenance operations (the "cache lines maintained" of compare). */
  linesMaintained: number;
  cycles: number;
}

/** Who stored a value the oracle expects. */
export interface StoreOrigin {
  step: number;
  /** -1 for the DMA device. */
  cpu: number;
  va: Address | null;
  colour: number | null;
  actor: string;
}

/** Where a physical word's value sits now. */
export interface Residence {
  place: "cache" | "memory";
  cpu?: number;
  cache?: CacheKind;
  set?: number;
  way?: number;
  colour?: number;
  /** For a VIVT line: the virtual address the line is tagged with. */
  va?: Address;
  dirty?: boolean;
  value: number;
}

export type ViolationKind =
  | "stale-read"
  | "stale-ifetch"
  | "device-stale-read"
  | "lost-write"
  | "dirty-alias-conflict";

/** A coherence violation with its whole context. */
export interface Violation {
  kind: ViolationKind;
  step: number;
  actor: string;
  cpu: number;
  va: Address | null;
  colour: number | null;
  pa: Address;
  expected: number;
  got: number;
  /** The store that wrote the expected value (null: the initial content of memory). */
  writer: StoreOrigin | null;
  /** Every place a copy of the word sits now (caches and memory). */
  residences: Residence[];
}

/** Events an observer sees; emitted only when someone observes (zero cost otherwise). */
export type MachineEvent =
  | {
      type: "access";
      access: AccessKind;
      cpu: number;
      va: Address;
      pa: Address;
      value: number;
      hit: boolean;
      cached: boolean;
      colour: number;
    }
  | { type: "maintenance"; op: MaintenanceOp }
  | { type: "dma"; access: "read" | "write"; pa: Address; value: number }
  | { type: "tlb-flush"; cpu: number; asid: number | null }
  | { type: "violation"; violation: Violation };

export type MachineObserver = (event: MachineEvent) => void;

/** The machine. All addresses are byte addresses of 32-bit aligned words. */
export interface MachineApi {
  readonly config: Readonly<MachineConfig>;
  /** The kernel page table, shared by all CPUs. */
  readonly kernelSpace: AddressSpaceApi;
  /** Create a user address space with a fresh ASID. */
  createSpace(name: string): AddressSpaceApi;
  /** Make `space` the current user space of `cpu` (the hardware half of switch_mm). */
  setCurrentSpace(cpu: number, space: AddressSpaceApi | null): void;
  currentSpace(cpu: number): AddressSpaceApi | null;

  /** The step number and actor stamped on stores and violations (the scenario runner advances it). */
  setContext(step: number, actor: string): void;

  /** CPU accesses through the MMU. A fault is returned (not thrown) so the kernel model can handle it. */
  load(cpu: number, va: Address, mode?: "user" | "kernel"): number | Fault;
  store(cpu: number, va: Address, value: number, mode?: "user" | "kernel"): Fault | undefined;
  ifetch(cpu: number, va: Address): number | Fault;

  /** Cache maintenance by `cpu` (broadcast to other CPUs when the machine broadcasts maintenance). */
  maintain(cpu: number, cache: CacheKind, kind: MaintenanceKind, scope: MaintenanceScope): MaintenanceOp;
  flushTlb(cpu: number, asid: number | null): void;

  /** The DMA device: reads and writes physical memory directly, past every cache (unless dmaCoherent). */
  dmaRead(pa: Address): number;
  dmaWrite(pa: Address, value: number): void;

  /** Physical memory as it is (no cache, no oracle): for tests and for initial contents. */
  peekMemory(pa: Address): number;
  /** Set initial memory contents (and the oracle's shadow) without any cache effect. */
  pokeMemory(pa: Address, value: number): void;

  /** The colour of a virtual address in the D-cache (0 when it cannot alias). */
  colourOf(va: Address): number;
  /** Number of D-cache page colours (1: no aliasing). */
  readonly colours: number;

  /** Violations so far, then (after finish()) the end-of-run ones: lost-write, dirty-alias-conflict. */
  readonly violations: readonly Violation[];
  /** End of run: detect lost writes and dirty alias conflicts. */
  finish(): readonly Violation[];

  costs(): Costs;
  /** Subscribe to events; returns an unsubscribe function. */
  observe(observer: MachineObserver): () => void;
  /**
   * Optional: give the machine's storage back for reuse by the next machine, by a caller that owns it and is
   * done with it (the machine must not be used afterwards).
   */
  release?(): void;
}
