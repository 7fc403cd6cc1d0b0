// switch_mm on MIPS: nothing to model for the caches. r4k-style caches are VIPT (or physically indexed) and the
// TLB is tagged with ASIDs, so a context switch (arch/mips/include/asm/mmu_context.h switch_mm: check_mmu_context,
// write EntryHi) needs no cache maintenance; asm-generic's switch_mm (load the next mm's page table, mark the CPU
// in mm_cpumask) applies. A virtually tagged I-cache (cpu_has_vtag_icache: 20Kc) would need drop_mmu_context on
// some flushes; none of this package's presets has one.
export {};
