/*
 * vNTB lab: DesignWare PCIe iATU, unrolled register map
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The iATU of a DesignWare PCIe controller (core 5.40a) in the unrolled
 * layout, 8 outbound and 8 inbound regions, as Linux's DesignWare core
 * probes and programs it in endpoint mode:
 *
 *   0x000 + 0x200 * i   outbound region i        (i = 0 .. 7)
 *   0x100 + 0x200 * i   inbound region i
 *
 *   region +0x00 CTRL1    [4:0] type (0 memory), [8] TD,
 *                         [13] INCREASE_REGION_SIZE, [22:20] function
 *          +0x04 CTRL2    [31] ENABLE, [30] BAR match mode (inbound),
 *                         [27] DMA bypass, [19] function match,
 *                         [10:8] BAR (inbound, BAR match mode)
 *          +0x08 LBASE    CPU (outbound) / PCI (inbound) base, low
 *          +0x0c UBASE    high
 *          +0x10 LIMIT    last address of the region, low 32 bits
 *          +0x14 LTARGET  PCI (outbound) / CPU (inbound) target, low
 *          +0x18 UTARGET  high
 *          +0x20 ULIMIT   [7:0] high bits of LIMIT when CTRL1 [13] is set
 *
 * Every register reads back what was written, so that the driver's probe
 * finds all regions (LTARGET echo), except that regions have a 4 KiB
 * granularity, as on R-Car S4 and i.MX95: the low 12 bits of LIMIT read
 * as ones and those of LBASE as zeros (the driver reads a 4 KiB alignment
 * from LIMIT); ULIMIT keeps 8 bits, a 40-bit region limit. An ENABLE
 * write takes effect at once (the driver polls for it). Other offsets
 * read 0 and ignore writes.
 *
 * Only what the endpoint side uses is translated: outbound memory regions
 * and inbound regions in BAR match mode. Inbound address match mode needs
 * the BAR addresses the host assigned, which the link does not carry.
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/bitops.h"
#include "dw-pcie-atu.h"

#define DW_PCIE_ATU_REGION_STRIDE   0x200
#define DW_PCIE_ATU_IB_OFFSET       0x100

#define DW_PCIE_ATU_CTRL1           0x00
#define  DW_PCIE_ATU_CTRL1_TYPE     0x1f
#define  DW_PCIE_ATU_TYPE_MEM       0x0
#define  DW_PCIE_ATU_CTRL1_INCREASE (1u << 13)
#define DW_PCIE_ATU_CTRL2           0x04
#define  DW_PCIE_ATU_CTRL2_ENABLE   (1u << 31)
#define  DW_PCIE_ATU_CTRL2_BAR_MODE (1u << 30)
#define  DW_PCIE_ATU_CTRL2_BAR_SHIFT 8
#define  DW_PCIE_ATU_CTRL2_BAR_MASK 0x7
#define DW_PCIE_ATU_LBASE           0x08
#define DW_PCIE_ATU_UBASE           0x0c
#define DW_PCIE_ATU_LIMIT           0x10
#define DW_PCIE_ATU_LTARGET         0x14
#define DW_PCIE_ATU_UTARGET         0x18
#define DW_PCIE_ATU_ULIMIT          0x20
#define  DW_PCIE_ATU_ULIMIT_MASK    0xff

/* Region granularity: the low bits of LBASE and LIMIT are fixed */
#define DW_PCIE_ATU_GRANULE_MASK    0xfffu

#define DW_PCIE_ATU_NUM_BARS        6

static uint32_t *dw_pcie_atu_reg(DwPcieAtuRegion *r, hwaddr reg)
{
    switch (reg) {
    case DW_PCIE_ATU_CTRL1:
        return &r->ctrl1;
    case DW_PCIE_ATU_CTRL2:
        return &r->ctrl2;
    case DW_PCIE_ATU_LBASE:
        return &r->lbase;
    case DW_PCIE_ATU_UBASE:
        return &r->ubase;
    case DW_PCIE_ATU_LIMIT:
        return &r->limit;
    case DW_PCIE_ATU_LTARGET:
        return &r->ltarget;
    case DW_PCIE_ATU_UTARGET:
        return &r->utarget;
    case DW_PCIE_ATU_ULIMIT:
        return &r->ulimit;
    }
    return NULL;
}

