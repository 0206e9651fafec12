/*
 * vNTB lab: emulated PCIe endpoint controller (lab-epc)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A PCI device of the endpoint machine that plays the role of a real
 * endpoint controller: the endpoint's software programs, through BAR0, the
 * PCI function that a host machine (running lab-epf, in another QEMU
 * process) sees, maps that function's BARs onto endpoint memory (inbound)
 * and reaches host memory through windows of the BAR2 aperture (outbound).
 *
 * Inbound accesses to endpoint memory are done as DMA of this device, so
 * with "-M virt,iommu=smmuv3" the SMMU translates and checks them as it
 * would for a real controller. Without an IOMMU, BARs that map endpoint
 * RAM take a fast path: the host maps the RAM itself.
 *
 * Register map and semantics: Documentation/lab/emulated-link.rst in the
 * vntb tree; wire protocol: lab-link.h.
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/log.h"
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "qemu/bswap.h"
#include "qemu/bitops.h"
#include "qemu/host-utils.h"
#include "qapi/error.h"
#include "hw/pci/pci.h"
#include "hw/pci/msi.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "sysemu/hostmem.h"
#include "sysemu/sysemu.h"
#include "exec/address-spaces.h"
#include "qom/object.h"
#include "lab-ep.h"

#define TYPE_LAB_EPC "lab-epc"
OBJECT_DECLARE_SIMPLE_TYPE(LabEpcState, LAB_EPC)

#define LAB_EPC_VENDOR_ID           PCI_VENDOR_ID_QEMU
#define LAB_EPC_DEVICE_ID           0xe9c1

/*
 * BAR0 register map (all registers 32-bit):
 *
 *   0x0000 +-------------------------+
 *          | identity, link, events, |
 *          | header, MSI, INTx       |
 *   0x0100 +-------------------------+
 *          | inbound BAR 0..5        |  0x20 each
 *   0x0300 +-------------------------+
 *          | outbound window 0..15   |  0x20 each
 *   0x0500 +-------------------------+
 *          | (unused, reads 0)       |
 *   0x1000 +-------------------------+
 *          | embedded doorbell       |  DB_RING, DB_CLEAR
 *   0x2000 +-------------------------+
 */
#define LAB_EPC_REGS_SIZE           (8 * KiB)

#define LAB_EPC_ID                  0x0000
#define  LAB_EPC_ID_VALUE           0x4c455043      /* "LEPC" */
#define LAB_EPC_VERSION             0x0004
#define  LAB_EPC_VERSION_VALUE      1
#define LAB_EPC_CAPS                0x0008
#define  LAB_EPC_CAPS_BAR_PAIRS     (1u << 8)
#define  LAB_EPC_CAPS_DOORBELL      (1u << 9)
#define  LAB_EPC_CAPS_DB_FIXED      (1u << 10)
#define  LAB_EPC_CAPS_DB_BAR_SHIFT  12              /* [14:12] */
#define LAB_EPC_APERTURE_LOG2       0x000c
#define LAB_EPC_CTRL                0x0010
#define  LAB_EPC_CTRL_LINK_ENABLE   (1u << 0)
#define LAB_EPC_STATUS              0x0014
#define  LAB_EPC_STATUS_LINK_UP     (1u << 0)
#define  LAB_EPC_STATUS_HOST        (1u << 1)
#define LAB_EPC_EVENT               0x0018
#define LAB_EPC_EVENT_MASK          0x001c
#define  LAB_EPC_EVENT_LINK_CHANGE  (1u << 0)
#define  LAB_EPC_EVENT_HOST_MSI     (1u << 1)
#define  LAB_EPC_EVENT_ALL          (LAB_EPC_EVENT_LINK_CHANGE | \
                                     LAB_EPC_EVENT_HOST_MSI)
#define LAB_EPC_HDR_ID              0x0020
#define LAB_EPC_HDR_CLASS           0x0024
#define LAB_EPC_HDR_SUBSYS          0x0028
#define LAB_EPC_HDR_MISC            0x002c
#define  LAB_EPC_HDR_MISC_PIN       0xff
#define  LAB_EPC_MAX_INTX_PIN       4               /* INTD */
#define LAB_EPC_MSI_CAP             0x0030
#define LAB_EPC_HOST_MSI            0x0034
#define LAB_EPC_MSI_RAISE           0x0038
#define LAB_EPC_INTX                0x003c
#define  LAB_EPC_INTX_LEVEL         (1u << 0)

#define LAB_EPC_IB_BASE             0x0100
#define LAB_EPC_IB_STRIDE           0x20
#define LAB_EPC_IB_END              (LAB_EPC_IB_BASE + \
                                     LAB_LINK_NUM_BARS * LAB_EPC_IB_STRIDE)
#define  LAB_EPC_IB_TARGET_LO       0x00
#define  LAB_EPC_IB_TARGET_HI       0x04
#define  LAB_EPC_IB_SIZE_LO         0x08
#define  LAB_EPC_IB_SIZE_HI         0x0c
#define  LAB_EPC_IB_FLAGS           0x10

#define LAB_EPC_NUM_WINDOWS         16
#define LAB_EPC_OB_BASE             0x0300
#define LAB_EPC_OB_STRIDE           0x20
#define LAB_EPC_OB_END              (LAB_EPC_OB_BASE + \
                                     LAB_EPC_NUM_WINDOWS * LAB_EPC_OB_STRIDE)
#define  LAB_EPC_OB_APER_LO         0x00
#define  LAB_EPC_OB_APER_HI         0x04
#define  LAB_EPC_OB_PCI_LO          0x08
#define  LAB_EPC_OB_PCI_HI          0x0c
#define  LAB_EPC_OB_SIZE_LO         0x10
#define  LAB_EPC_OB_SIZE_HI         0x14
#define  LAB_EPC_OB_CTRL            0x18
#define  LAB_EPC_OB_CTRL_ENABLE     (1u << 0)

/*
 * The embedded doorbell, modelled on the DesignWare eDMA interrupt
 * emulation: any write to DB_RING asserts a level interrupt and does
 * nothing else; any write to DB_CLEAR deasserts it. Offsets are relative
 * to the doorbell page, which is BAR0 + LAB_EPC_DB_BASE for the endpoint
 * and the whole of the fixed doorbell BAR (db-bar) for the host.
 */
