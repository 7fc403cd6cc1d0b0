// The kernel's virtual address space (a profile supplies it): the linear map of lowmem at PAGE_OFFSET, highmem
// above it, the pkmap area for kmap (mm/highmem.c), the fixmap slots of kmap_atomic, vmalloc, and a window area
// from which architecture code reserves its coloured temporary mappings (MIPS kmap_coherent's FIX_CMAP, ARM's
// FLUSH_ALIAS_START and COPYPAGE_V6 windows, sparc64's TLBTEMP_BASE, PA-RISC's tmpalias).
import { UserError } from "../errors.js";
import type { Address } from "../hw/api.js";

/**
 * The kernel's memory layout. Every address and size is in bytes and, except `physOffset`, must be a multiple
 * of the page size. Defaults: {@link defaultKernelLayout}.
 */
export interface KernelLayout {
  /** PHYS_OFFSET: the physical address of the first page of RAM. */
  readonly physOffset: number;
  /** PAGE_OFFSET: where the linear map of lowmem starts (kernel address of physical PHYS_OFFSET). */
  readonly pageOffset: Address;
  /** Bytes of lowmem (linearly mapped). */
  readonly lowmemSize: number;
  /** Bytes of highmem above lowmem (0: no highmem; frames at or above the boundary have no linear address). */
  readonly highmemSize: number;
  /** TASK_UNMAPPED_BASE: where arch_get_unmapped_area starts looking for room. */
  readonly mmapBase: Address;
  /** VMALLOC_START .. VMALLOC_END: vmap/vmalloc addresses. */
  readonly vmallocStart: Address;
  readonly vmallocEnd: Address;
  /** PKMAP_BASE: the first of LAST_PKMAP persistent kmap slots. */
  readonly pkmapBase: Address;
  /** LAST_PKMAP: how many persistent kmap slots (a power of two). */
  readonly lastPkmap: number;
  /** Address of fixmap slot FIX_KMAP_BEGIN; slot `type + KM_TYPE_NR * cpu` is at fixaddrStart + slot pages. */
  readonly fixaddrStart: Address;
  /** KM_TYPE_NR: kmap_atomic slots per CPU (how deep kmap_atomic may nest). */
  readonly kmTypeNr: number;
  /** Where the architecture windows (reserveWindow) are carved from: [windowStart, windowEnd). */
  readonly windowStart: Address;
  readonly windowEnd: Address;
}

/**
 * A 32-bit ARM-like layout: PAGE_OFFSET 0xC0000000 with 64 MiB of lowmem, no highmem unless asked, vmalloc
 * 0xC8000000–0xE0000000, architecture windows 0xE0000000–0xF0000000, 512 pkmap slots (ARM's LAST_PKMAP =
 * PTRS_PER_PTE) at 0xF0000000, fixmap at 0xFF000000 with 16 kmap_atomic slots per CPU (KM_TYPE_NR).
 * TASK_UNMAPPED_BASE is 0x40000000 (TASK_SIZE / 3, as on ARM). User space must end at or below PAGE_OFFSET.
 */
export function defaultKernelLayout(overrides: Partial<KernelLayout> = {}): KernelLayout {
  return Object.freeze({
    physOffset: 0,
    pageOffset: 0xc000_0000,
    lowmemSize: 64 * 1024 * 1024,
    highmemSize: 0,
    mmapBase: 0x4000_0000,
    vmallocStart: 0xc800_0000,
    vmallocEnd: 0xe000_0000,
    pkmapBase: 0xf000_0000,
    lastPkmap: 512,
    fixaddrStart: 0xff00_0000,
    kmTypeNr: 16,
    windowStart: 0xe000_0000,
    windowEnd: 0xf000_0000,
    ...overrides,
  });
}

/**
 * Check a layout against the machine: page-aligned, user space below PAGE_OFFSET, the areas inside 32 bits
 * and disjoint. Throws a UserError naming `where` (the profile) otherwise.
 */
