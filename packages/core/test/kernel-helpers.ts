// Machines and a hook recorder shared by the kernel-*.test.ts files.
import type { CacheGeometryInit } from "../src/hw/geometry.js";
import { Machine, type MachineInit } from "../src/hw/machine.js";
import { type HookCall, Kernel, type KernelOptions } from "../src/kernel/index.js";

const USER_TOP = 0xc000_0000;

/** A PIPT write-back cache: no aliasing, I coherent with D, DMA coherent (the x86-like baseline). */
export function piptMachine(cpus = 1): Machine {
  const cache: CacheGeometryInit = { size: 16 * 1024, ways: 4, lineSize: 32, indexing: "pipt" };
  return new Machine({
    pageSize: 4096,
    cpus,
    dcache: cache,
    icache: cache,
    icacheCoherent: true,
    dmaCoherent: true,
    smpCoherent: true,
    maintenanceBroadcast: true,
    userTop: USER_TOP,
  });
}

/** A VIVT write-back write-allocate D-cache (16 KiB, 4 ways: 4 colours) and a VIVT I-cache, nothing coherent. */
export function vivtMachine(cpus = 1, extra: Partial<MachineInit> = {}): Machine {
  return new Machine({
    pageSize: 4096,
    cpus,
    dcache: {
      size: 16 * 1024,
      ways: 1,
      lineSize: 32,
      indexing: "vivt",
      writePolicy: "write-back",
      writeAllocate: true,
    },
    icache: { size: 16 * 1024, ways: 1, lineSize: 32, indexing: "vivt" },
    userTop: USER_TOP,
    ...extra,
  });
}

/** A 32 KiB 4-way VIPT write-back D-cache: 2 colours of 4 KiB pages. */
export function viptMachine(cpus = 1): Machine {
  const cache: CacheGeometryInit = { size: 32 * 1024, ways: 4, lineSize: 32, indexing: "vipt" };
  return new Machine({ pageSize: 4096, cpus, dcache: cache, icache: cache, userTop: USER_TOP });
}

/** A kernel on `machine` with the asm-generic hooks only. */
export function genericKernel(machine: Machine, options: KernelOptions = {}): Kernel {
  return new Kernel(machine, options);
}

/** Records every hook call an observer sees. */
export class HookRecorder {
  readonly calls: HookCall[] = [];
  readonly stop: () => void;

  constructor(kernel: Kernel) {
    this.stop = kernel.observe({ hookEnter: (call) => this.calls.push(call) });
  }

  /** The names of the calls at `depth` (default: those made by generic code, depth 0). */
  names(depth: number | null = 0): string[] {
    return this.calls.filter((c) => depth === null || c.depth === depth).map((c) => c.hook);
  }

  /** Forget what was recorded so far. */
  clear(): void {
    this.calls.length = 0;
  }
}