#define LAB_EPC_DB_BASE             0x1000
#define LAB_EPC_DB_SIZE             (4 * KiB)
#define  LAB_EPC_DB_RING            0x000   /* reads 1 while asserted */
#define  LAB_EPC_DB_CLEAR           0x004   /* reads 0 */
#define  LAB_EPC_DB_NO_BAR          (-1)

/* MSI vectors the controller raises in the endpoint machine */
#define LAB_EPC_MSI_EVENT           0
#define LAB_EPC_MSI_DOORBELL        1
#define LAB_EPC_MSI_VECTORS         2

#define LAB_EPC_BAR_REGS            0
#define LAB_EPC_BAR_APERTURE        2

/* The aperture must hold at least a page and fit a 64-bit BAR easily. */
#define LAB_EPC_APERTURE_MIN        (4 * KiB)
#define LAB_EPC_APERTURE_MAX        (64 * GiB)

/* Longest the controller blocks sending to a host that does not read */
#define LAB_EPC_SEND_TIMEOUT_MS     1000

typedef struct LabEpcInbound {
    /* TARGET and SIZE as last written, committed by a FLAGS write */
    uint64_t target;
    uint64_t size;
    /* The committed state */
    uint64_t cur_target;
    uint64_t cur_size;
    uint32_t cur_flags;
} LabEpcInbound;

typedef struct LabEpcOutbound {
    /* APER, PCI and SIZE as last written, committed by a CTRL write */
    uint64_t aper;
    uint64_t pci;
    uint64_t size;
    /* The committed state */
    uint64_t cur_aper;
    uint64_t cur_pci;
    uint64_t cur_size;
    bool enabled;
    /* Mapped while enabled and a host is connected */
    bool mapped;
    MemoryRegion alias;
} LabEpcOutbound;

struct LabEpcState {
    PCIDevice parent_obj;

    /* Properties */
    char *socket_path;
    HostMemoryBackend *memdev;
    uint64_t ram_base;
    uint64_t aperture_size;
    bool bar_pairs;             /* only 64-bit BARs: 0, 2 and 4 */
    int32_t db_bar;             /* BAR fixed onto the doorbell, or -1 */

    MemoryRegion regs;
    MemoryRegion aperture;

    /* Socket, host connection, endpoint and host RAM */
    LabEp ep;

    /* Registers */
    uint32_t ctrl;
    uint32_t status;
    uint32_t event;
    uint32_t event_mask;
    uint32_t hdr_id;
    uint32_t hdr_class;
    uint32_t hdr_subsys;
    uint32_t hdr_misc;
    uint32_t msi_cap;
    uint32_t host_msi;
    uint32_t intx;
    LabEpcInbound ib[LAB_LINK_NUM_BARS];
    LabEpcOutbound ob[LAB_EPC_NUM_WINDOWS];
    bool db_asserted;           /* level of the doorbell interrupt */
};

static bool lab_epc_host_connected(LabEpcState *s)
{
    return lab_ep_host_connected(&s->ep);
}

static bool lab_epc_link_up(LabEpcState *s)
{
    return s->status & LAB_EPC_STATUS_LINK_UP;
}

/* Events and interrupts in the endpoint machine */

static void lab_epc_notify(LabEpcState *s, unsigned vector)
{
    PCIDevice *pdev = PCI_DEVICE(s);

    if (msi_enabled(pdev) && vector < msi_nr_vectors_allocated(pdev)) {
        msi_notify(pdev, vector);
    }
}

static void lab_epc_raise_event(LabEpcState *s, uint32_t event)
{
    s->event |= event;
    if (event & s->event_mask) {
        lab_epc_notify(s, LAB_EPC_MSI_EVENT);
    }
}

static uint32_t lab_epc_compute_status(LabEpcState *s)
{
    uint32_t status = 0;

    if (lab_epc_host_connected(s)) {
        status |= LAB_EPC_STATUS_HOST;
        if ((s->ctrl & LAB_EPC_CTRL_LINK_ENABLE) &&
            lab_ep_link_possible(&s->ep)) {
            status |= LAB_EPC_STATUS_LINK_UP;
        }
    }
    return status;
}

/*
 * Recompute STATUS after a change of CTRL or of the host connection.
 * @tell_host: send the host a LINK message if LINK_UP changed.
 * @event: raise LINK_CHANGE if STATUS changed.
 */
static void lab_epc_update_status(LabEpcState *s, bool tell_host, bool event)
{
    uint32_t old = s->status;

    s->status = lab_epc_compute_status(s);
    if (s->status == old) {
        return;
    }
    if (tell_host && ((old ^ s->status) & LAB_EPC_STATUS_LINK_UP)) {
        lab_ep_send_value(&s->ep, LAB_MSG_LINK, lab_epc_link_up(s));
        if (lab_epc_link_up(s) && (s->intx & LAB_EPC_INTX_LEVEL)) {
            lab_ep_send_value(&s->ep, LAB_MSG_INTX, 1);
        }
    }
    if (event) {
        lab_epc_raise_event(s, LAB_EPC_EVENT_LINK_CHANGE);
    }
}

static void lab_epc_set_host_msi(LabEpcState *s, uint32_t host_msi)
{
    if (s->host_msi != host_msi) {
        s->host_msi = host_msi;
        lab_epc_raise_event(s, LAB_EPC_EVENT_HOST_MSI);
    }
}

/*
 * The embedded doorbell. The interrupt is a level one, which MSI vector
 * LAB_EPC_MSI_DOORBELL emulates by being sent on each rising edge: a ring
 * while the level is already high sends nothing, a ring after a clear
 * sends a new MSI. The endpoint's software clears the level before it
 * looks for work: a ring that its look may miss comes after the clear and
 * sends a new MSI.
 */

static void lab_epc_db_ring(LabEpcState *s)
{
    if (!s->db_asserted) {
        s->db_asserted = true;
        lab_epc_notify(s, LAB_EPC_MSI_DOORBELL);
    }
}

/*
 * Accesses to the doorbell page, from the endpoint's CPUs (BAR0) or from
 * the host (the fixed doorbell BAR). @who names the accessor in logs.
 * Return false for an access the page refuses.
 */
static bool lab_epc_db_read(LabEpcState *s, const char *who, hwaddr off,
                            unsigned size, uint32_t *val)
{
    if (size != 4 || (off & 3)) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: %s %u-byte read at doorbell +0x%"
                      HWADDR_PRIx ": aligned 32-bit accesses only\n",
                      TYPE_LAB_EPC, who, size, off);
        return false;
    }
    *val = off == LAB_EPC_DB_RING ? s->db_asserted : 0;
    return true;
}

