// The machine: CPUs with L1 D- and I-caches holding data, physical memory, page tables, a DMA device, the
// coherence oracle and the cost counters, behind the MachineApi contract (api.ts).
//
// The path of one load: translate (mmu.ts: current user space or kernel space, packed page table, permission
// faults) → cacheable? the CPU's D-cache (cache.ts: find, hit or fill) : memory → compare with the oracle's
// shadow (oracle.ts), report a stale-read on a mismatch → tell observers, if any. A store snoops the other
// CPUs first when smpCoherent, writes through the D-cache, drops I-cache copies when icacheCoherent, and
// updates the shadow. Nothing on these paths allocates unless a fault, a violation or an observer needs it.
import { UserError } from "../errors.js";
import type {
  AccessKind,
  Address,
  AddressSpaceApi,
  CacheKind,
  Costs,
  CostTable,
  Fault,
  MachineApi,
  MachineConfig,
  MachineEvent,
  MachineObserver,
  MaintenanceKind,
  MaintenanceOp,
  MaintenanceScope,
  Violation,
  ViolationKind,
} from "./api.js";
import { Cache } from "./cache.js";
import { buildCosts, type MachineCounters, resolveCostTable } from "./cost.js";
import { Cpu, wireCoherence } from "./cpu.js";
import {
  type CacheGeometry,
  type CacheGeometryInit,
  cacheGeometry,
  colourOf,
  pageColours,
} from "./geometry.js";
import { PhysicalMemory, pageShiftOf } from "./memory.js";
import { AddressSpace, checkAddress, FAULT, hex, IFETCH, LOAD, Mmu, STORE } from "./mmu.js";
import { Oracle } from "./oracle.js";

/** CPU mode of an access: user addresses and kernel addresses both work in kernel mode. */
export type AccessMode = "user" | "kernel";

/** The most CPUs a machine may have. */
export const MAX_CPUS = 64;

/**
 * What the Machine constructor accepts: a MachineConfig whose caches may be given as unvalidated geometries
 * (a validated CacheGeometry is one too).
 */
export interface MachineInit extends Omit<MachineConfig, "dcache" | "icache"> {
  dcache: CacheGeometryInit;
  icache: CacheGeometryInit;
}

/** A MachineConfig with every option resolved (validated geometries, flags, seed). */
export interface ResolvedMachineConfig extends MachineConfig {
  readonly dcache: CacheGeometry;
  readonly icache: CacheGeometry;
  readonly icacheFillsFromDcache: boolean;
  readonly icacheCoherent: boolean;
  readonly smpCoherent: boolean;
  readonly maintenanceBroadcast: boolean;
  readonly dmaCoherent: boolean;
  readonly seed: number;
}

// The PTE bits each kind of access needs, per mode.
const NEED_LOAD_USER = Mmu.required(LOAD, false);
const NEED_LOAD_KERNEL = Mmu.required(LOAD, true);
const NEED_STORE_USER = Mmu.required(STORE, false);
const NEED_STORE_KERNEL = Mmu.required(STORE, true);
const NEED_IFETCH_USER = Mmu.required(IFETCH, false);
const NEED_IFETCH_KERNEL = Mmu.required(IFETCH, true);

const MAINTENANCE_KINDS: readonly string[] = ["clean", "invalidate", "flush"];

/**
 * Validate a machine configuration; a UserError names the field (`where.field`). Defaults: every coherence
 * flag false, seed 1.
 */