/* The last address of outbound region @r. */
static uint64_t dw_pcie_atu_limit(const DwPcieAtuRegion *r)
{
    uint32_t hi = r->ubase;

    if (r->ctrl1 & DW_PCIE_ATU_CTRL1_INCREASE) {
        hi = r->ulimit;
    }
    return deposit64(r->limit, 32, 32, hi);
}

static uint64_t dw_pcie_atu_base(const DwPcieAtuRegion *r)
{
    return deposit64(r->lbase, 32, 32, r->ubase);
}

static uint64_t dw_pcie_atu_target(const DwPcieAtuRegion *r)
{
    return deposit64(r->ltarget, 32, 32, r->utarget);
}

/* Say what an enabled region cannot do; its registers are kept. */
static void dw_pcie_atu_check(DwPcieAtuRegion *r, bool inbound,
                              unsigned index)
{
    const char *dir = inbound ? "inbound" : "outbound";
    unsigned bar;

    if (!(r->ctrl2 & DW_PCIE_ATU_CTRL2_ENABLE)) {
        return;
    }
    if ((r->ctrl1 & DW_PCIE_ATU_CTRL1_TYPE) != DW_PCIE_ATU_TYPE_MEM) {
        qemu_log_mask(LOG_UNIMP, "dw-pcie-ep: iATU %s region %u: type 0x%x"
                      " not modelled, only memory; region ignored\n", dir,
                      index, r->ctrl1 & DW_PCIE_ATU_CTRL1_TYPE);
        return;
    }
    if (inbound) {
        bar = (r->ctrl2 >> DW_PCIE_ATU_CTRL2_BAR_SHIFT) &
              DW_PCIE_ATU_CTRL2_BAR_MASK;
        if (!(r->ctrl2 & DW_PCIE_ATU_CTRL2_BAR_MODE)) {
            qemu_log_mask(LOG_UNIMP, "dw-pcie-ep: iATU inbound region %u:"
                          " address match mode not modelled, only BAR"
                          " match; region ignored\n", index);
        } else if (bar >= DW_PCIE_ATU_NUM_BARS) {
            qemu_log_mask(LOG_GUEST_ERROR, "dw-pcie-ep: iATU inbound region"
                          " %u matches BAR%u, which does not exist\n", index,
                          bar);
        }
        return;
    }
    if (dw_pcie_atu_limit(r) < dw_pcie_atu_base(r)) {
        qemu_log_mask(LOG_GUEST_ERROR, "dw-pcie-ep: iATU outbound region %u:"
                      " limit 0x%" PRIx64 " below base 0x%" PRIx64 "; region"
                      " ignored\n", index, dw_pcie_atu_limit(r),
                      dw_pcie_atu_base(r));
    }
}

/*
 * Decode @addr: the region, its direction and the register offset in it.
 * Returns NULL for an offset past the regions.
 */
static DwPcieAtuRegion *dw_pcie_atu_decode(DwPcieAtu *a, hwaddr addr,
                                           bool *inbound, unsigned *index,
                                           hwaddr *reg)
{
    hwaddr off = addr % DW_PCIE_ATU_REGION_STRIDE;

    *index = addr / DW_PCIE_ATU_REGION_STRIDE;
    *inbound = off >= DW_PCIE_ATU_IB_OFFSET;
    *reg = off % DW_PCIE_ATU_IB_OFFSET;
    if (*index >= DW_PCIE_ATU_REGIONS) {
        return NULL;
    }
    return *inbound ? &a->ib[*index] : &a->ob[*index];
}

static uint64_t dw_pcie_atu_read(void *opaque, hwaddr addr, unsigned size)
{
    DwPcieAtu *a = opaque;
    DwPcieAtuRegion *r;
    unsigned index;
    uint32_t *reg;
    bool inbound;
    hwaddr off;

    if (size != 4 || (addr & 3)) {
        qemu_log_mask(LOG_GUEST_ERROR, "dw-pcie-ep: %u-byte iATU read at 0x%"
                      HWADDR_PRIx ": aligned 32-bit accesses only\n", size,
                      addr);
        return 0;
    }
    r = dw_pcie_atu_decode(a, addr, &inbound, &index, &off);
    reg = r ? dw_pcie_atu_reg(r, off) : NULL;
    return reg ? *reg : 0;
}

