// The streaming DMA API (include/linux/dma-mapping.h, kernel/dma/direct.c) as the kernel model uses it: one
// device, mapped pages handed over in a direction. The cache maintenance a non-coherent device needs is the
// default of the dma_map_page/dma_unmap_page hooks (generic.ts).

/** enum dma_data_direction. */
export type DmaDirection = "DMA_TO_DEVICE" | "DMA_FROM_DEVICE" | "DMA_BIDIRECTIONAL";

/** The three directions. */
export const DMA_DIRECTIONS: readonly DmaDirection[] = Object.freeze([
  "DMA_TO_DEVICE",
  "DMA_FROM_DEVICE",
  "DMA_BIDIRECTIONAL",
]);

/** dma_addr_t: the bus address the device uses (here the physical address). */
export type DmaAddress = number;

/** struct device, as far as DMA is concerned. */
export interface DmaDevice {
  readonly name: string;
  /** dev_is_dma_coherent(dev): the device snoops the CPU caches (the machine's dmaCoherent). */
  readonly coherent: boolean;
}

/** One live streaming mapping (what dma_unmap_page needs to know when a caller gives only the address). */
export interface DmaMapping {
  readonly addr: DmaAddress;
  readonly size: number;
  readonly dir: DmaDirection;
}