export function resolveMachineConfig(config: MachineInit, where = "machine"): ResolvedMachineConfig {
  if (config === null || typeof config !== "object") {
    throw new UserError(where, "a machine configuration must be an object.");
  }
  const pageShift = pageShiftOf(config.pageSize, `${where}.pageSize`);
  const pageSize = 1 << pageShift;
  if (!Number.isInteger(config.cpus) || config.cpus < 1 || config.cpus > MAX_CPUS) {
    throw new UserError(
      `${where}.cpus`,
      `the number of CPUs must be an integer from 1 to ${MAX_CPUS}, not ${String(config.cpus)}.`,
    );
  }
  const geometry = (field: "dcache" | "icache"): CacheGeometry => {
    const init = config[field];
    if (init === null || typeof init !== "object") {
      throw new UserError(`${where}.${field}`, "a cache geometry (size, ways, lineSize, ...) is required.");
    }
    const g = cacheGeometry(init, `${where}.${field}`);
    if (g.lineSize > pageSize) {
      throw new UserError(
        `${where}.${field}`,
        `a ${g.lineSize}-byte line is larger than a ${pageSize}-byte page: a line must lie within one page.`,
      );
    }
    return g;
  };
  const dcache = geometry("dcache");
  const icache = geometry("icache");
  const flag = (field: keyof MachineInit): boolean => {
    const value = config[field];
    if (value === undefined) return false;
    if (typeof value !== "boolean") {
      throw new UserError(`${where}.${field}`, `must be true or false, not ${String(value)}.`);
    }
    return value;
  };
  const icacheFillsFromDcache = flag("icacheFillsFromDcache");
  if (icacheFillsFromDcache && dcache.lineSize !== icache.lineSize) {
    throw new UserError(
      `${where}.icacheFillsFromDcache`,
      `an I-cache that fills from the D-cache needs equal line sizes (D ${dcache.lineSize}, I ${icache.lineSize} bytes).`,
    );
  }
  const { userTop } = config;
  if (!Number.isInteger(userTop) || userTop <= 0 || userTop > 2 ** 32 || userTop % pageSize !== 0) {
    throw new UserError(
      `${where}.userTop`,
      `the top of user space must be a multiple of the page size (${pageSize}) in (0, 2^32], not ${String(userTop)}.`,
    );
  }
  const seed = config.seed ?? 1;
  if (!Number.isInteger(seed)) {
    throw new UserError(`${where}.seed`, `the seed must be an integer, not ${String(seed)}.`);
  }
  resolveCostTable(config.costs, `${where}.costs`);
  return Object.freeze({
    ...config,
    pageSize,
    dcache,
    icache,
    icacheFillsFromDcache,
    icacheCoherent: flag("icacheCoherent"),
    smpCoherent: flag("smpCoherent"),
    maintenanceBroadcast: flag("maintenanceBroadcast"),
    dmaCoherent: flag("dmaCoherent"),
    seed,
  });
}

/** The machine of the hardware model (see the file comment for the path of an access). */
export class Machine implements MachineApi {
  /** The validated configuration, every default resolved. */
  readonly config: ResolvedMachineConfig;
  /** The kernel page table (ASID 0), shared by every CPU. */
  readonly kernelSpace: AddressSpace;
  /** Number of D-cache page colours (1: no aliasing). */
  readonly colours: number;
  /** Physical memory (with the oracle's shadow plane). */
  readonly memory: PhysicalMemory;
  /** The coherence oracle. */
  readonly oracle: Oracle;
  /** The CPUs, by index. */
  readonly cpus: readonly Cpu[];
  /** The cost table in force (defaults with the configuration's overrides). */
  readonly costTable: Readonly<CostTable>;

  private readonly mmu: Mmu;
  private readonly spaces = new Map<number, AddressSpace>();
  private nextAsid = 1;
  private readonly pageShift: number;
  private readonly userTop: number;
  private readonly smpSnoop: boolean;
  private readonly icacheCoherent: boolean;
  private readonly counters: MachineCounters = {
    uncachedAccesses: 0,
    tlbFlushes: 0,
    dmaReads: 0,
    dmaWrites: 0,
    linesMaintained: 0,
  };
  private observers: MachineObserver[] = [];
  /** The guard of every event: false means no event object is built. */
  private observing = false;
  /** Set by release(). */
  private released = false;

  /** Build a machine; a UserError names the configuration field that is wrong (`where.field`). */
  constructor(config: MachineInit, where = "machine") {
    this.config = resolveMachineConfig(config, where);
    const { pageSize, dcache, icache, cpus, seed } = this.config;
    this.pageShift = pageShiftOf(pageSize);
    this.userTop = this.config.userTop;
    this.costTable = Object.freeze(resolveCostTable(this.config.costs, `${where}.costs`));
    this.memory = new PhysicalMemory(pageSize);
    this.kernelSpace = new AddressSpace(0, "kernel", this.pageShift);
    this.spaces.set(0, this.kernelSpace);
    this.mmu = new Mmu(this.pageShift, this.userTop, this.kernelSpace);
    const list: Cpu[] = [];
    for (let i = 0; i < cpus; i++) {
      // Each cache gets its own seed for random replacement, derived from the machine's.
      const d = new Cache(dcache, "d", i, this.memory, pageSize, deriveSeed(seed, 2 * i));
      const ic = new Cache(icache, "i", i, this.memory, pageSize, deriveSeed(seed, 2 * i + 1));
      list.push(new Cpu(i, d, ic));
    }
    this.cpus = list;
    wireCoherence(list, this.config);
    this.smpSnoop = this.config.smpCoherent && cpus > 1;
    this.icacheCoherent = this.config.icacheCoherent;
    this.colours = pageColours(dcache, pageSize);
    this.oracle = new Oracle(
      this.memory,
      list.flatMap((cpu) => [cpu.dcache, cpu.icache]),
      (va) => this.colourOf(va),
    );
  }

