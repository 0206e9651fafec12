/*
 * vNTB lab: DesignWare PCIe iATU, unrolled register map
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The address translation unit of a DesignWare PCIe controller as its
 * registers behave: values read back, region enables take effect at once.
 * The controller model (dw-pcie-ep) embeds a DwPcieAtu, maps its MMIO
 * region, is told of every register change and asks it for the regions
 * that are in effect. See dw-pcie-atu.c for the register map.
 */

#ifndef HW_MISC_DW_PCIE_ATU_H
#define HW_MISC_DW_PCIE_ATU_H

#include "exec/memory.h"
#include "qom/object.h"

/* Regions per direction, and the size of the register block they fill */
#define DW_PCIE_ATU_REGIONS         8
#define DW_PCIE_ATU_MMIO_SIZE       0x1000

typedef struct DwPcieAtuRegion {
    uint32_t ctrl1;
    uint32_t ctrl2;
    uint32_t lbase;
    uint32_t ubase;
    uint32_t limit;
    uint32_t ltarget;
    uint32_t utarget;
    uint32_t ulimit;
} DwPcieAtuRegion;

/* A register of region @index changed (@inbound: an inbound region). */
typedef void DwPcieAtuChanged(void *opaque, bool inbound, unsigned index);

/* Embedded in the controller's state; only dw-pcie-atu.c touches fields. */
typedef struct DwPcieAtu {
    MemoryRegion mmio;
    DwPcieAtuChanged *changed;
    void *opaque;
    DwPcieAtuRegion ob[DW_PCIE_ATU_REGIONS];
    DwPcieAtuRegion ib[DW_PCIE_ATU_REGIONS];
} DwPcieAtu;

void dw_pcie_atu_init(DwPcieAtu *a, Object *owner, DwPcieAtuChanged *changed,
                      void *opaque);
/* Every region disabled and cleared; no change is reported. */
void dw_pcie_atu_reset(DwPcieAtu *a);

/*
 * The enabled inbound region in BAR match mode for BAR @bar, if any (the
 * lowest numbered one): *@target is the endpoint address BAR offset 0
 * maps onto.
 */
bool dw_pcie_atu_ib_bar(DwPcieAtu *a, unsigned bar, uint64_t *target);

/*
 * Outbound region @index, if it is enabled and translates memory
 * requests: CPU addresses *@cpu .. *@cpu + *@size - 1 map onto PCI
 * addresses from *@pci.
 */
bool dw_pcie_atu_ob_window(DwPcieAtu *a, unsigned index, uint64_t *cpu,
                           uint64_t *size, uint64_t *pci);

#endif
