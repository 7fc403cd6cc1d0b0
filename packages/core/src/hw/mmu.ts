// The MMU: page tables (one per address space) and the translation of one access. User addresses
// (below userTop) go through the CPU's current user space, kernel addresses through the kernel space.
// No TLB is modelled: every access walks the page table, so a PTE change takes effect at once (flushTlb only
// counts its cost). To keep that walk cheap, each space keeps, beside its Map of PTE objects (the API view),
// the same entries packed into a two-level table of 32-bit words (pfn and permission bits), which is what
// translate() reads: two array loads, no object, no allocation.
import type { Address, AddressSpaceApi, Fault, Pte } from "./api.js";
import { arrayPool, slotPool } from "./pool.js";

/** Access code of a load (numbers, so that no string is compared per access). */
export const LOAD = 0;
/** Access code of a store. */
export const STORE = 1;
/** Access code of an instruction fetch. */
export const IFETCH = 2;
/** One of LOAD, STORE, IFETCH. */
export type AccessCode = 0 | 1 | 2;
/** What Mmu.translate returns for a fault: odd, so never the address of an aligned word. */
export const FAULT = 1;

// A packed PTE is `pfn * 32 + bits`; 0 means no PTE.
/** Packed PTE bit: present. */
export const PTE_PRESENT = 1;
/** Packed PTE bit: writable. */
export const PTE_WRITABLE = 2;
/** Packed PTE bit: executable. */
export const PTE_EXECUTABLE = 4;
/** Packed PTE bit: accessible in user mode. */
export const PTE_USER = 8;
/** Packed PTE bit: cacheable. */
export const PTE_CACHEABLE = 16;
const PTE_FLAG_BITS = 5;

/** The packed form of a PTE. */
export function packPte(pte: Pte): number {
  return (
    pte.pfn * 2 ** PTE_FLAG_BITS +
    (pte.present ? PTE_PRESENT : 0) +
    (pte.writable ? PTE_WRITABLE : 0) +
    (pte.executable ? PTE_EXECUTABLE : 0) +
    (pte.user ? PTE_USER : 0) +
    (pte.cacheable ? PTE_CACHEABLE : 0)
  );
}

const LEAF_BITS = 10;
const LEAF_SIZE = 1 << LEAF_BITS;
const LEAF_MASK = LEAF_SIZE - 1;

/**
 * One page table: virtual page number → PTE. The machine assigns the ASID (0 is the kernel space).
 * Installed PTEs are frozen copies: change a mapping with setPte, never by editing the object.
 */
export class AddressSpace implements AddressSpaceApi {
  /** Bumped by every change of the table. */
  version = 0;
  private readonly table = new Map<number, Readonly<Pte>>();
  /** The packed table: leaves of 1024 entries, created when a page of their range is mapped. */
  private readonly leaves: (Int32Array | undefined)[];
  /** A page of each leaf created, so that release() finds the leaves without scanning the directory. */
  private readonly touched: number[] = [];

  constructor(
    readonly asid: number,
    readonly name: string,
    readonly pageShift: number,
  ) {
    this.leaves = slotPool.take(Math.ceil(2 ** (32 - pageShift) / LEAF_SIZE));
  }

  /** Install or replace the PTE of the page containing `va` (a frozen copy of `pte`). */
  setPte(va: Address, pte: Pte): void {
    checkVirtual(va, "setPte");
    if (!Number.isInteger(pte.pfn) || pte.pfn < 0 || pte.pfn >= 2 ** (32 - this.pageShift)) {
      throw new RangeError(
        `setPte(${hex(va)}) in ${this.name}: pfn ${pte.pfn} is outside 32-bit physical memory`,
      );
    }
    const entry: Readonly<Pte> = Object.freeze({
      pfn: pte.pfn,
      present: Boolean(pte.present),
      writable: Boolean(pte.writable),
      executable: Boolean(pte.executable),
      user: Boolean(pte.user),
      cacheable: Boolean(pte.cacheable),
    });
    const vpn = va >>> this.pageShift;
    this.table.set(vpn, entry);
    let leaf = this.leaves[vpn >>> LEAF_BITS];
    if (leaf === undefined) {
      leaf = arrayPool.take(Int32Array, LEAF_SIZE);
      this.leaves[vpn >>> LEAF_BITS] = leaf;
      this.touched.push(vpn);
    }
    leaf[vpn & LEAF_MASK] = packPte(entry);
    this.version++;
  }

  /** Give the packed table's leaves back to the pool (pool.ts): the space must not be used afterwards. */
  release(): void {
    // only the installed PTEs are non-zero (clearPte zeroes its slot): clear those, give the leaves back clean
    for (const vpn of this.table.keys()) this.leaves[vpn >>> LEAF_BITS]![vpn & LEAF_MASK] = 0;
    for (const vpn of this.touched) {
      const leaf = this.leaves[vpn >>> LEAF_BITS];
      if (leaf === undefined) continue;
      arrayPool.give(leaf, 0);
      this.leaves[vpn >>> LEAF_BITS] = undefined;
    }
    slotPool.give(this.leaves, true);
  }