  // ── Address spaces ───────────────────────────────────────────────────────────────────────────────────

  /** Create a user address space with a fresh ASID (1, 2, ...; the kernel space is 0). */
  createSpace(name: string): AddressSpace {
    const space = new AddressSpace(this.nextAsid++, name, this.pageShift);
    this.spaces.set(space.asid, space);
    return space;
  }

  /** The space with ASID `asid`, if this machine created it. */
  spaceOf(asid: number): AddressSpace | undefined {
    return this.spaces.get(asid);
  }

  /** Make `space` (created by this machine; null: none) the current user space of `cpu`. */
  setCurrentSpace(cpu: number, space: AddressSpaceApi | null): void {
    const c = this.cpu(cpu);
    if (space !== null && (!(space instanceof AddressSpace) || this.spaces.get(space.asid) !== space)) {
      throw new Error(`setCurrentSpace(${cpu}): the space was not created by this machine`);
    }
    if (space === this.kernelSpace)
      throw new Error(`setCurrentSpace(${cpu}): the kernel space is not a user space`);
    c.space = space;
  }

  /** The current user space of `cpu`. */
  currentSpace(cpu: number): AddressSpace | null {
    return this.cpu(cpu).space;
  }

  /** The step and actor stamped on the following stores and violations. */
  setContext(step: number, actor: string): void {
    this.oracle.setContext(step, actor);
  }

  // ── CPU accesses ─────────────────────────────────────────────────────────────────────────────────────

  /** A load of the word at `va` by `cpu` (user mode by default): its value, or a Fault. */
  load(cpu: number, va: Address, mode: AccessMode = "user"): number | Fault {
    const c = this.cpus[cpu] ?? this.cpu(cpu);
    if (va >>> 0 !== va || (va & 3) !== 0) checkAddress(va, "load");
    const mmu = this.mmu;
    const pa = mmu.translate(c.space, va, mode === "kernel" ? NEED_LOAD_KERNEL : NEED_LOAD_USER);
    if (pa === FAULT) return this.fault(cpu, va, "load");
    let value: number;
    const cached = mmu.cacheable;
    if (cached) {
      value = c.dcache.read(va, pa, mmu.asid);
    } else {
      value = this.memory.read(pa);
      this.counters.uncachedAccesses++;
    }
    if (value !== this.oracle.expected(pa)) {
      this.stale("stale-read", cpu, va, colourOf(c.dcache.geometry, c.dcache.pageSize, va), pa, value);
    }
    if (this.observing) {
      this.emit({
        type: "access",
        access: "load",
        cpu,
        va,
        pa,
        value,
        hit: cached && c.dcache.lastHit,
        cached,
        colour: this.colourOf(va),
      });
    }
    return value;
  }

  /** A store of `value` (taken as an unsigned 32-bit word) at `va` by `cpu`: undefined, or a Fault. */
  store(cpu: number, va: Address, value: number, mode: AccessMode = "user"): Fault | undefined {
    const c = this.cpus[cpu] ?? this.cpu(cpu);
    if (va >>> 0 !== va || (va & 3) !== 0) checkAddress(va, "store");
    const mmu = this.mmu;
    const pa = mmu.translate(c.space, va, mode === "kernel" ? NEED_STORE_KERNEL : NEED_STORE_USER);
    if (pa === FAULT) return this.fault(cpu, va, "store");
    value >>>= 0;
    const cached = mmu.cacheable;
    if (cached) {
      // SMP coherence: the other CPUs write back their dirty copies and drop every copy (at any colour).
      if (this.smpSnoop) this.snoopStore(c, pa);
      c.dcache.write(va, pa, mmu.asid, value);
    } else {
      this.memory.write(pa, value);
      this.counters.uncachedAccesses++;
    }
    if (this.icacheCoherent) this.dropInstructionCopies(pa);
    this.oracle.store(pa, value, cpu, va);
    if (this.observing) {
      this.emit({
        type: "access",
        access: "store",
        cpu,
        va,
        pa,
        value,
        hit: cached && c.dcache.lastHit,
        cached,
        colour: this.colourOf(va),
      });
    }
    return undefined;
  }