static bool lab_epc_db_write(LabEpcState *s, const char *who, hwaddr off,
                             unsigned size)
{
    if (size != 4 || (off & 3)) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: %s %u-byte write at doorbell +0x%"
                      HWADDR_PRIx ": aligned 32-bit accesses only\n",
                      TYPE_LAB_EPC, who, size, off);
        return false;
    }
    switch (off) {
    case LAB_EPC_DB_RING:
        /* The value is ignored, as DesignWare's interrupt emulation does. */
        lab_epc_db_ring(s);
        return true;
    case LAB_EPC_DB_CLEAR:
        s->db_asserted = false;
        return true;
    }
    qemu_log_mask(LOG_GUEST_ERROR, "%s: %s write at doorbell +0x%" HWADDR_PRIx
                  ": no such register\n", TYPE_LAB_EPC, who, off);
    return false;
}

/* Inbound: host accesses to the function's BARs */

static bool lab_epc_is_db_bar(LabEpcState *s, unsigned n)
{
    return s->db_bar != LAB_EPC_DB_NO_BAR && n == (unsigned)s->db_bar;
}

/*
 * The fixed doorbell BAR: always enabled, 4 KiB, 64-bit on a controller
 * with 64-bit BARs only. Its accesses never become DMA: the doorbell page
 * is the controller's own register, reached from its PCIe side.
 */
static void lab_epc_db_bar_init(LabEpcState *s)
{
    LabEpcInbound *ib;

    if (s->db_bar == LAB_EPC_DB_NO_BAR) {
        return;
    }
    ib = &s->ib[s->db_bar];
    memset(ib, 0, sizeof(*ib));
    ib->size = LAB_EPC_DB_SIZE;
    ib->cur_size = LAB_EPC_DB_SIZE;
    ib->cur_flags = LAB_LINK_BAR_ENABLE |
                    (s->bar_pairs ? LAB_LINK_BAR_MEM64 : 0);
}

static bool lab_epc_has_iommu(LabEpcState *s)
{
    return pci_device_iommu_address_space(PCI_DEVICE(s)) !=
           &address_space_memory;
}

/* Describe BAR @n for the host, choosing the path its accesses take. */
static void lab_epc_bar_desc(LabEpcState *s, unsigned n, LabLinkBar *bar)
{
    LabEpcInbound *ib = &s->ib[n];
    LabLinkPath path = LAB_PATH_FAST;

    /*
     * The doorbell is the controller's own register; with an IOMMU, every
     * access must go through it as DMA of the controller.
     */
    if (lab_epc_is_db_bar(s, n) || lab_epc_has_iommu(s)) {
        path = LAB_PATH_MESSAGE;
    }
    lab_ep_bar_desc(&s->ep, bar, ib->cur_flags, ib->cur_size, path,
                    ib->cur_target);
}

static void lab_epc_send_bar(LabEpcState *s, unsigned n)
{
    LabLinkBar bar;

    lab_epc_bar_desc(s, n, &bar);
    lab_ep_send_bar(&s->ep, n, &bar);
}

/* Commit inbound entry @n: a write of @flags to its FLAGS register. */
static void lab_epc_ib_commit(LabEpcState *s, unsigned n, uint32_t flags)
{
    LabEpcInbound *ib = &s->ib[n];

    if (lab_epc_is_db_bar(s, n)) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: BAR%u is fixed onto the"
                      " doorbell; FLAGS 0x%x ignored\n", TYPE_LAB_EPC, n,
                      flags);
        return;
    }
    if (flags & ~LAB_LINK_BAR_FLAGS) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "%s: BAR%u: unknown FLAGS bits 0x%x ignored\n",
                      TYPE_LAB_EPC, n, flags & ~LAB_LINK_BAR_FLAGS);
        flags &= LAB_LINK_BAR_FLAGS;
    }

    if (flags & LAB_LINK_BAR_ENABLE) {
        /*
         * Controllers such as i.MX8's and R-Car S4's only have 64-bit
         * BARs; bar-pairs=on models them.
         */
        if (s->bar_pairs && ((n & 1) || !(flags & LAB_LINK_BAR_MEM64))) {
            qemu_log_mask(LOG_GUEST_ERROR,
                          "%s: BAR%u: this controller only has 64-bit"
                          " BARs 0, 2 and 4\n", TYPE_LAB_EPC, n);
            return;
        }
        if (n > 0 && (s->ib[n - 1].cur_flags & LAB_LINK_BAR_ENABLE) &&
            (s->ib[n - 1].cur_flags & LAB_LINK_BAR_MEM64)) {
            qemu_log_mask(LOG_GUEST_ERROR,
                          "%s: BAR%u is the upper half of 64-bit BAR%u\n",
                          TYPE_LAB_EPC, n, n - 1);
            return;
        }
        if ((flags & LAB_LINK_BAR_MEM64) && n == LAB_LINK_NUM_BARS - 1) {
            qemu_log_mask(LOG_GUEST_ERROR,
                          "%s: BAR%u cannot be 64-bit: no BAR above it\n",
                          TYPE_LAB_EPC, n);
            return;
        }
        if ((flags & LAB_LINK_BAR_MEM64) &&
            (s->ib[n + 1].cur_flags & LAB_LINK_BAR_ENABLE)) {
            qemu_log_mask(LOG_GUEST_ERROR,
                          "%s: BAR%u cannot be 64-bit: BAR%u is enabled\n",
                          TYPE_LAB_EPC, n, n + 1);
            return;
        }
        if (!is_power_of_2(ib->size) || ib->size < LAB_LINK_BAR_MIN_SIZE ||
            ib->size > LAB_LINK_BAR_MAX_SIZE) {
            qemu_log_mask(LOG_GUEST_ERROR,
                          "%s: BAR%u: size 0x%" PRIx64 " is not a power of"
                          " two from 0x%llx to 0x%llx\n", TYPE_LAB_EPC, n,
                          ib->size, LAB_LINK_BAR_MIN_SIZE,
                          LAB_LINK_BAR_MAX_SIZE);
            return;
        }
        ib->cur_target = ib->target;
        ib->cur_size = ib->size;
        ib->cur_flags = flags;
    } else {
        ib->cur_target = 0;
        ib->cur_size = 0;
        ib->cur_flags = 0;
    }
    lab_epc_send_bar(s, n);
}

/*
 * Check a host access to BAR @n and return the bus address it targets,
 * or false if it must fail.
 */