  /** Remove the PTE of the page containing `va` (nothing if there is none). */
  clearPte(va: Address): void {
    checkVirtual(va, "clearPte");
    const vpn = va >>> this.pageShift;
    if (!this.table.delete(vpn)) return;
    this.leaves[vpn >>> LEAF_BITS]![vpn & LEAF_MASK] = 0;
    this.version++;
  }

  /** The PTE of the page containing `va`, if any. */
  pte(va: Address): Pte | undefined {
    return this.table.get(va >>> this.pageShift);
  }

  /** The packed PTE of virtual page `vpn` (0: none). */
  packed(vpn: number): number {
    const leaf = this.leaves[vpn >>> LEAF_BITS];
    return leaf === undefined ? 0 : leaf[vpn & LEAF_MASK];
  }

  /** Every installed (page-aligned va, PTE), in ascending va order. */
  entries(): Iterable<[Address, Pte]> {
    return [...this.table.entries()]
      .sort((a, b) => a[0] - b[0])
      .map(([vpn, pte]): [Address, Pte] => [vpn * 2 ** this.pageShift, pte]);
  }
}

/**
 * Translation of one access. `translate` returns the physical address, or FAULT; the other results
 * are left in fields (`cacheable`, `asid`, `faultKind`) so that the hot path allocates nothing.
 */
export class Mmu {
  /** Whether the last successful translation was through a cacheable PTE. */
  cacheable = true;
  /** The ASID of the space that translated the last access (0: the kernel space). */
  asid = 0;
  /** Why the last translation failed. */
  faultKind: Fault["kind"] = "not-present";
  private readonly pageSize: number;
  private readonly pageMask: number;
  /** userTop in pages (userTop itself may be 2^32, beyond V8's small integers). */
  private readonly userPages: number;

  constructor(
    readonly pageShift: number,
    readonly userTop: Address,
    readonly kernelSpace: AddressSpace,
  ) {
    this.pageSize = 1 << pageShift;
    this.pageMask = this.pageSize - 1;
    this.userPages = userTop / this.pageSize;
  }

  /**
   * The permission bits an access needs: present, user in user mode, writable for a store, executable for a
   * fetch. Pass the result to translate().
   */
  static required(access: AccessCode, kernelMode: boolean): number {
    return (
      PTE_PRESENT |
      (kernelMode ? 0 : PTE_USER) |
      (access === STORE ? PTE_WRITABLE : 0) |
      (access === IFETCH ? PTE_EXECUTABLE : 0)
    );
  }

  /**
   * Translate the aligned 32-bit address `va` for an access needing the PTE bits `required` (Mmu.required):
   * the physical address, or FAULT. `user` is the CPU's current user space. Faults, in this order: no PTE or
   * not present (`not-present`); a user-mode access to a PTE with user=false (`user-to-kernel`); a store to a
   * non-writable PTE (`write-protect`); an instruction fetch from a non-executable PTE (`no-exec`). Kernel mode
   * may access user pages.
   *
   * Integer arithmetic only, and FAULT an unsigned 32-bit value too: the result stays a 32-bit integer in
   * V8's optimised code (a -1 beside addresses up to 2^32 made it a double, converted back on every use).
   */
  translate(user: AddressSpace | null, va: Address, required: number): number {
    const vpn = va >>> this.pageShift;
    const space = vpn < this.userPages ? user : this.kernelSpace;
    if (space === null) {
      this.faultKind = "not-present";
      return FAULT;
    }
    const entry = space.packed(vpn);
    if ((entry & required) !== required) {
      this.faultKind =
        (entry & PTE_PRESENT) === 0
          ? "not-present"
          : (required & PTE_USER & ~entry) !== 0
            ? "user-to-kernel"
            : (required & PTE_WRITABLE & ~entry) !== 0
              ? "write-protect"
              : "no-exec";
      return FAULT;
    }
    this.cacheable = (entry & PTE_CACHEABLE) !== 0;
    this.asid = space.asid;
    return (((entry >>> PTE_FLAG_BITS) << this.pageShift) | (va & this.pageMask)) >>> 0;
  }

  /**
   * The physical address `va` maps to in `space`, ignoring permissions (what maintenance by VA on a
   * physically tagged cache reaches), or -1 when no present PTE maps it.
   */
  physicalOf(space: AddressSpace, va: Address): number {
    const entry = space.packed(va >>> this.pageShift);
    if ((entry & PTE_PRESENT) === 0) return -1;
    return (entry >>> PTE_FLAG_BITS) * this.pageSize + (va & this.pageMask);
  }
}

/** Throw (a bug of the caller, not the user's mistake) unless `va` is an aligned 32-bit word address. */
export function checkAddress(va: Address, what: string): void {
  if (va >>> 0 !== va || (va & 3) !== 0) {
    throw new RangeError(`${what}: ${String(va)} is not a 32-bit-aligned 32-bit address`);
  }
}

function checkVirtual(va: Address, what: string): void {
  if (va >>> 0 !== va) throw new RangeError(`${what}: ${String(va)} is not a 32-bit address`);
}

/** `0x…` of an address, for messages. */
export function hex(n: number): string {
  return `0x${(n >>> 0).toString(16).padStart(8, "0")}`;
}
