// Shared set-up of the hardware-model tests (packages/core/test/hw-*.test.ts).
import type { Pte } from "../src/hw/api.js";
import type { Cache } from "../src/hw/cache.js";
import type { CacheGeometryInit } from "../src/hw/geometry.js";
import { Machine, type MachineInit } from "../src/hw/machine.js";
import type { AddressSpace } from "../src/hw/mmu.js";

export const KiB = 1024;
export const PAGE = 4096;
/** Addresses at and above this are kernel addresses in every test machine. */
export const USER_TOP = 0x8000_0000;

/** ARM1136-like L1: 32 KiB, 4-way, 32-byte lines, VIPT, write-back, LRU (2 colours at 4 KiB pages). */
export function l1(extra: Partial<CacheGeometryInit> = {}): CacheGeometryInit {
  return { size: 32 * KiB, ways: 4, lineSize: 32, indexing: "vipt", ...extra };
}

/** A machine with 4 KiB pages, one CPU and l1() D- and I-caches unless `extra` says otherwise. */
export function machine(extra: Partial<MachineInit> = {}): Machine {
  return new Machine({ pageSize: PAGE, cpus: 1, dcache: l1(), icache: l1(), userTop: USER_TOP, ...extra });
}

/** A present, user, cacheable, writable, non-executable PTE, with `extra` applied. */
export function pte(pfn: number, extra: Partial<Pte> = {}): Pte {
  return { pfn, present: true, writable: true, executable: false, user: true, cacheable: true, ...extra };
}

/** A user space made current on every CPU of `m`. */
export function userSpace(m: Machine, name = "mm"): AddressSpace {
  const space = m.createSpace(name);
  for (let cpu = 0; cpu < m.config.cpus; cpu++) m.setCurrentSpace(cpu, space);
  return space;
}

/** Every slot of `cache` holding physical line `pa >>> lineShift`. */
export function slotsHolding(cache: Cache, pa: number): number[] {
  const out = new Int32Array(cache.colours * cache.ways);
  return Array.from(out.subarray(0, cache.slotsOf(pa >>> cache.lineShift, out)));
}

/** The number of dirty lines in `cache`. */
export function dirtyLines(cache: Cache): number {
  let n = 0;
  for (let slot = 0; slot < cache.sets * cache.ways; slot++) if (cache.isDirty(slot)) n++;
  return n;
}