static bool lab_epc_inbound_addr(LabEpcState *s, const char *what, unsigned n,
                                 uint64_t offset, unsigned size,
                                 dma_addr_t *addr)
{
    LabEpcInbound *ib;

    if (n >= LAB_LINK_NUM_BARS || (size != 1 && size != 2 && size != 4 &&
                                   size != 8)) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: host %s of %u bytes at BAR%u:"
                      " malformed\n", TYPE_LAB_EPC, what, size, n);
        return false;
    }
    if (!lab_epc_link_up(s)) {
        return false;
    }
    ib = &s->ib[n];
    if (!(ib->cur_flags & LAB_LINK_BAR_ENABLE) || offset >= ib->cur_size ||
        size > ib->cur_size - offset) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: host %s at BAR%u + 0x%" PRIx64
                      ": outside the BAR\n", TYPE_LAB_EPC, what, n, offset);
        return false;
    }
    *addr = ib->cur_target + offset;
    return true;
}

static bool lab_epc_bar_read(void *opaque, const LabLinkMemRead *req,
                             uint64_t *data)
{
    LabEpcState *s = opaque;
    uint64_t offset = le64_to_cpu(req->offset);
    uint8_t buf[8];
    dma_addr_t addr;
    uint32_t val;

    if (!lab_epc_inbound_addr(s, "read", req->bar, offset, req->size,
                              &addr)) {
        return false;
    }
    if (lab_epc_is_db_bar(s, req->bar)) {
        /* The controller's own register: no DMA, no IOMMU. */
        if (!lab_epc_db_read(s, "host", offset, req->size, &val)) {
            return false;
        }
        *data = val;
        return true;
    }
    if (pci_dma_read(PCI_DEVICE(s), addr, buf, req->size) != MEMTX_OK) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: host read at BAR%u + 0x%"
                      PRIx64 ": DMA read at 0x%" PRIx64 " failed\n",
                      TYPE_LAB_EPC, req->bar, offset, addr);
        return false;
    }
    *data = ldn_le_p(buf, req->size);
    return true;
}

static void lab_epc_bar_write(void *opaque, const LabLinkMemWrite *req)
{
    LabEpcState *s = opaque;
    uint64_t offset = le64_to_cpu(req->offset);
    uint8_t buf[8];
    dma_addr_t addr;

    if (!lab_epc_inbound_addr(s, "write", req->bar, offset, req->size,
                              &addr)) {
        return;
    }
    if (lab_epc_is_db_bar(s, req->bar)) {
        /* The controller's own register: no DMA, no IOMMU. */
        lab_epc_db_write(s, "host", offset, req->size);
        return;
    }
    stn_le_p(buf, req->size, le64_to_cpu(req->data));
    if (pci_dma_write(PCI_DEVICE(s), addr, buf, req->size) != MEMTX_OK) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: host write at BAR%u + 0x%" PRIx64
                      ": DMA write at 0x%" PRIx64 " failed\n", TYPE_LAB_EPC,
                      req->bar, offset, addr);
    }
}

/* Outbound: the aperture's windows onto host memory */

static void lab_epc_ob_unmap(LabEpcState *s, LabEpcOutbound *ob)
{
    if (ob->mapped) {
        memory_region_del_subregion(&s->aperture, &ob->alias);
        object_unparent(OBJECT(&ob->alias));
        ob->mapped = false;
    }
}

/*
 * Does any byte of @pci .. @pci + @size lie in host RAM? A window that
 * lies wholly outside it (the host's MSI address, say) posts its writes
 * to the host as HOST_WRITE messages; one that is partly in it is refused.
 */
static bool lab_epc_touches_host_ram(LabEpcState *s, uint64_t pci,
                                     uint64_t size)
{
    LabEpHostRam *hr = s->ep.host_ram;

    if (!hr) {
        return false;
    }
    return pci >= hr->base ? pci - hr->base < hr->size
                           : hr->base - pci < size;
}

/* Map window @n if it is enabled, a host is connected and it is RAM. */
static void lab_epc_ob_map(LabEpcState *s, unsigned n)
{
    LabEpcOutbound *ob = &s->ob[n];
    g_autofree char *name = NULL;
    uint64_t off;

    if (!ob->enabled || !lab_epc_host_connected(s) || ob->mapped) {
        return;
    }
    if (!lab_ep_host_range(&s->ep, ob->cur_pci, ob->cur_size, &off)) {
        if (lab_epc_touches_host_ram(s, ob->cur_pci, ob->cur_size)) {
            qemu_log_mask(LOG_GUEST_ERROR, "%s: window %u: host range 0x%"
                          PRIx64 " + 0x%" PRIx64 " is partly outside host"
                          " memory; not mapped\n", TYPE_LAB_EPC, n,
                          ob->cur_pci, ob->cur_size);
        }
        return;
    }
    name = g_strdup_printf("lab-epc-outbound%u", n);
    memory_region_init_alias(&ob->alias, OBJECT(s), name,
                             &s->ep.host_ram->mr, off, ob->cur_size);
    memory_region_add_subregion(&s->aperture, ob->cur_aper, &ob->alias);
    ob->mapped = true;
}

/* Commit outbound window @n: a write of @ctrl to its CTRL register. */
static void lab_epc_ob_commit(LabEpcState *s, unsigned n, uint32_t ctrl)
{
    LabEpcOutbound *ob = &s->ob[n];
    uint64_t off;
    unsigned i;

    if (ctrl & ~LAB_EPC_OB_CTRL_ENABLE) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "%s: window %u: unknown CTRL bits 0x%x ignored\n",
                      TYPE_LAB_EPC, n, ctrl & ~LAB_EPC_OB_CTRL_ENABLE);
    }

    if (ctrl & LAB_EPC_OB_CTRL_ENABLE) {
        if (!ob->size || ob->aper >= s->aperture_size ||
            ob->size > s->aperture_size - ob->aper) {
            qemu_log_mask(LOG_GUEST_ERROR, "%s: window %u: 0x%" PRIx64
                          " + 0x%" PRIx64 " is empty or outside the"
                          " 0x%" PRIx64 "-byte aperture\n", TYPE_LAB_EPC, n,
                          ob->aper, ob->size, s->aperture_size);
            return;
        }
        for (i = 0; i < LAB_EPC_NUM_WINDOWS; i++) {
            LabEpcOutbound *o = &s->ob[i];

            if (i != n && o->enabled && ob->aper < o->cur_aper + o->cur_size &&
                o->cur_aper < ob->aper + ob->size) {
                qemu_log_mask(LOG_GUEST_ERROR, "%s: window %u overlaps"
                              " window %u in the aperture\n",
                              TYPE_LAB_EPC, n, i);
                return;
            }
        }
        /*
         * Without a host the range is checked when one connects. A range
         * wholly outside host memory posts its writes (see above).
         */
        if (lab_epc_host_connected(s) &&
            !lab_ep_host_range(&s->ep, ob->pci, ob->size, &off) &&
            lab_epc_touches_host_ram(s, ob->pci, ob->size)) {
            qemu_log_mask(LOG_GUEST_ERROR, "%s: window %u: host range 0x%"
                          PRIx64 " + 0x%" PRIx64 " is partly outside host"
                          " memory\n", TYPE_LAB_EPC, n, ob->pci, ob->size);
            return;
        }
    }

    memory_region_transaction_begin();
    lab_epc_ob_unmap(s, ob);
    ob->enabled = ctrl & LAB_EPC_OB_CTRL_ENABLE;
    ob->cur_aper = ob->enabled ? ob->aper : 0;
    ob->cur_pci = ob->enabled ? ob->pci : 0;
    ob->cur_size = ob->enabled ? ob->size : 0;
    lab_epc_ob_map(s, n);
    memory_region_transaction_commit();
}