  /**
   * An instruction fetch of the word at `va` by `cpu` through its I-cache (user mode by default): its value, or
   * a Fault. Violations and events carry the colour of `va` in the I-cache.
   */
  ifetch(cpu: number, va: Address, mode: AccessMode = "user"): number | Fault {
    const c = this.cpus[cpu] ?? this.cpu(cpu);
    if (va >>> 0 !== va || (va & 3) !== 0) checkAddress(va, "ifetch");
    const mmu = this.mmu;
    const pa = mmu.translate(c.space, va, mode === "kernel" ? NEED_IFETCH_KERNEL : NEED_IFETCH_USER);
    if (pa === FAULT) return this.fault(cpu, va, "ifetch");
    let value: number;
    const cached = mmu.cacheable;
    if (cached) {
      value = c.icache.read(va, pa, mmu.asid);
    } else {
      value = this.memory.read(pa);
      this.counters.uncachedAccesses++;
    }
    if (value !== this.oracle.expected(pa)) {
      this.stale("stale-ifetch", cpu, va, colourOf(c.icache.geometry, c.icache.pageSize, va), pa, value);
    }
    if (this.observing) {
      const colour = colourOf(c.icache.geometry, c.icache.pageSize, va);
      const hit = cached && c.icache.lastHit;
      this.emit({ type: "access", access: "ifetch", cpu, va, pa, value, hit, cached, colour });
    }
    return value;
  }

  private snoopStore(c: Cpu, pa: number): void {
    for (const other of this.cpus) if (other !== c) other.dcache.snoopInvalidate(pa, 4);
  }

  private dropInstructionCopies(pa: number): void {
    for (const cpu of this.cpus) cpu.icache.snoopInvalidate(pa, 4);
  }

  private fault(cpu: number, va: Address, access: AccessKind): Fault {
    return { kind: this.mmu.faultKind, va, cpu, access };
  }

  private stale(
    kind: ViolationKind,
    cpu: number,
    va: Address | null,
    colour: number | null,
    pa: number,
    got: number,
  ) {
    const violation = this.oracle.report(kind, cpu, va, colour, pa, got);
    if (this.observing) this.emit({ type: "violation", violation });
  }

  // ── Cache maintenance ────────────────────────────────────────────────────────────────────────────────