static void dw_pcie_atu_write(void *opaque, hwaddr addr, uint64_t val,
                              unsigned size)
{
    DwPcieAtu *a = opaque;
    DwPcieAtuRegion *r;
    unsigned index;
    uint32_t *reg;
    bool inbound;
    hwaddr off;

    if (size != 4 || (addr & 3)) {
        qemu_log_mask(LOG_GUEST_ERROR, "dw-pcie-ep: %u-byte iATU write at 0x%"
                      HWADDR_PRIx ": aligned 32-bit accesses only\n", size,
                      addr);
        return;
    }
    r = dw_pcie_atu_decode(a, addr, &inbound, &index, &off);
    reg = r ? dw_pcie_atu_reg(r, off) : NULL;
    if (!reg) {
        qemu_log_mask(LOG_UNIMP, "dw-pcie-ep: write of 0x%" PRIx64 " to iATU"
                      " offset 0x%" HWADDR_PRIx " not modelled; ignored\n",
                      val, addr);
        return;
    }
    switch (off) {
    case DW_PCIE_ATU_ULIMIT:
        val &= DW_PCIE_ATU_ULIMIT_MASK;
        break;
    case DW_PCIE_ATU_LIMIT:
        val |= DW_PCIE_ATU_GRANULE_MASK;
        break;
    case DW_PCIE_ATU_LBASE:
        val &= ~DW_PCIE_ATU_GRANULE_MASK;
        break;
    }
    *reg = val;
    if (off == DW_PCIE_ATU_CTRL2) {
        dw_pcie_atu_check(r, inbound, index);
    }
    a->changed(a->opaque, inbound, index);
}

static const MemoryRegionOps dw_pcie_atu_ops = {
    .read = dw_pcie_atu_read,
    .write = dw_pcie_atu_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    /* Every size reaches the handlers, which log and ignore bad ones. */
    .valid = {
        .min_access_size = 1,
        .max_access_size = 8,
        .unaligned = true,
    },
    .impl = {
        .min_access_size = 1,
        .max_access_size = 8,
        .unaligned = true,
    },
};

bool dw_pcie_atu_ib_bar(DwPcieAtu *a, unsigned bar, uint64_t *target)
{
    const uint32_t want = DW_PCIE_ATU_CTRL2_ENABLE | DW_PCIE_ATU_CTRL2_BAR_MODE;
    unsigned i;

    for (i = 0; i < DW_PCIE_ATU_REGIONS; i++) {
        DwPcieAtuRegion *r = &a->ib[i];

        if ((r->ctrl2 & want) == want &&
            (r->ctrl1 & DW_PCIE_ATU_CTRL1_TYPE) == DW_PCIE_ATU_TYPE_MEM &&
            ((r->ctrl2 >> DW_PCIE_ATU_CTRL2_BAR_SHIFT) &
             DW_PCIE_ATU_CTRL2_BAR_MASK) == bar) {
            *target = dw_pcie_atu_target(r);
            return true;
        }
    }
    return false;
}

bool dw_pcie_atu_ob_window(DwPcieAtu *a, unsigned index, uint64_t *cpu,
                           uint64_t *size, uint64_t *pci)
{
    DwPcieAtuRegion *r = &a->ob[index];
    uint64_t base = dw_pcie_atu_base(r);
    uint64_t limit = dw_pcie_atu_limit(r);

    if (!(r->ctrl2 & DW_PCIE_ATU_CTRL2_ENABLE) ||
        (r->ctrl1 & DW_PCIE_ATU_CTRL1_TYPE) != DW_PCIE_ATU_TYPE_MEM ||
        limit < base || limit - base == UINT64_MAX) {
        return false;
    }
    *cpu = base;
    *size = limit - base + 1;
    *pci = dw_pcie_atu_target(r);
    return true;
}

void dw_pcie_atu_reset(DwPcieAtu *a)
{
    unsigned i;

    memset(a->ob, 0, sizeof(a->ob));
    memset(a->ib, 0, sizeof(a->ib));
    for (i = 0; i < DW_PCIE_ATU_REGIONS; i++) {
        a->ob[i].limit = DW_PCIE_ATU_GRANULE_MASK;
        a->ib[i].limit = DW_PCIE_ATU_GRANULE_MASK;
    }
}

void dw_pcie_atu_init(DwPcieAtu *a, Object *owner, DwPcieAtuChanged *changed,
                      void *opaque)
{
    a->changed = changed;
    a->opaque = opaque;
    memory_region_init_io(&a->mmio, owner, &dw_pcie_atu_ops, a,
                          "dw-pcie-ep-atu", DW_PCIE_ATU_MMIO_SIZE);
    dw_pcie_atu_reset(a);
}