static uint64_t lab_epc_aperture_read(void *opaque, hwaddr addr,
                                      unsigned size)
{
    qemu_log_mask(LOG_GUEST_ERROR, "%s: aperture read at 0x%" HWADDR_PRIx
                  " hits no outbound window\n", TYPE_LAB_EPC, addr);
    return MAKE_64BIT_MASK(0, size * 8);
}

/*
 * A write that no RAM alias took: through a window onto host addresses
 * outside host RAM it goes to the host as a posted HOST_WRITE, which the
 * host's function performs as its own DMA (an MSI when it hits the MSI
 * address). Anything else hits no window.
 */
static void lab_epc_aperture_write(void *opaque, hwaddr addr, uint64_t val,
                                   unsigned size)
{
    LabEpcState *s = opaque;
    unsigned i;

    for (i = 0; i < LAB_EPC_NUM_WINDOWS; i++) {
        LabEpcOutbound *ob = &s->ob[i];
        LabLinkHostWrite msg;
        uint64_t pci;

        if (!ob->enabled || ob->mapped || addr < ob->cur_aper ||
            addr - ob->cur_aper >= ob->cur_size ||
            size > ob->cur_size - (addr - ob->cur_aper)) {
            continue;
        }
        pci = ob->cur_pci + (addr - ob->cur_aper);
        if (!lab_epc_host_connected(s) ||
            lab_epc_touches_host_ram(s, pci, size)) {
            return;
        }
        msg = (LabLinkHostWrite) {
            .addr = cpu_to_le64(pci),
            .size = size,
            .data = cpu_to_le64(val),
        };
        lab_ep_send(&s->ep, LAB_MSG_HOST_WRITE, &msg, sizeof(msg));
        return;
    }
    qemu_log_mask(LOG_GUEST_ERROR, "%s: aperture write at 0x%" HWADDR_PRIx
                  " hits no outbound window\n", TYPE_LAB_EPC, addr);
}

static const MemoryRegionOps lab_epc_aperture_ops = {
    .read = lab_epc_aperture_read,
    .write = lab_epc_aperture_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = LAB_LINK_ANY_ACCESS,
    .impl = LAB_LINK_ANY_ACCESS,
};

/* The host connection */

/* The host left: unmap its memory and tell the endpoint software. */
static void lab_epc_host_gone(void *opaque)
{
    LabEpcState *s = opaque;
    unsigned i;

    memory_region_transaction_begin();
    for (i = 0; i < LAB_EPC_NUM_WINDOWS; i++) {
        lab_epc_ob_unmap(s, &s->ob[i]);
    }
    memory_region_transaction_commit();
    lab_epc_set_host_msi(s, 0);
    lab_epc_update_status(s, false, true);
}

static void lab_epc_host_connected_cb(void *opaque)
{
    LabEpcState *s = opaque;
    LabLinkBar bar[LAB_LINK_NUM_BARS];
    LabEpFunction fn = {
        .id = s->hdr_id,
        .class = s->hdr_class,
        .subsys = s->hdr_subsys,
        .misc = s->hdr_misc,
        .msi_cap = s->msi_cap,
    };
    unsigned n;

    memory_region_transaction_begin();
    for (n = 0; n < LAB_EPC_NUM_WINDOWS; n++) {
        lab_epc_ob_map(s, n);
    }
    memory_region_transaction_commit();

    /* CONFIG carries the link state, no LINK message needed. */
    for (n = 0; n < LAB_LINK_NUM_BARS; n++) {
        lab_epc_bar_desc(s, n, &bar[n]);
    }
    lab_ep_send_config(&s->ep, &fn, s->ctrl & LAB_EPC_CTRL_LINK_ENABLE, bar);
    lab_epc_update_status(s, false, true);
    if (lab_epc_link_up(s) && (s->intx & LAB_EPC_INTX_LEVEL)) {
        lab_ep_send_value(&s->ep, LAB_MSG_INTX, 1);
    }
}

/* The host's reset took the link down, or its end lets it train again. */
static void lab_epc_host_reset(void *opaque)
{
    lab_epc_update_status(opaque, true, true);
}

static void lab_epc_host_cfg(void *opaque, uint32_t val)
{
    LabEpcState *s = opaque;
    uint32_t valid = LAB_LINK_HOST_MSI_ENABLE | LAB_LINK_HOST_MSI_LOG2;

    if ((val & ~valid) ||
        (val & LAB_LINK_HOST_MSI_LOG2) > LAB_LINK_MAX_MSI_LOG2) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: host sent bad HOST_CFG 0x%x\n",
                      TYPE_LAB_EPC, val);
        return;
    }
    lab_epc_set_host_msi(s, val);
}

/* HOST_MSI is for controllers that write MSIs themselves: not this one. */
static const LabEpOps lab_epc_ep_ops = {
    .host_connected = lab_epc_host_connected_cb,
    .host_gone = lab_epc_host_gone,
    .bar_read = lab_epc_bar_read,
    .bar_write = lab_epc_bar_write,
    .host_cfg = lab_epc_host_cfg,
    .host_reset = lab_epc_host_reset,
};

/* BAR0 registers */