  /**
   * Cache maintenance issued by `cpu` on its `cache` (and the same cache of every CPU when the machine
   * broadcasts maintenance). Scopes (api.ts MaintenanceScope):
   * - `va`: each line of the range, by virtual address. A VIVT cache needs no translation (lines are found by
   *   VA, and ASID when tagged); VIPT and PIPT caches translate each page through the space of `asid` (the
   *   kernel space for kernel addresses), ignoring permissions; lines of unmapped pages are skipped.
   * - `pa-colour`: as a contiguous temporary mapping whose first page has colour `colour` would reach the
   *   lines (page k of the range at colour + k). VIPT: set from the colour; PIPT: by pa; VIVT: an Error
   *   (arch code must map the page at a VA). `colour` must be below the D-cache's or the maintained cache's
   *   number of colours, whichever is larger; a cache with fewer colours takes it modulo its own.
   * - `pa-all`: every copy of each line at every colour. - `all`: the whole cache.
   * linesTouched: lines acted on (clean: dirty lines written back; invalidate/flush: lines dropped).
   */
  maintain(cpu: number, cache: CacheKind, kind: MaintenanceKind, scope: MaintenanceScope): MaintenanceOp {
    this.cpu(cpu);
    if (cache !== "d" && cache !== "i") throw new Error(`maintain: unknown cache "${String(cache)}"`);
    if (!MAINTENANCE_KINDS.includes(kind))
      throw new Error(`maintain: unknown maintenance kind "${String(kind)}"`);
    // the CPUs whose cache is maintained: all of them when maintenance is broadcast, else `cpu` alone
    const broadcast = this.config.maintenanceBroadcast;
    const first = broadcast ? 0 : cpu;
    const end = broadcast ? this.cpus.length : cpu + 1;
    let linesTouched = 0;
    switch (scope.scope) {
      case "va": {
        checkRange(scope.start, scope.length, "maintain(va)");
        const userSpace = this.spaces.get(scope.asid);
        if (userSpace === undefined || userSpace === this.kernelSpace) {
          if (scope.start < this.userTop)
            throw new Error(`maintain(va): no user space has ASID ${scope.asid}`);
        }
        for (let t = first; t < end; t++) {
          linesTouched += this.maintainVa(
            pick(this.cpus[t], cache),
            kind,
            scope.start,
            scope.length,
            userSpace,
          );
        }
        break;
      }
      case "pa-colour": {
        checkRange(scope.pa, scope.length, "maintain(pa-colour)");
        const colours = Math.max(this.colours, pick(this.cpus[cpu], cache).colours);
        if (!Number.isInteger(scope.colour) || scope.colour < 0 || scope.colour >= colours) {
          throw new Error(`maintain(pa-colour): colour ${scope.colour} is not one of the ${colours} colours`);
        }
        const firstPage = scope.pa >>> this.pageShift;
        for (let t = first; t < end; t++) {
          const c = pick(this.cpus[t], cache);
          if (scope.length === 0) continue;
          const last = Math.floor((scope.pa + scope.length - 1) / c.lineSize);
          for (let line = Math.floor(scope.pa / c.lineSize); line <= last; line++) {
            // Page k of the range sits at colour + k in a contiguous temporary mapping (modulo in the cache).
            const page = ((line * c.lineSize) >>> this.pageShift) - firstPage;
            linesTouched += c.maintainAtColour(line, scope.colour + page, kind);
          }
        }
        break;
      }
      case "pa-all": {
        checkRange(scope.pa, scope.length, "maintain(pa-all)");
        for (let t = first; t < end; t++) {
          const c = pick(this.cpus[t], cache);
          if (scope.length === 0) continue;
          const last = Math.floor((scope.pa + scope.length - 1) / c.lineSize);
          for (let line = Math.floor(scope.pa / c.lineSize); line <= last; line++) {
            linesTouched += c.maintainEveryColour(line, kind);
          }
        }
        break;
      }
      case "all":
        for (let t = first; t < end; t++) linesTouched += pick(this.cpus[t], cache).maintainAll(kind);
        break;
      default:
        throw new Error(`maintain: unknown scope ${JSON.stringify(scope)}`);
    }
    this.counters.linesMaintained += linesTouched;
    const op: MaintenanceOp = { cpu, cache, kind, ...scope, linesTouched };
    if (this.observing) this.emit({ type: "maintenance", op });
    return op;
  }

  private maintainVa(
    c: Cache,
    kind: MaintenanceKind,
    start: number,
    length: number,
    userSpace: AddressSpace | undefined,
  ): number {
    const vivt = c.geometry.indexing === "vivt";
    let touched = 0;
    if (length === 0) return 0;
    const last = Math.floor((start + length - 1) / c.lineSize);
    for (let line = Math.floor(start / c.lineSize); line <= last; line++) {
      const lineVa = line * c.lineSize;
      const space = lineVa < this.userTop ? userSpace! : this.kernelSpace;
      if (vivt) {
        touched += c.maintainLine(lineVa, 0, space.asid, kind);
        continue;
      }
      const pa = this.mmu.physicalOf(space, lineVa);
      if (pa < 0) c.lineOps[kind]++;
      else touched += c.maintainLine(lineVa, pa, space.asid, kind);
    }
    return touched;
  }

  /** Flush the TLB of `cpu` (all entries, or those of `asid`): no TLB is modelled, so only cost and event. */
  flushTlb(cpu: number, asid: number | null): void {
    this.cpu(cpu);
    this.counters.tlbFlushes++;
    if (this.observing) this.emit({ type: "tlb-flush", cpu, asid });
  }

  // ── The DMA device ───────────────────────────────────────────────────────────────────────────────────

  /**
   * The device reads the word at `pa`: from memory, or, when dmaCoherent, from the first dirty D-cache copy
   * (CPU order, then slot order). Compared with the shadow (`device-stale-read`).
   */
  dmaRead(pa: Address): number {
    checkAddress(pa, "dmaRead");
    this.counters.dmaReads++;
    let value = this.memory.read(pa);
    if (this.config.dmaCoherent) {
      for (const cpu of this.cpus) {
        const slot = cpu.dcache.dirtySlotOf(pa >>> cpu.dcache.lineShift);
        if (slot >= 0) {
          value = cpu.dcache.wordAt(slot, pa);
          break;
        }
      }
    }
    if (value !== this.oracle.expected(pa)) this.stale("device-stale-read", -1, null, null, pa, value);
    if (this.observing) this.emit({ type: "dma", access: "read", pa, value });
    return value;
  }