export function checkKernelLayout(
  layout: KernelLayout,
  pageSize: number,
  userTop: Address,
  cpus: number,
  where: string,
): void {
  const fail = (why: string): never => {
    throw new UserError(where, `invalid kernel layout: ${why}.`);
  };
  const hex = (n: number) => `0x${n.toString(16)}`;
  for (const key of [
    "physOffset",
    "pageOffset",
    "lowmemSize",
    "highmemSize",
    "mmapBase",
    "vmallocStart",
    "vmallocEnd",
    "pkmapBase",
    "fixaddrStart",
    "windowStart",
    "windowEnd",
  ] as const) {
    const value = layout[key];
    if (!Number.isInteger(value) || value < 0 || value > 2 ** 32 || value % pageSize !== 0) {
      fail(`${key} (${String(value)}) must be a multiple of the page size (${pageSize}) within 32 bits`);
    }
  }
  if (layout.lowmemSize < 16 * pageSize) fail("lowmemSize must hold at least 16 pages");
  if (layout.physOffset + layout.lowmemSize + layout.highmemSize > 2 ** 32) {
    fail("physical memory (physOffset + lowmemSize + highmemSize) does not fit in 32 bits");
  }
  if (
    !Number.isInteger(layout.lastPkmap) ||
    layout.lastPkmap < 1 ||
    layout.lastPkmap & (layout.lastPkmap - 1)
  ) {
    fail(`lastPkmap (${String(layout.lastPkmap)}) must be a power of two`);
  }
  if (!Number.isInteger(layout.kmTypeNr) || layout.kmTypeNr < 1) fail("kmTypeNr must be at least 1");
  if (layout.pageOffset < userTop) {
    fail(`PAGE_OFFSET ${hex(layout.pageOffset)} is below the top of user space ${hex(userTop)}`);
  }
  if (layout.mmapBase >= userTop) fail(`mmapBase ${hex(layout.mmapBase)} is not below the top of user space`);
  const areas: [string, number, number][] = [
    ["linear map", layout.pageOffset, layout.pageOffset + layout.lowmemSize],
    ["vmalloc", layout.vmallocStart, layout.vmallocEnd],
    ["windows", layout.windowStart, layout.windowEnd],
    ["pkmap", layout.pkmapBase, layout.pkmapBase + layout.lastPkmap * pageSize],
    ["fixmap", layout.fixaddrStart, layout.fixaddrStart + layout.kmTypeNr * cpus * pageSize],
  ];
  for (const [name, start, end] of areas) {
    if (end > 2 ** 32 || end <= start)
      fail(`the ${name} area [${hex(start)}, ${hex(end)}) is empty or beyond 32 bits`);
    if (start < userTop) fail(`the ${name} area starts at ${hex(start)}, inside user space`);
  }
  for (let i = 0; i < areas.length; i++) {
    for (let j = i + 1; j < areas.length; j++) {
      const [a, as, ae] = areas[i];
      const [b, bs, be] = areas[j];
      if (as < be && bs < ae) fail(`the ${a} and ${b} areas overlap`);
    }
  }
}

/** One reserved architecture window: `pages` consecutive kernel pages starting at `base`. */
export interface KernelWindow {
  readonly name: string;
  readonly base: Address;
  readonly pages: number;
}

/**
 * The allocator of architecture windows. `reserve(name, pages)` returns a range aligned to `align` bytes
 * (default: the D-cache way, colours × PAGE_SIZE, so that `base + c * PAGE_SIZE` has colour c). The arch maps
 * pages there with kernel PTEs (Kernel.mapKernelPte) and maintains through them.
 */
export class KernelWindows {
  private next: Address;
  private readonly reserved = new Map<string, KernelWindow>();

  constructor(
    private readonly start: Address,
    private readonly end: Address,
    private readonly pageSize: number,
    private readonly defaultAlign: number,
  ) {
    this.next = start;
  }

  /**
   * Reserve `pages` pages named `name` (a second reservation of the same name returns the first, so that a
   * plugin applied twice gets its window back).
   */
  reserve(name: string, pages: number, align = this.defaultAlign): KernelWindow {
    const existing = this.reserved.get(name);
    if (existing) {
      if (existing.pages !== pages) {
        throw new Error(`window ${name} is already reserved with ${existing.pages} pages, not ${pages}`);
      }
      return existing;
    }
    if (!Number.isInteger(pages) || pages < 1) throw new RangeError(`window ${name}: ${pages} pages`);
    const alignment = Math.max(align, this.pageSize);
    const base = Math.ceil(this.next / alignment) * alignment;
    const end = base + pages * this.pageSize;
    if (end > this.end) {
      throw new Error(`window ${name}: no room for ${pages} pages in the architecture window area`);
    }
    this.next = end;
    const window = Object.freeze({ name, base, pages });
    this.reserved.set(name, window);
    return window;
  }

  /** The window reserved as `name`, if any. */
  get(name: string): KernelWindow | undefined {
    return this.reserved.get(name);
  }

  /** Every reserved window in address order. */
  list(): KernelWindow[] {
    return [...this.reserved.values()].sort((a, b) => a.base - b.base);
  }

  /** Whether `addr` lies in the window area. */
  contains(addr: Address): boolean {
    return addr >= this.start && addr < this.end;
  }
}