static uint32_t lab_epc_ib_read(LabEpcState *s, unsigned n, hwaddr reg)
{
    LabEpcInbound *ib = &s->ib[n];

    switch (reg) {
    case LAB_EPC_IB_TARGET_LO:
        return ib->target;
    case LAB_EPC_IB_TARGET_HI:
        return ib->target >> 32;
    case LAB_EPC_IB_SIZE_LO:
        return ib->size;
    case LAB_EPC_IB_SIZE_HI:
        return ib->size >> 32;
    case LAB_EPC_IB_FLAGS:
        return ib->cur_flags;
    }
    return 0;
}

static void lab_epc_ib_write(LabEpcState *s, unsigned n, hwaddr reg,
                             uint32_t val)
{
    LabEpcInbound *ib = &s->ib[n];

    if (lab_epc_is_db_bar(s, n) && reg != LAB_EPC_IB_FLAGS) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: BAR%u is fixed onto the"
                      " doorbell; write to inbound register 0x%" HWADDR_PRIx
                      " ignored\n", TYPE_LAB_EPC, n, reg);
        return;
    }
    switch (reg) {
    case LAB_EPC_IB_TARGET_LO:
        ib->target = deposit64(ib->target, 0, 32, val);
        break;
    case LAB_EPC_IB_TARGET_HI:
        ib->target = deposit64(ib->target, 32, 32, val);
        break;
    case LAB_EPC_IB_SIZE_LO:
        ib->size = deposit64(ib->size, 0, 32, val);
        break;
    case LAB_EPC_IB_SIZE_HI:
        ib->size = deposit64(ib->size, 32, 32, val);
        break;
    case LAB_EPC_IB_FLAGS:
        lab_epc_ib_commit(s, n, val);
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "%s: write to unknown inbound"
                      " register 0x%" HWADDR_PRIx " of BAR%u\n",
                      TYPE_LAB_EPC, reg, n);
    }
}

static uint32_t lab_epc_ob_read(LabEpcState *s, unsigned n, hwaddr reg)
{
    LabEpcOutbound *ob = &s->ob[n];

    switch (reg) {
    case LAB_EPC_OB_APER_LO:
        return ob->aper;
    case LAB_EPC_OB_APER_HI:
        return ob->aper >> 32;
    case LAB_EPC_OB_PCI_LO:
        return ob->pci;
    case LAB_EPC_OB_PCI_HI:
        return ob->pci >> 32;
    case LAB_EPC_OB_SIZE_LO:
        return ob->size;
    case LAB_EPC_OB_SIZE_HI:
        return ob->size >> 32;
    case LAB_EPC_OB_CTRL:
        return ob->enabled ? LAB_EPC_OB_CTRL_ENABLE : 0;
    }
    return 0;
}

static void lab_epc_ob_write(LabEpcState *s, unsigned n, hwaddr reg,
                             uint32_t val)
{
    LabEpcOutbound *ob = &s->ob[n];

    switch (reg) {
    case LAB_EPC_OB_APER_LO:
        ob->aper = deposit64(ob->aper, 0, 32, val);
        break;
    case LAB_EPC_OB_APER_HI:
        ob->aper = deposit64(ob->aper, 32, 32, val);
        break;
    case LAB_EPC_OB_PCI_LO:
        ob->pci = deposit64(ob->pci, 0, 32, val);
        break;
    case LAB_EPC_OB_PCI_HI:
        ob->pci = deposit64(ob->pci, 32, 32, val);
        break;
    case LAB_EPC_OB_SIZE_LO:
        ob->size = deposit64(ob->size, 0, 32, val);
        break;
    case LAB_EPC_OB_SIZE_HI:
        ob->size = deposit64(ob->size, 32, 32, val);
        break;
    case LAB_EPC_OB_CTRL:
        lab_epc_ob_commit(s, n, val);
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "%s: write to unknown outbound"
                      " register 0x%" HWADDR_PRIx " of window %u\n",
                      TYPE_LAB_EPC, reg, n);
    }
}

static uint32_t lab_epc_caps(LabEpcState *s)
{
    uint32_t caps = LAB_EPC_NUM_WINDOWS | LAB_EPC_CAPS_DOORBELL;

    if (s->bar_pairs) {
        caps |= LAB_EPC_CAPS_BAR_PAIRS;
    }
    if (s->db_bar != LAB_EPC_DB_NO_BAR) {
        caps |= LAB_EPC_CAPS_DB_FIXED |
                (uint32_t)s->db_bar << LAB_EPC_CAPS_DB_BAR_SHIFT;
    }
    return caps;
}

static uint64_t lab_epc_regs_read(void *opaque, hwaddr addr, unsigned size)
{
    LabEpcState *s = opaque;
    uint32_t val = 0;

    if (size != 4 || (addr & 3)) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: %u-byte read at 0x%" HWADDR_PRIx
                      ": registers take aligned 32-bit accesses only\n",
                      TYPE_LAB_EPC, size, addr);
        return 0;
    }
    if (addr >= LAB_EPC_IB_BASE && addr < LAB_EPC_IB_END) {
        return lab_epc_ib_read(s, (addr - LAB_EPC_IB_BASE) / LAB_EPC_IB_STRIDE,
                               (addr - LAB_EPC_IB_BASE) % LAB_EPC_IB_STRIDE);
    }
    if (addr >= LAB_EPC_OB_BASE && addr < LAB_EPC_OB_END) {
        return lab_epc_ob_read(s, (addr - LAB_EPC_OB_BASE) / LAB_EPC_OB_STRIDE,
                               (addr - LAB_EPC_OB_BASE) % LAB_EPC_OB_STRIDE);
    }
    if (addr >= LAB_EPC_DB_BASE) {
        lab_epc_db_read(s, "endpoint", addr - LAB_EPC_DB_BASE, size, &val);
        return val;
    }

    switch (addr) {
    case LAB_EPC_ID:
        return LAB_EPC_ID_VALUE;
    case LAB_EPC_VERSION:
        return LAB_EPC_VERSION_VALUE;
    case LAB_EPC_CAPS:
        return lab_epc_caps(s);
    case LAB_EPC_APERTURE_LOG2:
        return ctz64(s->aperture_size);
    case LAB_EPC_CTRL:
        return s->ctrl;
    case LAB_EPC_STATUS:
        return s->status;
    case LAB_EPC_EVENT:
        return s->event;
    case LAB_EPC_EVENT_MASK:
        return s->event_mask;
    case LAB_EPC_HDR_ID:
        return s->hdr_id;
    case LAB_EPC_HDR_CLASS:
        return s->hdr_class;
    case LAB_EPC_HDR_SUBSYS:
        return s->hdr_subsys;
    case LAB_EPC_HDR_MISC:
        return s->hdr_misc;
    case LAB_EPC_MSI_CAP:
        return s->msi_cap;
    case LAB_EPC_HOST_MSI:
        return s->host_msi;
    case LAB_EPC_MSI_RAISE:
        return 0;
    case LAB_EPC_INTX:
        return s->intx;
    }
    /* Unused: reads as zero. */
    return 0;
}