  /**
   * The device writes `value` at `pa` in memory. When dmaCoherent, every CPU's D-cache first writes back its
   * dirty copies of the line (keeping the line's other words) and every cached copy, D and I, is dropped;
   * when icacheCoherent, the I-cache copies are dropped.
   */
  dmaWrite(pa: Address, value: number): void {
    checkAddress(pa, "dmaWrite");
    value >>>= 0;
    this.counters.dmaWrites++;
    if (this.config.dmaCoherent) {
      for (const cpu of this.cpus) {
        cpu.dcache.snoopInvalidate(pa, 4);
        cpu.icache.snoopInvalidate(pa, 4);
      }
    } else if (this.icacheCoherent) {
      this.dropInstructionCopies(pa);
    }
    this.memory.write(pa, value);
    this.oracle.deviceStore(pa, value);
    if (this.observing) this.emit({ type: "dma", access: "write", pa, value });
  }

  // ── Memory, colours, results ─────────────────────────────────────────────────────────────────────────

  /** Physical memory as it is (no cache, no oracle). */
  peekMemory(pa: Address): number {
    checkAddress(pa, "peekMemory");
    return this.memory.read(pa);
  }

  /** Initial content: `value` at `pa` in memory and in the oracle's shadow (written by nobody), no cache effect. */
  pokeMemory(pa: Address, value: number): void {
    checkAddress(pa, "pokeMemory");
    value >>>= 0;
    this.memory.write(pa, value);
    this.oracle.poke(pa, value);
  }

  /** The D-cache colour of `va`. */
  colourOf(va: Address): number {
    return colourOf(this.config.dcache, this.config.pageSize, va);
  }

  /** Violations so far (then, after finish(), the end-of-run ones too). */
  get violations(): readonly Violation[] {
    return this.oracle.violations;
  }

  /**
   * End of run: add the lost-write and dirty-alias-conflict violations (oracle.ts), each reported once even
   * if finish() is called again; returns every violation so far.
   */
  finish(): readonly Violation[] {
    const added = this.oracle.finish();
    if (this.observing) for (const violation of added) this.emit({ type: "violation", violation });
    return this.oracle.violations;
  }

  /** The counters and estimated cycles so far. */
  costs(): Costs {
    return buildCosts(this.cpus, this.counters, this.costTable);
  }

  /**
   * Give the machine's typed arrays (caches, page tables, memory, the oracle's origins) back to the pool
   * (pool.ts) for the next machine: for a caller that owns the machine and is done with it (a run of the
   * comparison matrix, RunOptions.recycle). The machine, its spaces and its caches must not be used
   * afterwards; results already taken from it (violations, costs) are plain data and stay valid. A second
   * call does nothing.
   */
  release(): void {
    if (this.released) return;
    this.released = true;
    for (const cpu of this.cpus) {
      cpu.dcache.release();
      cpu.icache.release();
    }
    for (const space of this.spaces.values()) space.release();
    this.oracle.release(); // before memory's: it asks how much of memory's arena was used
    this.memory.release();
  }

  /** Subscribe to events; returns the unsubscribe function. */
  observe(observer: MachineObserver): () => void {
    this.observers = [...this.observers, observer];
    this.observing = true;
    return () => {
      this.observers = this.observers.filter((o) => o !== observer);
      this.observing = this.observers.length > 0;
    };
  }

  private emit(event: MachineEvent): void {
    // The list is replaced (never mutated) on (un)subscribe, so iterating it here is safe.
    for (const observer of this.observers) observer(event);
  }

  private cpu(cpu: number): Cpu {
    const c = this.cpus[cpu];
    if (c === undefined)
      throw new RangeError(`CPU ${String(cpu)} does not exist (the machine has ${this.cpus.length})`);
    return c;
  }
}

function pick(cpu: Cpu, cache: CacheKind): Cache {
  return cache === "d" ? cpu.dcache : cpu.icache;
}

function checkRange(start: number, length: number, what: string): void {
  if (start >>> 0 !== start) throw new RangeError(`${what}: start ${String(start)} is not a 32-bit address`);
  if (!Number.isInteger(length) || length < 0 || start + length > 2 ** 32) {
    throw new RangeError(
      `${what}: length ${String(length)} from ${hex(start)} leaves the 32-bit address space`,
    );
  }
}

/** A per-cache seed derived from the machine's (golden-ratio stride), never 0. */
function deriveSeed(seed: number, index: number): number {
  return (Math.imul(index + 1, 0x9e3779b9) ^ seed) >>> 0 || 1;
}
