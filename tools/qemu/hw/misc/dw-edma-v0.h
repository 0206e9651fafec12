/*
 * vNTB lab: DesignWare eDMA v0 register block (unrolled map)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The eDMA engine embedded in a DesignWare PCIe controller, as Linux's
 * dw-edma driver (v0 core, unrolled register map) programs it. The
 * controller model embeds a DwEdmaV0, maps its MMIO region and lends it
 * access to host (PCI) memory through a callback; endpoint-local memory is
 * the address space the controller gives it (the system's, or its IOMMU's
 * view of it). See dw-edma-v0.c for the register map.
 */

#ifndef HW_MISC_DW_EDMA_V0_H
#define HW_MISC_DW_EDMA_V0_H

#include "exec/memory.h"
#include "hw/irq.h"
#include "qom/object.h"

/* Size of the register block (the "dma" range, page aligned). */
#define DW_EDMA_V0_MMIO_SIZE        0x2000

/* Channels per direction the unrolled map has room for. */
#define DW_EDMA_V0_MAX_CHANNELS     8

/*
 * Access host (PCI) memory at a raw bus address (the eDMA bypasses the
 * iATU). Returns false on failure (the channel aborts).
 */
typedef bool DwEdmaPciRw(void *opaque, uint64_t pci_addr, void *buf,
                         uint64_t len, bool is_write);

/* One channel; the walk state is what the hardware keeps internally. */
typedef struct DwEdmaV0Chan {
    uint32_t control1;     /* CS [6:5] and CCS [8] maintained by the walk */
    uint32_t control2;
    uint32_t xfer_size;    /* bytes left of the current element */
    uint64_t sar;
    uint64_t dar;
    uint64_t llp;          /* element the walk reads next */
    uint32_t elem_ctrl;    /* control word of the current element */
    uint32_t walked;       /* elements fetched since the doorbell */
    bool pending;          /* doorbell rang, channel not yet stopped */
    bool in_elem;          /* a data element is partly transferred */
    bool single;           /* non-linked-list (single block) transfer */
} DwEdmaV0Chan;

/* One direction: write (local to PCI) or read (PCI to local). */
typedef struct DwEdmaV0Dir {
    uint32_t engine_en;
    uint32_t arb_weight[2];
    uint32_t int_status;   /* DONE [7:0], ABORT [23:16] */
    uint32_t int_mask;
    uint32_t ll_err_en;
    uint32_t err[2];       /* error status, low and high word */
    uint32_t done_imwr[2];
    uint32_t abort_imwr[2];
    uint32_t imwr_data[DW_EDMA_V0_MAX_CHANNELS / 2];
    bool emulated;         /* interrupt asserted by an INT_STATUS write */
    DwEdmaV0Chan ch[DW_EDMA_V0_MAX_CHANNELS];
} DwEdmaV0Dir;

/*
 * Embedded in the controller's state; only dw-edma-v0.c touches the
 * fields.
 */
typedef struct DwEdmaV0 {
    MemoryRegion mmio;
    QEMUBH *bh;
    qemu_irq irq;
    DwEdmaPciRw *pci_rw;
    void *opaque;
    AddressSpace *local_as; /* local memory and the linked lists */
    uint8_t *bounce;       /* copy buffer of the transfers */
    unsigned nr_ch[2];     /* write, read */
    uint32_t arb_prior;
    DwEdmaV0Dir dir[2];    /* write, read */
    bool level;            /* what irq was last set to */
} DwEdmaV0;

/**
 * dw_edma_v0_init: set up an embedded eDMA block
 * @e: the block, embedded in @owner's state
 * @owner: the controller device; it owns the MMIO region, and its
 *   re-entrancy guard keeps a transfer aimed at its own MMIO regions from
 *   re-entering them (such a transfer aborts)
 * @wr_channels: write channels, 1..DW_EDMA_V0_MAX_CHANNELS (CTRL [3:0])
 * @rd_channels: read channels, 1..DW_EDMA_V0_MAX_CHANNELS (CTRL [19:16])
 * @irq: the level interrupt ("dma")
 * @local_as: where the local side of the transfers and the linked-list
 *   elements are read and written: &address_space_memory, or the IOMMU's
 *   address space of a controller behind one
 * @pci_rw: access to host (PCI) memory; called from a bottom half with
 *   the BQL held, with at most 64 KiB at a time
 * @opaque: passed to @pci_rw
 *
 * The block starts at power-on values with the interrupt not driven; the
 * controller calls dw_edma_v0_reset() from its own reset.
 */
void dw_edma_v0_init(DwEdmaV0 *e, Object *owner, unsigned wr_channels,
                     unsigned rd_channels, qemu_irq irq,
                     AddressSpace *local_as, DwEdmaPciRw *pci_rw,
                     void *opaque);

/* The register block, DW_EDMA_V0_MMIO_SIZE (0x2000) bytes. */
MemoryRegion *dw_edma_v0_mmio(DwEdmaV0 *e);

/* Power-on values, transfers in flight dropped; deasserts the interrupt. */
void dw_edma_v0_reset(DwEdmaV0 *e);

/* Free what dw_edma_v0_init() allocated (the owner's unrealize/finalize). */
void dw_edma_v0_cleanup(DwEdmaV0 *e);

#endif /* HW_MISC_DW_EDMA_V0_H */