/* The host enumerates the function once; later header changes wait. */
static void lab_epc_hdr_write(LabEpcState *s, const char *reg, uint32_t *field,
                              uint32_t val)
{
    if (lab_epc_host_connected(s) && *field != val) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: %s changed while a host is"
                      " connected: the host sees it once it re-adds the"
                      " function\n", TYPE_LAB_EPC, reg);
    }
    *field = val;
}

static void lab_epc_regs_write(void *opaque, hwaddr addr, uint64_t val,
                               unsigned size)
{
    LabEpcState *s = opaque;
    uint32_t old;

    if (size != 4 || (addr & 3)) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: %u-byte write at 0x%" HWADDR_PRIx
                      ": registers take aligned 32-bit accesses only\n",
                      TYPE_LAB_EPC, size, addr);
        return;
    }
    if (addr >= LAB_EPC_IB_BASE && addr < LAB_EPC_IB_END) {
        lab_epc_ib_write(s, (addr - LAB_EPC_IB_BASE) / LAB_EPC_IB_STRIDE,
                         (addr - LAB_EPC_IB_BASE) % LAB_EPC_IB_STRIDE, val);
        return;
    }
    if (addr >= LAB_EPC_OB_BASE && addr < LAB_EPC_OB_END) {
        lab_epc_ob_write(s, (addr - LAB_EPC_OB_BASE) / LAB_EPC_OB_STRIDE,
                         (addr - LAB_EPC_OB_BASE) % LAB_EPC_OB_STRIDE, val);
        return;
    }
    if (addr >= LAB_EPC_DB_BASE) {
        lab_epc_db_write(s, "endpoint", addr - LAB_EPC_DB_BASE, size);
        return;
    }

    switch (addr) {
    case LAB_EPC_CTRL:
        if (val & ~LAB_EPC_CTRL_LINK_ENABLE) {
            qemu_log_mask(LOG_GUEST_ERROR, "%s: unknown CTRL bits 0x%"
                          PRIx64 " ignored\n", TYPE_LAB_EPC,
                          val & ~LAB_EPC_CTRL_LINK_ENABLE);
        }
        s->ctrl = val & LAB_EPC_CTRL_LINK_ENABLE;
        lab_epc_update_status(s, true, true);
        break;
    case LAB_EPC_EVENT:
        s->event &= ~val;
        break;
    case LAB_EPC_EVENT_MASK:
        if (val & ~LAB_EPC_EVENT_ALL) {
            qemu_log_mask(LOG_GUEST_ERROR, "%s: unknown EVENT_MASK bits 0x%"
                          PRIx64 " ignored\n", TYPE_LAB_EPC,
                          val & ~LAB_EPC_EVENT_ALL);
        }
        old = s->event_mask;
        s->event_mask = val & LAB_EPC_EVENT_ALL;
        /* An event already pending interrupts as soon as it is unmasked. */
        if (s->event & s->event_mask & ~old) {
            lab_epc_notify(s, LAB_EPC_MSI_EVENT);
        }
        break;
    case LAB_EPC_HDR_ID:
        lab_epc_hdr_write(s, "HDR_ID", &s->hdr_id, val);
        break;
    case LAB_EPC_HDR_CLASS:
        lab_epc_hdr_write(s, "HDR_CLASS", &s->hdr_class, val);
        break;
    case LAB_EPC_HDR_SUBSYS:
        lab_epc_hdr_write(s, "HDR_SUBSYS", &s->hdr_subsys, val);
        break;
    case LAB_EPC_HDR_MISC:
        if (val & ~LAB_EPC_HDR_MISC_PIN ||
            (val & LAB_EPC_HDR_MISC_PIN) > LAB_EPC_MAX_INTX_PIN) {
            qemu_log_mask(LOG_GUEST_ERROR, "%s: HDR_MISC 0x%" PRIx64 ": bad"
                          " interrupt pin; ignored\n", TYPE_LAB_EPC, val);
            break;
        }
        lab_epc_hdr_write(s, "HDR_MISC", &s->hdr_misc, val);
        break;
    case LAB_EPC_MSI_CAP:
        if (val > LAB_LINK_MAX_MSI_LOG2) {
            qemu_log_mask(LOG_GUEST_ERROR, "%s: MSI_CAP %" PRIu64 " is more"
                          " than 32 vectors; ignored\n", TYPE_LAB_EPC, val);
            break;
        }
        lab_epc_hdr_write(s, "MSI_CAP", &s->msi_cap, val);
        break;
    case LAB_EPC_MSI_RAISE:
        /* The host checks the vector against its own MSI programming. */
        if (val >= (1u << LAB_LINK_MAX_MSI_LOG2)) {
            qemu_log_mask(LOG_GUEST_ERROR, "%s: MSI_RAISE %" PRIu64 ": no"
                          " such vector; ignored\n", TYPE_LAB_EPC, val);
        } else if (!lab_epc_link_up(s)) {
            qemu_log_mask(LOG_GUEST_ERROR, "%s: MSI_RAISE %" PRIu64 " while"
                          " the link is down; ignored\n", TYPE_LAB_EPC, val);
        } else {
            lab_ep_send_value(&s->ep, LAB_MSG_MSI, val);
        }
        break;
    case LAB_EPC_INTX:
        if (val & ~LAB_EPC_INTX_LEVEL) {
            qemu_log_mask(LOG_GUEST_ERROR, "%s: unknown INTX bits 0x%" PRIx64
                          " ignored\n", TYPE_LAB_EPC,
                          val & ~LAB_EPC_INTX_LEVEL);
        }
        old = s->intx;
        s->intx = val & LAB_EPC_INTX_LEVEL;
        if (old != s->intx && lab_epc_link_up(s)) {
            lab_ep_send_value(&s->ep, LAB_MSG_INTX, s->intx);
        }
        break;
    default:
        qemu_log_mask(LOG_GUEST_ERROR, "%s: write of 0x%" PRIx64 " to"
                      " read-only or unknown register 0x%" HWADDR_PRIx "\n",
                      TYPE_LAB_EPC, val, addr);
    }
}

static const MemoryRegionOps lab_epc_regs_ops = {
    .read = lab_epc_regs_read,
    .write = lab_epc_regs_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    /* Every size reaches the handlers, which log and ignore bad ones. */
    .valid = LAB_LINK_ANY_ACCESS,
    .impl = LAB_LINK_ANY_ACCESS,
};

/* Device life cycle */

/* Reset: link down, every BAR and window off, host told. */
static void lab_epc_reset(DeviceState *dev)
{
    LabEpcState *s = LAB_EPC(dev);
    unsigned n;

    s->ctrl = 0;
    lab_epc_update_status(s, true, false);

    memory_region_transaction_begin();
    for (n = 0; n < LAB_EPC_NUM_WINDOWS; n++) {
        lab_epc_ob_unmap(s, &s->ob[n]);
    }
    memory_region_transaction_commit();
    memset(s->ob, 0, sizeof(s->ob));

    memset(s->ib, 0, sizeof(s->ib));
    lab_epc_db_bar_init(s);
    for (n = 0; n < LAB_LINK_NUM_BARS; n++) {
        lab_epc_send_bar(s, n);
    }

    s->event = 0;
    s->event_mask = 0;
    s->hdr_id = 0;
    s->hdr_class = 0;
    s->hdr_subsys = 0;
    s->hdr_misc = 0;
    s->msi_cap = 0;
    s->intx = 0;
    s->db_asserted = false;
}

static void lab_epc_realize(PCIDevice *pdev, Error **errp)
{
    LabEpcState *s = LAB_EPC(pdev);
    uint8_t *conf = pdev->config;
    int ret;

    if (!is_power_of_2(s->aperture_size) ||
        s->aperture_size < LAB_EPC_APERTURE_MIN ||
        s->aperture_size > LAB_EPC_APERTURE_MAX) {
        error_setg(errp, "'aperture-size' 0x%" PRIx64 " is not a power of two"
                   " from 4 KiB to 64 GiB", s->aperture_size);
        return;
    }
    if (s->db_bar != LAB_EPC_DB_NO_BAR &&
        (s->db_bar < 0 || s->db_bar >= LAB_LINK_NUM_BARS)) {
        error_setg(errp, "'db-bar' %d is not a BAR number: 0 to 5, or -1 for"
                   " no fixed doorbell BAR", s->db_bar);
        return;
    }
    if (s->db_bar != LAB_EPC_DB_NO_BAR && s->bar_pairs && (s->db_bar & 1)) {
        error_setg(errp, "'db-bar' %d: with 'bar-pairs' on, the BARs are"
                   " 0, 2 and 4", s->db_bar);
        return;
    }
    lab_epc_db_bar_init(s);

    pci_config_set_interrupt_pin(conf, 0);
    ret = msi_init(pdev, 0, LAB_EPC_MSI_VECTORS, true, false, errp);
    if (ret) {
        return;
    }
    if (!lab_ep_realize(&s->ep, DEVICE(s), s->socket_path, s->memdev,
                        s->ram_base, LAB_EPC_SEND_TIMEOUT_MS, &lab_epc_ep_ops,
                        s, errp)) {
        msi_uninit(pdev);
        return;
    }

    memory_region_init_io(&s->regs, OBJECT(s), &lab_epc_regs_ops, s,
                          "lab-epc-regs", LAB_EPC_REGS_SIZE);
    pci_register_bar(pdev, LAB_EPC_BAR_REGS, PCI_BASE_ADDRESS_SPACE_MEMORY,
                     &s->regs);
    memory_region_init_io(&s->aperture, OBJECT(s), &lab_epc_aperture_ops, s,
                          "lab-epc-aperture", s->aperture_size);
    pci_register_bar(pdev, LAB_EPC_BAR_APERTURE,
                     PCI_BASE_ADDRESS_SPACE_MEMORY |
                     PCI_BASE_ADDRESS_MEM_TYPE_64 |
                     PCI_BASE_ADDRESS_MEM_PREFETCH, &s->aperture);
}

static void lab_epc_exit(PCIDevice *pdev)
{
    LabEpcState *s = LAB_EPC(pdev);

    lab_ep_unrealize(&s->ep);
    msi_uninit(pdev);
}

static void lab_epc_instance_init(Object *obj)
{
    LabEpcState *s = LAB_EPC(obj);

    lab_ep_instance_init(&s->ep);
}

static Property lab_epc_properties[] = {
    DEFINE_PROP_STRING("socket", LabEpcState, socket_path),
    DEFINE_PROP_LINK("memdev", LabEpcState, memdev, TYPE_MEMORY_BACKEND,
                     HostMemoryBackend *),
    DEFINE_PROP_UINT64("ram-base", LabEpcState, ram_base, 0x40000000),
    DEFINE_PROP_SIZE("aperture-size", LabEpcState, aperture_size, 256 * MiB),
    DEFINE_PROP_BOOL("bar-pairs", LabEpcState, bar_pairs, false),
    DEFINE_PROP_INT32("db-bar", LabEpcState, db_bar, LAB_EPC_DB_NO_BAR),
    DEFINE_PROP_END_OF_LIST(),
};

/* The peer process and its mappings cannot follow a migration. */
static const VMStateDescription lab_epc_vmstate = {
    .name = TYPE_LAB_EPC,
    .unmigratable = 1,
};

static void lab_epc_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = lab_epc_realize;
    k->exit = lab_epc_exit;
    k->vendor_id = LAB_EPC_VENDOR_ID;
    k->device_id = LAB_EPC_DEVICE_ID;
    k->revision = 0;
    k->class_id = PCI_CLASS_SYSTEM_OTHER;
    dc->desc = "vNTB lab PCIe endpoint controller";
    dc->reset = lab_epc_reset;
    dc->vmsd = &lab_epc_vmstate;
    device_class_set_props(dc, lab_epc_properties);
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static const TypeInfo lab_epc_info = {
    .name = TYPE_LAB_EPC,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(LabEpcState),
    .instance_init = lab_epc_instance_init,
    .class_init = lab_epc_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_CONVENTIONAL_PCI_DEVICE },
        { },
    },
};

static void lab_epc_register_types(void)
{
    type_register_static(&lab_epc_info);
}

type_init(lab_epc_register_types)
