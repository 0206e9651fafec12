/*
 * vNTB lab: DesignWare PCIe controller in endpoint mode (dw-pcie-ep)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A DesignWare PCIe controller (core 5.40a) strapped as an endpoint, as
 * Linux's generic DesignWare endpoint glue ("snps,dw-pcie-ep",
 * pcie-designware-plat) and the DesignWare core drive it, with its
 * integrated eDMA. The function it presents is the lab-epf device of a
 * host machine in another QEMU process, reached over the emulated link
 * (lab-link.h, Documentation/lab/emulated-link.rst in the vntb tree).
 *
 * A bus-less device: realize maps the register blocks into the system
 * address space itself, over the virt machine's empty platform bus, and
 * takes its interrupt from the GICv3. Register blocks, from @regs:
 *
 *   +0x0000 DBI       0x1000  the function's configuration space as the
 *                             endpoint sees it, and the port logic:
 *           0x000 type-0 header (0x0e: 0, endpoint mode)
 *           0x050 MSI capability, 64-bit; host-owned fields mirror
 *                 what the host programmed (HOST_MSI messages)
 *           0x070 PCI Express capability, endpoint, 8 GT/s x1
 *           0x0b0 MSI-X capability; enable and function mask mirror
 *                 what the host programmed (HOST_MSI); table size, table
 *                 and PBA BIR/offset go to the host (CONFIG, MSIX)
 *           0x100 no extended capabilities: reads 0
 *           0x700 port logic, read/write storage, except:
 *           0x710 PORT_LINK_CONTROL [5] DLL_LINK_EN: the link is enabled
 *           0x728 DEBUG0 / 0x72c DEBUG1: LTSSM L0 / link up, read-only
 *           0x8bc MISC_CONTROL_1 [0] DBI_RO_WR_EN: the read-only header
 *                 and capability fields are writable while it is set
 *           0x8f8 VERSION_NUMBER 0x3534302a ("540*"), VERSION_TYPE
 *           0x900 ATU viewport: 0xffffffff, the iATU is unrolled
 *   +0x1000 DBI2      0x1000  shadow: 0x10 + 4n BAR n mask ([0] enable,
 *                             size - 1), read/write
 *   +0x2000 iATU      0x1000  8 outbound + 8 inbound regions (dw-pcie-atu.c)
 *   +0x4000 eDMA      0x2000  eDMA v0, unrolled (dw-edma-v0.c)
 *   @addr-space        outbound windows onto the host's bus addresses
 *
 * BAR n exists for the host while its DBI2 mask is enabled; its size is
 * the mask plus one, its type the low bits of the DBI BAR. Host accesses
 * to it go to the target of the inbound region in BAR match mode for n:
 * the host maps it directly (fast path) when the target is endpoint RAM,
 * otherwise each access is a message performed here on the system
 * address space (so a write to the eDMA page rings its doorbell), with
 * the requester-id property as its requester ID when set (so a write to
 * the GIC ITS's translation register is an MSI of that device ID). With
 * the stream-id property the controller sits behind the machine's SMMUv3
 * (dw_pcie_ep_find_smmu()): those accesses, and the eDMA's to endpoint
 * memory, are translated for that stream, and every BAR takes the message
 * path, since the host could not map an IOVA. The
 * BAR's address is the host's: an endpoint write to a DBI BAR register
 * (set_bar() writes the flags) replaces it (BAR_REG), and the host must
 * enumerate the function again to reach the BAR. Reads of the DBI BAR
 * registers return what the endpoint last wrote, not the host's address.
 *
 * Outbound windows whose target lies in the host's RAM are aliases of
 * it; other targets (the MSI doorbell) turn writes into HOST_WRITE
 * messages and read all-ones. That is how the core raises MSI and MSI-X
 * alike (for MSI-X it reads the table entry from the BAR's memory, which
 * the host wrote through the BAR). The eDMA reaches host RAM directly and
 * posts its writes elsewhere the same way.
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/log.h"
#include "qemu/error-report.h"
#include "qemu/bswap.h"
#include "qemu/bitops.h"
#include "qemu/host-utils.h"
#include "qapi/error.h"
#include "hw/qdev-core.h"
#include "hw/qdev-properties.h"
#include "hw/irq.h"
#include "hw/pci/pci.h"
#include "hw/pci/pci_bus.h"
#include "hw/pci/pci_ids.h"
#include "hw/pci/pci_regs.h"
#include "hw/arm/smmuv3.h"
#include "hw/intc/arm_gicv3_common.h"
#include "migration/vmstate.h"
#include "sysemu/hostmem.h"
#include "sysemu/reset.h"
#include "exec/address-spaces.h"
#include "qom/object.h"
#include "lab-ep.h"
#include "dw-pcie-atu.h"
#include "dw-edma-v0.h"

#define TYPE_DW_PCIE_EP "dw-pcie-ep"
OBJECT_DECLARE_SIMPLE_TYPE(DwPcieEpState, DW_PCIE_EP)

/* Register blocks, from the regs property */
#define DW_PCIE_EP_DBI_OFFSET       0x0000
#define DW_PCIE_EP_DBI_SIZE         0x1000
#define DW_PCIE_EP_DBI2_OFFSET      0x1000
#define DW_PCIE_EP_DBI2_SIZE        0x1000
#define DW_PCIE_EP_ATU_OFFSET       0x2000
#define DW_PCIE_EP_DMA_OFFSET       0x4000

/* Capabilities in the DBI */
#define DW_PCIE_EP_MSI_CAP          0x50
#define DW_PCIE_EP_EXP_CAP          0x70
#define DW_PCIE_EP_MSIX_CAP         0xb0

/* Port logic */
#define DW_PCIE_EP_PORT_LOGIC       0x700
#define DW_PCIE_EP_PORT_LINK_CTRL   0x710
#define  DW_PCIE_EP_DLL_LINK_EN     (1u << 5)
#define  DW_PCIE_EP_LINK_MODE_1     (1u << 16)      /* [21:16] lanes */
#define DW_PCIE_EP_DEBUG0           0x728
#define  DW_PCIE_EP_LTSSM_L0        0x11
#define DW_PCIE_EP_DEBUG1           0x72c
#define  DW_PCIE_EP_DEBUG1_LINK_UP  (1u << 4)
#define DW_PCIE_EP_WIDTH_SPEED_CTRL 0x80c
#define  DW_PCIE_EP_LINK_WIDTH_1    (1u << 8)       /* [12:8] lanes */
#define DW_PCIE_EP_MISC_CONTROL_1   0x8bc
#define  DW_PCIE_EP_DBI_RO_WR_EN    (1u << 0)
#define DW_PCIE_EP_VERSION_NUMBER   0x8f8
#define  DW_PCIE_EP_VERSION_540A    0x3534302a      /* "540*" */
#define DW_PCIE_EP_VERSION_TYPE     0x8fc
#define  DW_PCIE_EP_TYPE_GA         0x67612a2a      /* "ga**" */
#define DW_PCIE_EP_ATU_VIEWPORT     0x900
#define  DW_PCIE_EP_ATU_UNROLLED    0xffffffff

/* Identity until the endpoint's software programs one */
#define DW_PCIE_EP_VENDOR_ID        0x16c3          /* Synopsys */
#define DW_PCIE_EP_DEVICE_ID        0xabcd

/* DBI2 BAR mask: [0] the BAR is enabled, the rest is size - 1. */
#define DW_PCIE_EP_BAR_MASK_ENABLE  (1u << 0)

#define DW_PCIE_EP_MAX_INTX_PIN     4               /* INTD */
#define DW_PCIE_EP_EDMA_CHANNELS    2               /* per direction */
#define DW_PCIE_EP_NO_EDMA_BAR      (-1)
#define DW_PCIE_EP_NO_REQUESTER_ID  (-1)
#define DW_PCIE_EP_NO_STREAM_ID     (-1)
/* Largest eDMA transfer posted as HOST_WRITE messages (not host RAM) */
#define DW_PCIE_EP_HOST_WRITE_MAX   64

/* Longest the controller blocks sending to a host that does not read */
#define DW_PCIE_EP_SEND_TIMEOUT_MS  1000

/* An outbound iATU region, as mapped into the addr_space window */
typedef struct DwPcieEpWindow {
    DwPcieEpState *s;
    MemoryRegion mr;            /* alias of host RAM, or message I/O */
    bool mapped;
    uint64_t pci;               /* host bus address of its first byte */
} DwPcieEpWindow;

/* A BAR as the controller's registers define it */
typedef struct DwPcieEpBar {
    uint32_t flags;             /* LAB_LINK_BAR_*; 0 when absent */
    uint64_t size;
    bool mapped;                /* an inbound translation backs it */
    uint64_t target;            /* endpoint address of BAR offset 0 */
} DwPcieEpBar;

struct DwPcieEpState {
    DeviceState parent_obj;

    /* Properties */
    char *socket_path;
    HostMemoryBackend *memdev;
    uint64_t ram_base;
    uint64_t regs;
    uint64_t as_base;
    uint64_t as_size;
    uint32_t irq;
    int32_t edma_bar;
    int32_t requester_id;
    int32_t stream_id;

    /* The controller's accesses to endpoint memory: system, or SMMU */
    AddressSpace *dma_as;
    MemoryRegion dbi_mr;
    MemoryRegion dbi2_mr;
    MemoryRegion addr_space;
    qemu_irq dma_irq;

    /* Socket, host connection, endpoint and host RAM */
    LabEp ep;
    bool link_up;               /* as last told to the host */
    LabEpFunction fn_sent;      /* the function as CONFIG described it */
    LabLinkBar bar_sent[LAB_LINK_NUM_BARS];

    /* DBI: contents, and which bits writes change (always / RO_WR_EN) */
    uint8_t dbi[DW_PCIE_EP_DBI_SIZE];
    uint8_t dbi_reset[DW_PCIE_EP_DBI_SIZE];
    uint8_t dbi_wmask[DW_PCIE_EP_DBI_SIZE];
    uint8_t dbi_romask[DW_PCIE_EP_DBI_SIZE];
    uint32_t dbi2_bar[LAB_LINK_NUM_BARS];

    DwPcieAtu atu;
    DwPcieEpWindow ob[DW_PCIE_ATU_REGIONS];
    DwEdmaV0 edma;
};

static uint64_t dw_pcie_ep_all_ones(unsigned size)
{
    return MAKE_64BIT_MASK(0, size * 8);
}

static bool dw_pcie_ep_valid_size(unsigned size)
{
    return size == 1 || size == 2 || size == 4 || size == 8;
}

static bool dw_pcie_ep_overlaps(hwaddr addr, unsigned size, hwaddr reg,
                                unsigned len)
{
    return addr < reg + len && reg < addr + size;
}

/* DBI contents */

static uint32_t dw_pcie_ep_dbi_long(DwPcieEpState *s, hwaddr off)
{
    return ldl_le_p(&s->dbi[off]);
}

static uint16_t dw_pcie_ep_dbi_word(DwPcieEpState *s, hwaddr off)
{
    return lduw_le_p(&s->dbi[off]);
}

/* Define @size bytes at @off: power-on value and writable bits. */
static void dw_pcie_ep_dbi_def(DwPcieEpState *s, hwaddr off, unsigned size,
                               uint32_t val, uint32_t wmask, uint32_t romask)
{
    unsigned i;

    for (i = 0; i < size; i++) {
        s->dbi_reset[off + i] = val >> (8 * i);
        s->dbi_wmask[off + i] = wmask >> (8 * i);
        s->dbi_romask[off + i] = romask >> (8 * i);
    }
}

/*
 * The DBI layout. Fields that are read-only for the host (identity, BAR
 * types, capability sizes, link capabilities) change only while
 * DBI_RO_WR_EN is set, as on the real core.
 */
static void dw_pcie_ep_dbi_layout(DwPcieEpState *s)
{
    unsigned n;

    memset(s->dbi_reset, 0, sizeof(s->dbi_reset));
    memset(s->dbi_wmask, 0, sizeof(s->dbi_wmask));
    memset(s->dbi_romask, 0, sizeof(s->dbi_romask));

    /* Type-0 header */
    dw_pcie_ep_dbi_def(s, PCI_VENDOR_ID, 4,
                       DW_PCIE_EP_DEVICE_ID << 16 | DW_PCIE_EP_VENDOR_ID,
                       0, UINT32_MAX);
    dw_pcie_ep_dbi_def(s, PCI_COMMAND, 2, 0,
                       PCI_COMMAND_IO | PCI_COMMAND_MEMORY |
                       PCI_COMMAND_MASTER | PCI_COMMAND_PARITY |
                       PCI_COMMAND_SERR | PCI_COMMAND_INTX_DISABLE, 0);
    dw_pcie_ep_dbi_def(s, PCI_STATUS, 2, PCI_STATUS_CAP_LIST, 0, 0);
    dw_pcie_ep_dbi_def(s, PCI_REVISION_ID, 4, PCI_CLASS_OTHERS << 24, 0,
                       UINT32_MAX);
    dw_pcie_ep_dbi_def(s, PCI_CACHE_LINE_SIZE, 1, 0, 0xff, 0);
    for (n = 0; n < LAB_LINK_NUM_BARS; n++) {
        /* Address bits belong to the host, type bits [3:0] to the EP. */
        dw_pcie_ep_dbi_def(s, PCI_BASE_ADDRESS_0 + 4 * n, 4, 0,
                           ~0xfu, 0xf);
    }
    dw_pcie_ep_dbi_def(s, PCI_SUBSYSTEM_VENDOR_ID, 4, 0, 0, UINT32_MAX);
    dw_pcie_ep_dbi_def(s, PCI_CAPABILITY_LIST, 1, DW_PCIE_EP_MSI_CAP, 0, 0);
    dw_pcie_ep_dbi_def(s, PCI_INTERRUPT_LINE, 1, 0, 0xff, 0);
    dw_pcie_ep_dbi_def(s, PCI_INTERRUPT_PIN, 1, 0, 0, 0xff);

    /* MSI: 64-bit; enable and vectors enabled belong to the host. */
    dw_pcie_ep_dbi_def(s, DW_PCIE_EP_MSI_CAP, 2,
                       DW_PCIE_EP_EXP_CAP << 8 | PCI_CAP_ID_MSI, 0, 0);
    dw_pcie_ep_dbi_def(s, DW_PCIE_EP_MSI_CAP + PCI_MSI_FLAGS, 2,
                       PCI_MSI_FLAGS_64BIT,
                       PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE,
                       PCI_MSI_FLAGS_QMASK);
    dw_pcie_ep_dbi_def(s, DW_PCIE_EP_MSI_CAP + PCI_MSI_ADDRESS_LO, 4, 0,
                       ~3u, 0);
    dw_pcie_ep_dbi_def(s, DW_PCIE_EP_MSI_CAP + PCI_MSI_ADDRESS_HI, 4, 0,
                       UINT32_MAX, 0);
    dw_pcie_ep_dbi_def(s, DW_PCIE_EP_MSI_CAP + PCI_MSI_DATA_64, 2, 0,
                       0xffff, 0);

    /* PCI Express: endpoint, 8 GT/s capable, x1 */
    dw_pcie_ep_dbi_def(s, DW_PCIE_EP_EXP_CAP, 2,
                       DW_PCIE_EP_MSIX_CAP << 8 | PCI_CAP_ID_EXP, 0, 0);
    dw_pcie_ep_dbi_def(s, DW_PCIE_EP_EXP_CAP + PCI_EXP_FLAGS, 2,
                       PCI_EXP_TYPE_ENDPOINT << 4 | 2, 0, 0);
    dw_pcie_ep_dbi_def(s, DW_PCIE_EP_EXP_CAP + PCI_EXP_DEVCAP, 4,
                       PCI_EXP_DEVCAP_RBER | 1 /* 256-byte payload */, 0,
                       UINT32_MAX);
    dw_pcie_ep_dbi_def(s, DW_PCIE_EP_EXP_CAP + PCI_EXP_DEVCTL, 2,
                       PCI_EXP_DEVCTL_RELAX_EN | PCI_EXP_DEVCTL_NOSNOOP_EN |
                       PCI_EXP_DEVCTL_READRQ_512B, 0x7fff, 0);
    dw_pcie_ep_dbi_def(s, DW_PCIE_EP_EXP_CAP + PCI_EXP_LNKCAP, 4,
                       1 << 4 | PCI_EXP_LNKCAP_SLS_8_0GB, 0, UINT32_MAX);
    dw_pcie_ep_dbi_def(s, DW_PCIE_EP_EXP_CAP + PCI_EXP_LNKCTL, 2, 0,
                       0xffff, 0);
    dw_pcie_ep_dbi_def(s, DW_PCIE_EP_EXP_CAP + PCI_EXP_DEVCAP2, 4, 0, 0,
                       UINT32_MAX);
    dw_pcie_ep_dbi_def(s, DW_PCIE_EP_EXP_CAP + PCI_EXP_DEVCTL2, 2, 0,
                       0xffff, 0);
    dw_pcie_ep_dbi_def(s, DW_PCIE_EP_EXP_CAP + PCI_EXP_LNKCAP2, 4,
                       PCI_EXP_LNKCAP2_SLS_2_5GB | PCI_EXP_LNKCAP2_SLS_5_0GB |
                       PCI_EXP_LNKCAP2_SLS_8_0GB, 0, UINT32_MAX);
    dw_pcie_ep_dbi_def(s, DW_PCIE_EP_EXP_CAP + PCI_EXP_LNKCTL2, 2,
                       PCI_EXP_LNKCTL2_TLS_8_0GT, 0xffff, 0);

    /* MSI-X: enable and function mask belong to the host. */
    dw_pcie_ep_dbi_def(s, DW_PCIE_EP_MSIX_CAP, 2, PCI_CAP_ID_MSIX, 0, 0);
    dw_pcie_ep_dbi_def(s, DW_PCIE_EP_MSIX_CAP + PCI_MSIX_FLAGS, 2, 0,
                       PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL,
                       PCI_MSIX_FLAGS_QSIZE);
    dw_pcie_ep_dbi_def(s, DW_PCIE_EP_MSIX_CAP + PCI_MSIX_TABLE, 4, 0, 0,
                       UINT32_MAX);
    dw_pcie_ep_dbi_def(s, DW_PCIE_EP_MSIX_CAP + PCI_MSIX_PBA, 4, 0, 0,
                       UINT32_MAX);

    /* Port logic: storage, but for what reports the core and the link */
    memset(s->dbi_wmask + DW_PCIE_EP_PORT_LOGIC, 0xff,
           DW_PCIE_EP_DBI_SIZE - DW_PCIE_EP_PORT_LOGIC);
    dw_pcie_ep_dbi_def(s, DW_PCIE_EP_PORT_LINK_CTRL, 4,
                       DW_PCIE_EP_LINK_MODE_1, UINT32_MAX, 0);
    dw_pcie_ep_dbi_def(s, DW_PCIE_EP_DEBUG0, 4, 0, 0, 0);
    dw_pcie_ep_dbi_def(s, DW_PCIE_EP_DEBUG1, 4, 0, 0, 0);
    dw_pcie_ep_dbi_def(s, DW_PCIE_EP_WIDTH_SPEED_CTRL, 4,
                       DW_PCIE_EP_LINK_WIDTH_1, UINT32_MAX, 0);
    dw_pcie_ep_dbi_def(s, DW_PCIE_EP_VERSION_NUMBER, 4,
                       DW_PCIE_EP_VERSION_540A, 0, 0);
    dw_pcie_ep_dbi_def(s, DW_PCIE_EP_VERSION_TYPE, 4, DW_PCIE_EP_TYPE_GA,
                       0, 0);
    dw_pcie_ep_dbi_def(s, DW_PCIE_EP_ATU_VIEWPORT, 4,
                       DW_PCIE_EP_ATU_UNROLLED, 0, 0);
}

/* A BAR Indicator the host can use: BAR0 to BAR5 */
static bool dw_pcie_ep_msix_bir_ok(uint32_t reg)
{
    return (reg & PCI_MSIX_TABLE_BIR) < LAB_LINK_NUM_BARS;
}

/* The MSI-X capability's read-only fields, as CONFIG and MSIX carry them */
static void dw_pcie_ep_msix(DwPcieEpState *s, LabEpMsix *msix)
{
    hwaddr cap = DW_PCIE_EP_MSIX_CAP;

    msix->flags = LAB_LINK_MSIX_PRESENT;
    msix->qsize = dw_pcie_ep_dbi_word(s, cap + PCI_MSIX_FLAGS) &
                  PCI_MSIX_FLAGS_QSIZE;
    msix->table = dw_pcie_ep_dbi_long(s, cap + PCI_MSIX_TABLE);
    msix->pba = dw_pcie_ep_dbi_long(s, cap + PCI_MSIX_PBA);
}

/* The function as CONFIG describes it. */
static void dw_pcie_ep_function(DwPcieEpState *s, LabEpFunction *fn)
{
    uint16_t msi = dw_pcie_ep_dbi_word(s, DW_PCIE_EP_MSI_CAP + PCI_MSI_FLAGS);
    uint8_t pin = s->dbi[PCI_INTERRUPT_PIN];
    unsigned mmc = (msi & PCI_MSI_FLAGS_QMASK) >> 1;

    fn->id = dw_pcie_ep_dbi_long(s, PCI_VENDOR_ID);
    fn->class = dw_pcie_ep_dbi_long(s, PCI_REVISION_ID);
    fn->subsys = dw_pcie_ep_dbi_long(s, PCI_SUBSYSTEM_VENDOR_ID);
    if (pin > DW_PCIE_EP_MAX_INTX_PIN) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: interrupt pin %u does not exist;"
                      " the host sees none\n", TYPE_DW_PCIE_EP, pin);
        pin = 0;
    }
    fn->misc = pin;
    if (mmc > LAB_LINK_MAX_MSI_LOG2) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: MSI Multiple Message Capable %u"
                      " is reserved; the host sees 32 vectors\n",
                      TYPE_DW_PCIE_EP, mmc);
        mmc = LAB_LINK_MAX_MSI_LOG2;
    }
    fn->msi_cap = mmc;
    dw_pcie_ep_msix(s, &fn->msix);
}

/* The link: enabled by the endpoint's software, up with a host */

static bool dw_pcie_ep_link_enabled(DwPcieEpState *s)
{
    return dw_pcie_ep_dbi_long(s, DW_PCIE_EP_PORT_LINK_CTRL) &
           DW_PCIE_EP_DLL_LINK_EN;
}

/*
 * Recompute the link state and the registers that report it.
 * @tell_host: send the host a LINK message if the state changed.
 */
static void dw_pcie_ep_update_link(DwPcieEpState *s, bool tell_host)
{
    bool up = dw_pcie_ep_link_enabled(s) && lab_ep_link_possible(&s->ep);
    uint32_t lnkcap = dw_pcie_ep_dbi_long(s, DW_PCIE_EP_EXP_CAP +
                                          PCI_EXP_LNKCAP);
    uint16_t lnksta = 0;

    if (up) {
        /* Trained at the top speed and width: same fields as LNKCAP's */
        lnksta = lnkcap & (PCI_EXP_LNKCAP_SLS | PCI_EXP_LNKCAP_MLW);
    }
    stw_le_p(&s->dbi[DW_PCIE_EP_EXP_CAP + PCI_EXP_LNKSTA], lnksta);
    stl_le_p(&s->dbi[DW_PCIE_EP_DEBUG0], up ? DW_PCIE_EP_LTSSM_L0 : 0);
    stl_le_p(&s->dbi[DW_PCIE_EP_DEBUG1], up ? DW_PCIE_EP_DEBUG1_LINK_UP : 0);

    if (up == s->link_up) {
        return;
    }
    s->link_up = up;
    if (tell_host) {
        lab_ep_send_value(&s->ep, LAB_MSG_LINK, up);
    }
}

/* BARs */

static bool dw_pcie_ep_behind_smmu(DwPcieEpState *s)
{
    return s->stream_id != DW_PCIE_EP_NO_STREAM_ID;
}

static bool dw_pcie_ep_is_edma_bar(DwPcieEpState *s, unsigned n)
{
    return s->edma_bar != DW_PCIE_EP_NO_EDMA_BAR && n == (unsigned)s->edma_bar;
}

static bool dw_pcie_ep_bar_is_64(DwPcieEpState *s, unsigned n)
{
    uint32_t reg = dw_pcie_ep_dbi_long(s, PCI_BASE_ADDRESS_0 + 4 * n);

    return !dw_pcie_ep_is_edma_bar(s, n) &&
           (s->dbi2_bar[n] & DW_PCIE_EP_BAR_MASK_ENABLE) &&
           !(reg & PCI_BASE_ADDRESS_SPACE_IO) &&
           (reg & PCI_BASE_ADDRESS_MEM_TYPE_MASK) ==
           PCI_BASE_ADDRESS_MEM_TYPE_64;
}

/*
 * BAR @n as the registers define it. Returns what is wrong with an
 * enabled BAR the host cannot see, or NULL.
 */
static const char *dw_pcie_ep_bar(DwPcieEpState *s, unsigned n,
                                  DwPcieEpBar *bar)
{
    uint32_t reg = dw_pcie_ep_dbi_long(s, PCI_BASE_ADDRESS_0 + 4 * n);
    uint32_t flags = LAB_LINK_BAR_ENABLE;
    uint64_t mask = s->dbi2_bar[n];

    memset(bar, 0, sizeof(*bar));
    if (dw_pcie_ep_is_edma_bar(s, n)) {
        /* Fixed onto the eDMA block, whatever the function programs */
        bar->flags = LAB_LINK_BAR_ENABLE;
        bar->size = DW_EDMA_V0_MMIO_SIZE;
        bar->mapped = true;
        bar->target = s->regs + DW_PCIE_EP_DMA_OFFSET;
        return NULL;
    }
    if ((n > 0 && dw_pcie_ep_bar_is_64(s, n - 1)) ||
        !(mask & DW_PCIE_EP_BAR_MASK_ENABLE)) {
        return NULL;
    }
    if (reg & PCI_BASE_ADDRESS_SPACE_IO) {
        return "I/O BARs are not modelled";
    }
    switch (reg & PCI_BASE_ADDRESS_MEM_TYPE_MASK) {
    case PCI_BASE_ADDRESS_MEM_TYPE_32:
        break;
    case PCI_BASE_ADDRESS_MEM_TYPE_64:
        if (n == LAB_LINK_NUM_BARS - 1) {
            return "a 64-bit BAR5 has no upper half";
        }
        if (dw_pcie_ep_is_edma_bar(s, n + 1)) {
            return "its upper half is the fixed eDMA BAR";
        }
        mask |= (uint64_t)s->dbi2_bar[n + 1] << 32;
        flags |= LAB_LINK_BAR_MEM64;
        break;
    default:
        return "reserved memory type";
    }
    if (reg & PCI_BASE_ADDRESS_MEM_PREFETCH) {
        flags |= LAB_LINK_BAR_PREFETCH;
    }
    if (mask == UINT64_MAX || !is_power_of_2(mask + 1) ||
        mask + 1 < LAB_LINK_BAR_MIN_SIZE || mask + 1 > LAB_LINK_BAR_MAX_SIZE) {
        return "size is not a power of two from 128 B to 1 GiB";
    }
    bar->flags = flags;
    bar->size = mask + 1;
    bar->mapped = dw_pcie_atu_ib_bar(&s->atu, n, &bar->target);
    return NULL;
}

/* Describe BAR @n for the host; returns what dw_pcie_ep_bar() does. */
static const char *dw_pcie_ep_bar_desc(DwPcieEpState *s, unsigned n,
                                       LabLinkBar *desc)
{
    LabLinkPath path = LAB_PATH_NONE;
    const char *problem;
    DwPcieEpBar bar;

    problem = dw_pcie_ep_bar(s, n, &bar);
    if (dw_pcie_ep_is_edma_bar(s, n)) {
        path = LAB_PATH_MESSAGE;
    } else if (bar.mapped) {
        /* The target is an IOVA behind the SMMU: only we translate it. */
        path = dw_pcie_ep_behind_smmu(s) ? LAB_PATH_MESSAGE :
               LAB_PATH_FAST;   /* unless the target is not RAM */
    }
    lab_ep_bar_desc(&s->ep, desc, bar.flags, bar.size, path, bar.target);
    return problem;
}

/*
 * The DBI BAR registers are the ones the host assigned: whatever the
 * endpoint writes there (set_bar() writes the flags, clear_bar() zero)
 * replaces the host's address.
 */
static void dw_pcie_ep_send_bar_reg(DwPcieEpState *s, unsigned n)
{
    LabLinkBarReg msg = {
        .index = cpu_to_le32(n),
        .value = cpu_to_le32(dw_pcie_ep_dbi_long(s, PCI_BASE_ADDRESS_0 +
                                                 4 * n)),
    };

    if (lab_ep_host_connected(&s->ep)) {
        lab_ep_send(&s->ep, LAB_MSG_BAR_REG, &msg, sizeof(msg));
    }
}

/* Tell the host about every BAR whose description changed. */
static void dw_pcie_ep_update_bars(DwPcieEpState *s)
{
    const char *problem;
    LabLinkBar desc;
    unsigned n;

    for (n = 0; n < LAB_LINK_NUM_BARS; n++) {
        problem = dw_pcie_ep_bar_desc(s, n, &desc);
        if (!memcmp(&desc, &s->bar_sent[n], sizeof(desc))) {
            continue;
        }
        if (problem) {
            qemu_log_mask(LOG_GUEST_ERROR, "%s: BAR%u: %s; the host does not"
                          " see it\n", TYPE_DW_PCIE_EP, n, problem);
        }
        s->bar_sent[n] = desc;
        lab_ep_send_bar(&s->ep, n, &desc);
    }
}

/* Outbound windows */

static void dw_pcie_ep_ob_unmap(DwPcieEpState *s, DwPcieEpWindow *w)
{
    if (w->mapped) {
        memory_region_del_subregion(&s->addr_space, &w->mr);
        object_unparent(OBJECT(&w->mr));
        w->mapped = false;
    }
}

static void dw_pcie_ep_send_host_write(DwPcieEpState *s, uint64_t addr,
                                       unsigned size, uint64_t data)
{
    LabLinkHostWrite msg = {
        .addr = cpu_to_le64(addr),
        .size = size,
        .data = cpu_to_le64(data),
    };

    lab_ep_send(&s->ep, LAB_MSG_HOST_WRITE, &msg, sizeof(msg));
}

/*
 * A window whose target is not all host RAM: the bytes in host RAM are
 * accessed there, writes elsewhere are posted to the host, reads
 * elsewhere complete with all-ones (no host answers them).
 */
static uint64_t dw_pcie_ep_ob_read(void *opaque, hwaddr addr, unsigned size)
{
    DwPcieEpWindow *w = opaque;
    DwPcieEpState *s = w->s;
    uint64_t off;

    if (lab_ep_host_range(&s->ep, w->pci + addr, size, &off)) {
        return ldn_le_p((uint8_t *)memory_region_get_ram_ptr(
                            &s->ep.host_ram->mr) + off, size);
    }
    return dw_pcie_ep_all_ones(size);
}

static void dw_pcie_ep_ob_write(void *opaque, hwaddr addr, uint64_t val,
                                unsigned size)
{
    DwPcieEpWindow *w = opaque;
    DwPcieEpState *s = w->s;
    uint64_t off;

    if (lab_ep_host_range(&s->ep, w->pci + addr, size, &off)) {
        stn_le_p((uint8_t *)memory_region_get_ram_ptr(&s->ep.host_ram->mr) +
                 off, size, val);
    } else if (s->link_up) {
        dw_pcie_ep_send_host_write(s, w->pci + addr, size, val);
    }
}

static const MemoryRegionOps dw_pcie_ep_ob_ops = {
    .read = dw_pcie_ep_ob_read,
    .write = dw_pcie_ep_ob_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = LAB_LINK_ANY_ACCESS,
    .impl = LAB_LINK_ANY_ACCESS,
};

/* Map outbound region @i per its registers and the host connection. */
static void dw_pcie_ep_ob_update(DwPcieEpState *s, unsigned i)
{
    DwPcieEpWindow *w = &s->ob[i];
    g_autofree char *name = NULL;
    uint64_t cpu, size, pci, off;

    memory_region_transaction_begin();
    dw_pcie_ep_ob_unmap(s, w);
    if (!dw_pcie_atu_ob_window(&s->atu, i, &cpu, &size, &pci)) {
        goto out;
    }
    if (cpu < s->as_base || cpu - s->as_base >= s->as_size ||
        size > s->as_size - (cpu - s->as_base)) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: outbound region %u: 0x%" PRIx64
                      " + 0x%" PRIx64 " is outside addr_space; ignored\n",
                      TYPE_DW_PCIE_EP, i, cpu, size);
        goto out;
    }
    name = g_strdup_printf("dw-pcie-ep-outbound%u", i);
    w->pci = pci;
    if (lab_ep_host_range(&s->ep, pci, size, &off)) {
        memory_region_init_alias(&w->mr, OBJECT(s), name, &s->ep.host_ram->mr,
                                 off, size);
    } else {
        memory_region_init_io(&w->mr, OBJECT(s), &dw_pcie_ep_ob_ops, w, name,
                              size);
    }
    /* Lower numbered regions win where windows overlap. */
    memory_region_add_subregion_overlap(&s->addr_space, cpu - s->as_base,
                                        &w->mr, DW_PCIE_ATU_REGIONS - i);
    w->mapped = true;
out:
    memory_region_transaction_commit();
}

static void dw_pcie_ep_ob_update_all(DwPcieEpState *s)
{
    unsigned i;

    memory_region_transaction_begin();
    for (i = 0; i < DW_PCIE_ATU_REGIONS; i++) {
        dw_pcie_ep_ob_update(s, i);
    }
    memory_region_transaction_commit();
}

static void dw_pcie_ep_atu_changed(void *opaque, bool inbound, unsigned i)
{
    DwPcieEpState *s = opaque;
    uint64_t cpu, size, pci;

    if (inbound) {
        dw_pcie_ep_update_bars(s);
    } else if (s->ob[i].mapped ||
               dw_pcie_atu_ob_window(&s->atu, i, &cpu, &size, &pci)) {
        dw_pcie_ep_ob_update(s, i);
    }
}

/* CPU accesses to addr_space outside every window */
static uint64_t dw_pcie_ep_as_read(void *opaque, hwaddr addr, unsigned size)
{
    qemu_log_mask(LOG_GUEST_ERROR, "%s: addr_space read at 0x%" HWADDR_PRIx
                  " hits no outbound region\n", TYPE_DW_PCIE_EP, addr);
    return dw_pcie_ep_all_ones(size);
}

static void dw_pcie_ep_as_write(void *opaque, hwaddr addr, uint64_t val,
                                unsigned size)
{
    qemu_log_mask(LOG_GUEST_ERROR, "%s: addr_space write at 0x%" HWADDR_PRIx
                  " hits no outbound region\n", TYPE_DW_PCIE_EP, addr);
}

static const MemoryRegionOps dw_pcie_ep_as_ops = {
    .read = dw_pcie_ep_as_read,
    .write = dw_pcie_ep_as_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = LAB_LINK_ANY_ACCESS,
    .impl = LAB_LINK_ANY_ACCESS,
};

/*
 * The eDMA's access to host memory. It bypasses the iATU: @pci_addr is a
 * host bus address. Writes outside host RAM (an interrupt write) are
 * posted as HOST_WRITE messages, in naturally aligned pieces.
 */
static bool dw_pcie_ep_edma_pci_rw(void *opaque, uint64_t pci_addr,
                                   void *buf, uint64_t len, bool is_write)
{
    DwPcieEpState *s = opaque;
    uint8_t *p = buf, *ram;
    uint64_t off;
    unsigned chunk;

    if (!s->link_up) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: eDMA access to host address 0x%"
                      PRIx64 " while the link is down\n", TYPE_DW_PCIE_EP,
                      pci_addr);
        return false;
    }
    if (lab_ep_host_range(&s->ep, pci_addr, len, &off)) {
        ram = (uint8_t *)memory_region_get_ram_ptr(&s->ep.host_ram->mr) + off;
        if (is_write) {
            memcpy(ram, buf, len);
        } else {
            memcpy(buf, ram, len);
        }
        return true;
    }
    if (!is_write || len > DW_PCIE_EP_HOST_WRITE_MAX) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: eDMA %s of 0x%" PRIx64 " bytes at"
                      " host address 0x%" PRIx64 " outside host RAM\n",
                      TYPE_DW_PCIE_EP, is_write ? "write" : "read", len,
                      pci_addr);
        return false;
    }
    while (len) {
        chunk = 8;
        while (chunk > len || (pci_addr & (chunk - 1))) {
            chunk >>= 1;
        }
        dw_pcie_ep_send_host_write(s, pci_addr, chunk, ldn_le_p(p, chunk));
        pci_addr += chunk;
        p += chunk;
        len -= chunk;
    }
    return true;
}

/* DBI */

/* Warn when the function changes under a host that enumerated it. */
static void dw_pcie_ep_check_function(DwPcieEpState *s)
{
    LabEpFunction fn;

    if (!lab_ep_host_connected(&s->ep)) {
        return;
    }
    dw_pcie_ep_function(s, &fn);
    /* MSI-X changes reach the host: dw_pcie_ep_update_msix() */
    fn.msix = s->fn_sent.msix;
    if (memcmp(&fn, &s->fn_sent, sizeof(fn))) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: header or MSI capability changed"
                      " while a host is connected: the host sees it once it"
                      " re-adds the function\n", TYPE_DW_PCIE_EP);
    }
}

/*
 * Tell a connected host about a new MSI-X table size, table or PBA, as a
 * real host would find them in the capability from then on.
 */
static void dw_pcie_ep_update_msix(DwPcieEpState *s)
{
    LabEpMsix msix;

    dw_pcie_ep_msix(s, &msix);
    if (!lab_ep_host_connected(&s->ep) ||
        !memcmp(&msix, &s->fn_sent.msix, sizeof(msix))) {
        return;
    }
    s->fn_sent.msix = msix;
    lab_ep_send_msix(&s->ep, &msix);
}

static uint64_t dw_pcie_ep_dbi_read(void *opaque, hwaddr addr, unsigned size)
{
    DwPcieEpState *s = opaque;

    if (!dw_pcie_ep_valid_size(size) || addr + size > DW_PCIE_EP_DBI_SIZE) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: %u-byte DBI read at 0x%"
                      HWADDR_PRIx "\n", TYPE_DW_PCIE_EP, size, addr);
        return 0;
    }
    return ldn_le_p(&s->dbi[addr], size);
}

static void dw_pcie_ep_dbi_write(void *opaque, hwaddr addr, uint64_t val,
                                 unsigned size)
{
    DwPcieEpState *s = opaque;
    bool ro_wr_en = s->dbi[DW_PCIE_EP_MISC_CONTROL_1] &
                    DW_PCIE_EP_DBI_RO_WR_EN;
    bool refused = false;
    uint8_t mask, b;
    unsigned i;

    if (!dw_pcie_ep_valid_size(size) || addr + size > DW_PCIE_EP_DBI_SIZE) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: %u-byte DBI write at 0x%"
                      HWADDR_PRIx "\n", TYPE_DW_PCIE_EP, size, addr);
        return;
    }
    for (i = 0; i < size; i++) {
        b = val >> (8 * i);
        mask = s->dbi_wmask[addr + i];
        if (ro_wr_en) {
            mask |= s->dbi_romask[addr + i];
        }
        if ((s->dbi[addr + i] ^ b) & ~mask) {
            refused = true;
        }
        s->dbi[addr + i] = (s->dbi[addr + i] & ~mask) | (b & mask);
    }
    if (refused) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: DBI write of 0x%" PRIx64 " at 0x%"
                      HWADDR_PRIx ": read-only bits kept (DBI_RO_WR_EN %s)\n",
                      TYPE_DW_PCIE_EP, val, addr, ro_wr_en ? "set" : "clear");
    }

    if (dw_pcie_ep_overlaps(addr, size, DW_PCIE_EP_PORT_LINK_CTRL, 4)) {
        dw_pcie_ep_update_link(s, true);
    }
    if (dw_pcie_ep_overlaps(addr, size, PCI_BASE_ADDRESS_0,
                            4 * LAB_LINK_NUM_BARS)) {
        for (i = 0; i < LAB_LINK_NUM_BARS; i++) {
            if (dw_pcie_ep_overlaps(addr, size, PCI_BASE_ADDRESS_0 + 4 * i,
                                    4)) {
                dw_pcie_ep_send_bar_reg(s, i);
            }
        }
        dw_pcie_ep_update_bars(s);
    }
    if (dw_pcie_ep_overlaps(addr, size, 0, PCI_STD_HEADER_SIZEOF) ||
        dw_pcie_ep_overlaps(addr, size, DW_PCIE_EP_MSI_CAP + PCI_MSI_FLAGS,
                            2)) {
        dw_pcie_ep_check_function(s);
    }
    if (dw_pcie_ep_overlaps(addr, size, DW_PCIE_EP_MSIX_CAP + PCI_MSIX_TABLE,
                            8)) {
        hwaddr reg = DW_PCIE_EP_MSIX_CAP + PCI_MSIX_TABLE;

        for (i = 0; i < 2; i++, reg += 4) {
            if (dw_pcie_ep_overlaps(addr, size, reg, 4) &&
                !dw_pcie_ep_msix_bir_ok(dw_pcie_ep_dbi_long(s, reg))) {
                qemu_log_mask(LOG_GUEST_ERROR, "%s: MSI-X %s BIR %u is"
                              " reserved; the host ignores it\n",
                              TYPE_DW_PCIE_EP, i ? "PBA" : "table",
                              dw_pcie_ep_dbi_long(s, reg) &
                              PCI_MSIX_TABLE_BIR);
            }
        }
    }
    if (dw_pcie_ep_overlaps(addr, size, DW_PCIE_EP_MSIX_CAP + PCI_MSIX_FLAGS,
                            PCI_MSIX_PBA + 4 - PCI_MSIX_FLAGS)) {
        dw_pcie_ep_update_msix(s);
    }
}

static const MemoryRegionOps dw_pcie_ep_dbi_ops = {
    .read = dw_pcie_ep_dbi_read,
    .write = dw_pcie_ep_dbi_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = LAB_LINK_ANY_ACCESS,
    .impl = LAB_LINK_ANY_ACCESS,
};

/* DBI2: the BAR masks; the rest of the shadow space is not modelled. */

static bool dw_pcie_ep_dbi2_bar(hwaddr addr, unsigned size, unsigned *n)
{
    if (size != 4 || addr < PCI_BASE_ADDRESS_0 ||
        addr >= PCI_BASE_ADDRESS_0 + 4 * LAB_LINK_NUM_BARS || (addr & 3)) {
        return false;
    }
    *n = (addr - PCI_BASE_ADDRESS_0) / 4;
    return true;
}

static uint64_t dw_pcie_ep_dbi2_read(void *opaque, hwaddr addr, unsigned size)
{
    DwPcieEpState *s = opaque;
    unsigned n;

    return dw_pcie_ep_dbi2_bar(addr, size, &n) ? s->dbi2_bar[n] : 0;
}

static void dw_pcie_ep_dbi2_write(void *opaque, hwaddr addr, uint64_t val,
                                  unsigned size)
{
    DwPcieEpState *s = opaque;
    unsigned n;

    if (!dw_pcie_ep_dbi2_bar(addr, size, &n)) {
        qemu_log_mask(LOG_UNIMP, "%s: %u-byte DBI2 write of 0x%" PRIx64
                      " at 0x%" HWADDR_PRIx ": only the 32-bit BAR masks are"
                      " modelled\n", TYPE_DW_PCIE_EP, size, val, addr);
        return;
    }
    s->dbi2_bar[n] = val;
    dw_pcie_ep_update_bars(s);
}

static const MemoryRegionOps dw_pcie_ep_dbi2_ops = {
    .read = dw_pcie_ep_dbi2_read,
    .write = dw_pcie_ep_dbi2_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = LAB_LINK_ANY_ACCESS,
    .impl = LAB_LINK_ANY_ACCESS,
};

/* Host accesses to the BARs */

/*
 * The attributes of the host's accesses as the controller performs them
 * on the endpoint's bus. With a requester ID, a write that lands on the
 * GIC ITS's translation register is an MSI of that device ID, as a board
 * whose controller reaches an ITS makes it (the device tree's
 * msi-parent names the same ID).
 */
static MemTxAttrs dw_pcie_ep_inbound_attrs(DwPcieEpState *s)
{
    MemTxAttrs attrs = MEMTXATTRS_UNSPECIFIED;

    if (s->requester_id != DW_PCIE_EP_NO_REQUESTER_ID) {
        attrs = (MemTxAttrs) { .requester_id = s->requester_id };
    }
    return attrs;
}

/*
 * Where a host access to BAR @n is performed: the eDMA BAR is the
 * controller's own register block, reached without leaving it; the other
 * BARs' targets are bus-master accesses of the controller, which an SMMU
 * in front of it translates.
 */
static AddressSpace *dw_pcie_ep_inbound_as(DwPcieEpState *s, unsigned n)
{
    return dw_pcie_ep_is_edma_bar(s, n) ? &address_space_memory : s->dma_as;
}

/*
 * Check a host access to BAR @n and return the endpoint address it
 * targets, or false if it must fail.
 */
static bool dw_pcie_ep_inbound_addr(DwPcieEpState *s, const char *what,
                                    unsigned n, uint64_t offset,
                                    unsigned size, hwaddr *addr)
{
    DwPcieEpBar bar;

    if (n >= LAB_LINK_NUM_BARS || !dw_pcie_ep_valid_size(size)) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: host %s of %u bytes at BAR%u:"
                      " malformed\n", TYPE_DW_PCIE_EP, what, size, n);
        return false;
    }
    if (!s->link_up) {
        return false;
    }
    dw_pcie_ep_bar(s, n, &bar);
    if (!(bar.flags & LAB_LINK_BAR_ENABLE) || offset >= bar.size ||
        size > bar.size - offset) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: host %s at BAR%u + 0x%" PRIx64
                      ": outside the BAR\n", TYPE_DW_PCIE_EP, what, n,
                      offset);
        return false;
    }
    if (!bar.mapped) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: host %s at BAR%u + 0x%" PRIx64
                      ": no inbound region matches the BAR\n",
                      TYPE_DW_PCIE_EP, what, n, offset);
        return false;
    }
    *addr = bar.target + offset;
    return true;
}

static bool dw_pcie_ep_bar_read(void *opaque, const LabLinkMemRead *req,
                                uint64_t *data)
{
    DwPcieEpState *s = opaque;
    uint64_t offset = le64_to_cpu(req->offset);
    uint8_t buf[8];
    hwaddr addr;

    if (!dw_pcie_ep_inbound_addr(s, "read", req->bar, offset, req->size,
                                 &addr)) {
        return false;
    }
    if (address_space_read(dw_pcie_ep_inbound_as(s, req->bar), addr,
                           dw_pcie_ep_inbound_attrs(s), buf, req->size) !=
        MEMTX_OK) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: host read at BAR%u + 0x%"
                      PRIx64 ": read at 0x%" HWADDR_PRIx " failed\n",
                      TYPE_DW_PCIE_EP, req->bar, offset, addr);
        return false;
    }
    *data = ldn_le_p(buf, req->size);
    return true;
}

static void dw_pcie_ep_bar_write(void *opaque, const LabLinkMemWrite *req)
{
    DwPcieEpState *s = opaque;
    uint64_t offset = le64_to_cpu(req->offset);
    uint8_t buf[8];
    hwaddr addr;

    if (!dw_pcie_ep_inbound_addr(s, "write", req->bar, offset, req->size,
                                 &addr)) {
        return;
    }
    stn_le_p(buf, req->size, le64_to_cpu(req->data));
    if (address_space_write(dw_pcie_ep_inbound_as(s, req->bar), addr,
                            dw_pcie_ep_inbound_attrs(s), buf, req->size) !=
        MEMTX_OK) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: host write at BAR%u + 0x%" PRIx64
                      ": write at 0x%" HWADDR_PRIx " failed\n",
                      TYPE_DW_PCIE_EP, req->bar, offset, addr);
    }
}

/*
 * Mirror the host's MSI programming into the DBI MSI capability, and its
 * MSI-X Enable and Function Mask into the DBI MSI-X capability.
 */
static void dw_pcie_ep_set_host_msi(DwPcieEpState *s, uint16_t control,
                                    uint64_t address, uint16_t data,
                                    uint16_t msix_control)
{
    hwaddr cap = DW_PCIE_EP_MSI_CAP;
    hwaddr xcap = DW_PCIE_EP_MSIX_CAP;
    const uint16_t host = PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE;
    const uint16_t xhost = PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL;
    uint16_t flags = dw_pcie_ep_dbi_word(s, cap + PCI_MSI_FLAGS);
    uint16_t xflags = dw_pcie_ep_dbi_word(s, xcap + PCI_MSIX_FLAGS);

    flags = (flags & ~host) | (control & host);
    stw_le_p(&s->dbi[cap + PCI_MSI_FLAGS], flags);
    stl_le_p(&s->dbi[cap + PCI_MSI_ADDRESS_LO], address & ~3ull);
    stl_le_p(&s->dbi[cap + PCI_MSI_ADDRESS_HI], address >> 32);
    stw_le_p(&s->dbi[cap + PCI_MSI_DATA_64], data);
    xflags = (xflags & ~xhost) | (msix_control & xhost);
    stw_le_p(&s->dbi[xcap + PCI_MSIX_FLAGS], xflags);
}

static void dw_pcie_ep_host_msi(void *opaque, const LabLinkHostMsi *msg)
{
    DwPcieEpState *s = opaque;
    uint32_t control = le32_to_cpu(msg->control);
    uint32_t data = le32_to_cpu(msg->data);
    uint32_t msix_control = le32_to_cpu(msg->msix_control);
    unsigned mme = (control & PCI_MSI_FLAGS_QSIZE) >> 4;

    if (control > UINT16_MAX || data > UINT16_MAX ||
        mme > LAB_LINK_MAX_MSI_LOG2 || msix_control > UINT16_MAX) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: host sent a bad HOST_MSI (control"
                      " 0x%x, data 0x%x, MSI-X control 0x%x)\n",
                      TYPE_DW_PCIE_EP, control, data, msix_control);
        return;
    }
    dw_pcie_ep_set_host_msi(s, control, le64_to_cpu(msg->address), data,
                            msix_control);
}

/* The host connection */

static void dw_pcie_ep_host_connected(void *opaque)
{
    DwPcieEpState *s = opaque;
    unsigned n;

    dw_pcie_ep_ob_update_all(s);
    dw_pcie_ep_function(s, &s->fn_sent);
    for (n = 0; n < LAB_LINK_NUM_BARS; n++) {
        dw_pcie_ep_bar_desc(s, n, &s->bar_sent[n]);
    }
    /* CONFIG carries the link state, no LINK message needed. */
    lab_ep_send_config(&s->ep, &s->fn_sent, dw_pcie_ep_link_enabled(s),
                       s->bar_sent);
    dw_pcie_ep_update_link(s, false);
}

static void dw_pcie_ep_host_gone(void *opaque)
{
    DwPcieEpState *s = opaque;

    /* Windows onto host RAM become windows onto nothing. */
    dw_pcie_ep_ob_update_all(s);
    dw_pcie_ep_set_host_msi(s, 0, 0, 0, 0);
    dw_pcie_ep_update_link(s, false);
}

/*
 * The host's reset (PERST#) took the link down, or its end lets it train
 * again: LTSSM and link status follow. A real core raises no interrupt
 * of its own for it; the glue may (see dw_pcie_ep_linkdown() users).
 */
static void dw_pcie_ep_host_reset(void *opaque)
{
    dw_pcie_ep_update_link(opaque, true);
}

/* HOST_CFG: HOST_MSI carries all of it and more. */
static const LabEpOps dw_pcie_ep_ep_ops = {
    .host_connected = dw_pcie_ep_host_connected,
    .host_gone = dw_pcie_ep_host_gone,
    .bar_read = dw_pcie_ep_bar_read,
    .bar_write = dw_pcie_ep_bar_write,
    .host_msi = dw_pcie_ep_host_msi,
    .host_reset = dw_pcie_ep_host_reset,
};

/* Device life cycle */

/*
 * Reset: power-on registers, link disabled, every iATU region off, eDMA
 * idle, host told. The BAR registers go back to 0, the host's too, as on
 * a real core. The host's MSI and MSI-X programming is a copy here and
 * stays (the host sends it only when it writes it); a real core loses it
 * with the rest, which a host driver sees as its interrupts stopping.
 */
static void dw_pcie_ep_reset(void *opaque)
{
    DwPcieEpState *s = opaque;
    hwaddr cap = DW_PCIE_EP_MSI_CAP;
    uint16_t msi_flags = dw_pcie_ep_dbi_word(s, cap + PCI_MSI_FLAGS);
    uint64_t msi_addr = deposit64(dw_pcie_ep_dbi_long(s, cap +
                                                      PCI_MSI_ADDRESS_LO),
                                  32, 32, dw_pcie_ep_dbi_long(s, cap +
                                                   PCI_MSI_ADDRESS_HI));
    uint16_t msi_data = dw_pcie_ep_dbi_word(s, cap + PCI_MSI_DATA_64);
    uint16_t msix_flags = dw_pcie_ep_dbi_word(s, DW_PCIE_EP_MSIX_CAP +
                                              PCI_MSIX_FLAGS);
    unsigned n;

    memcpy(s->dbi, s->dbi_reset, sizeof(s->dbi));
    if (lab_ep_host_connected(&s->ep)) {
        dw_pcie_ep_set_host_msi(s, msi_flags, msi_addr, msi_data,
                                msix_flags);
    }
    memset(s->dbi2_bar, 0, sizeof(s->dbi2_bar));
    dw_pcie_atu_reset(&s->atu);
    dw_pcie_ep_ob_update_all(s);
    dw_edma_v0_reset(&s->edma);
    dw_pcie_ep_update_link(s, true);
    for (n = 0; n < LAB_LINK_NUM_BARS; n++) {
        dw_pcie_ep_send_bar_reg(s, n);
    }
    dw_pcie_ep_update_bars(s);
    dw_pcie_ep_update_msix(s);
}

static bool dw_pcie_ep_check_props(DwPcieEpState *s, Error **errp)
{
    if (s->edma_bar != DW_PCIE_EP_NO_EDMA_BAR &&
        (s->edma_bar < 0 || s->edma_bar >= LAB_LINK_NUM_BARS)) {
        error_setg(errp, "'edma-bar' %d is not a BAR number: 0 to 5, or -1"
                   " for none", s->edma_bar);
        return false;
    }
    if (s->requester_id != DW_PCIE_EP_NO_REQUESTER_ID &&
        (s->requester_id < 0 || s->requester_id > UINT16_MAX)) {
        error_setg(errp, "'requester-id' %d is not a 16-bit ID, or -1 for"
                   " none", s->requester_id);
        return false;
    }
    if (s->stream_id != DW_PCIE_EP_NO_STREAM_ID &&
        (s->stream_id < 0 || s->stream_id > UINT16_MAX)) {
        error_setg(errp, "'stream-id' %d is not a 16-bit stream ID, or -1"
                   " for none", s->stream_id);
        return false;
    }
    if (s->regs % (4 * KiB) || s->regs + DW_PCIE_EP_DMA_OFFSET +
        DW_EDMA_V0_MMIO_SIZE < s->regs) {
        error_setg(errp, "'regs' 0x%" PRIx64 " is not page aligned", s->regs);
        return false;
    }
    if (!s->as_size || s->as_size % (4 * KiB) || s->as_base % (4 * KiB) ||
        s->as_base + s->as_size < s->as_base) {
        error_setg(errp, "'addr-space' 0x%" PRIx64 " + 'addr-space-size' 0x%"
                   PRIx64 " is not a page-aligned range", s->as_base,
                   s->as_size);
        return false;
    }
    return true;
}

/* The "dma" interrupt: GICv3 SPI @irq. */
static bool dw_pcie_ep_find_irq(DwPcieEpState *s, Error **errp)
{
    bool ambiguous = false;
    uint64_t num_irq;
    Object *gic;

    gic = object_resolve_path_type("", TYPE_ARM_GICV3_COMMON, &ambiguous);
    if (!gic) {
        error_setg(errp, "the machine has %s GICv3 for the 'dma' interrupt",
                   ambiguous ? "more than one" : "no");
        error_append_hint(errp, "Use -M virt,gic-version=3.\n");
        return false;
    }
    num_irq = object_property_get_uint(gic, "num-irq", errp);
    if (num_irq <= GIC_INTERNAL) {
        return false;
    }
    if (s->irq >= num_irq - GIC_INTERNAL) {
        error_setg(errp, "'irq' %u is not an SPI of the GIC (0 to %" PRIu64
                   ")", s->irq, num_irq - GIC_INTERNAL - 1);
        return false;
    }
    s->dma_irq = qdev_get_gpio_in(DEVICE(gic), s->irq);
    return true;
}

/*
 * The address space of the controller's bus-master accesses to endpoint
 * memory: the inbound BAR accesses after the iATU, the eDMA's local side
 * and its linked lists. Without a stream ID it is the system's, as on a
 * board with no IOMMU in front of the controller.
 *
 * With one, it is the machine's SMMUv3's for that stream, as on boards
 * whose controller sits behind an SMMU (i.MX95, RK3588). QEMU 7.2's
 * SMMUv3 serves PCI streams only: it hands out one translated address
 * space per devfn of the PCIe bus it fronts (the bus's IOMMU function),
 * and that stream's ID is the requester ID, bus number and devfn. So the
 * controller borrows a requester ID of that bus (bus 0 on virt) that no
 * PCI device has, and reserves its slot so that none is plugged there
 * later; the device tree's "iommus" names the same ID. The accesses'
 * attributes pass the SMMU unchanged: an inbound write it translates onto
 * the ITS's doorbell still carries the requester-id property.
 *
 * virt makes the SMMU with its PCIe bus, before any -device is realized.
 */
static bool dw_pcie_ep_find_smmu(DwPcieEpState *s, Error **errp)
{
    bool ambiguous = false;
    Object *smmu, *obj;
    PCIBus *bus;
    int devfn;

    s->dma_as = &address_space_memory;
    if (!dw_pcie_ep_behind_smmu(s)) {
        return true;
    }
    smmu = object_resolve_path_type("", TYPE_ARM_SMMUV3, &ambiguous);
    if (!smmu) {
        error_setg(errp, "'stream-id' 0x%x: the machine has %s SMMUv3",
                   s->stream_id, ambiguous ? "more than one" : "no");
        error_append_hint(errp, "Use -M virt,iommu=smmuv3.\n");
        return false;
    }
    obj = object_property_get_link(smmu, "primary-bus", errp);
    if (!obj) {
        return false;
    }
    bus = PCI_BUS(obj);
    if (!bus->iommu_fn || pci_bus_bypass_iommu(bus)) {
        error_setg(errp, "'stream-id' 0x%x: the SMMUv3 translates nothing"
                   " on its PCI bus", s->stream_id);
        error_append_hint(errp, "Leave virt's default-bus-bypass-iommu"
                          " off.\n");
        return false;
    }
    if (PCI_BUS_NUM(s->stream_id) != pci_bus_num(bus)) {
        error_setg(errp, "'stream-id' 0x%x is not a requester ID of the"
                   " SMMUv3's PCI bus %d (0x%02x00 to 0x%02xff)",
                   s->stream_id, pci_bus_num(bus), pci_bus_num(bus),
                   pci_bus_num(bus));
        return false;
    }
    devfn = s->stream_id & 0xff;
    if (bus->devices[devfn]) {
        error_setg(errp, "'stream-id' 0x%x is the requester ID of PCI"
                   " device %s", s->stream_id, bus->devices[devfn]->name);
        return false;
    }
    /* The whole slot: the bus reserves slots, not functions. */
    bus->slot_reserved_mask |= 1u << PCI_SLOT(devfn);
    s->dma_as = bus->iommu_fn(bus, bus->iommu_opaque, devfn);
    return true;
}

static void dw_pcie_ep_realize(DeviceState *dev, Error **errp)
{
    DwPcieEpState *s = DW_PCIE_EP(dev);
    MemoryRegion *sysmem = get_system_memory();
    unsigned i;

    if (!dw_pcie_ep_check_props(s, errp) || !dw_pcie_ep_find_irq(s, errp) ||
        !dw_pcie_ep_find_smmu(s, errp)) {
        return;
    }
    if (!lab_ep_realize(&s->ep, dev, s->socket_path, s->memdev, s->ram_base,
                        DW_PCIE_EP_SEND_TIMEOUT_MS, &dw_pcie_ep_ep_ops, s,
                        errp)) {
        return;
    }

    dw_pcie_ep_dbi_layout(s);
    memcpy(s->dbi, s->dbi_reset, sizeof(s->dbi));
    memory_region_init_io(&s->dbi_mr, OBJECT(s), &dw_pcie_ep_dbi_ops, s,
                          "dw-pcie-ep-dbi", DW_PCIE_EP_DBI_SIZE);
    memory_region_init_io(&s->dbi2_mr, OBJECT(s), &dw_pcie_ep_dbi2_ops, s,
                          "dw-pcie-ep-dbi2", DW_PCIE_EP_DBI2_SIZE);
    dw_pcie_atu_init(&s->atu, OBJECT(s), dw_pcie_ep_atu_changed, s);
    dw_edma_v0_init(&s->edma, OBJECT(s), DW_PCIE_EP_EDMA_CHANNELS,
                    DW_PCIE_EP_EDMA_CHANNELS, s->dma_irq, s->dma_as,
                    dw_pcie_ep_edma_pci_rw, s);
    memory_region_init_io(&s->addr_space, OBJECT(s), &dw_pcie_ep_as_ops, s,
                          "dw-pcie-ep-addr-space", s->as_size);
    for (i = 0; i < DW_PCIE_ATU_REGIONS; i++) {
        s->ob[i].s = s;
    }

    /* Over the platform bus, which the lab's virt machine leaves empty */
    memory_region_add_subregion_overlap(sysmem,
                                        s->regs + DW_PCIE_EP_DBI_OFFSET,
                                        &s->dbi_mr, 1);
    memory_region_add_subregion_overlap(sysmem,
                                        s->regs + DW_PCIE_EP_DBI2_OFFSET,
                                        &s->dbi2_mr, 1);
    memory_region_add_subregion_overlap(sysmem,
                                        s->regs + DW_PCIE_EP_ATU_OFFSET,
                                        &s->atu.mmio, 1);
    memory_region_add_subregion_overlap(sysmem,
                                        s->regs + DW_PCIE_EP_DMA_OFFSET,
                                        dw_edma_v0_mmio(&s->edma), 1);
    memory_region_add_subregion_overlap(sysmem, s->as_base, &s->addr_space,
                                        1);

    /* A device on no bus gets no reset from one. */
    qemu_register_reset(dw_pcie_ep_reset, s);
    dw_pcie_ep_reset(s);
}

static void dw_pcie_ep_unrealize(DeviceState *dev)
{
    DwPcieEpState *s = DW_PCIE_EP(dev);
    MemoryRegion *sysmem = get_system_memory();
    unsigned i;

    qemu_unregister_reset(dw_pcie_ep_reset, s);
    lab_ep_unrealize(&s->ep);

    memory_region_transaction_begin();
    for (i = 0; i < DW_PCIE_ATU_REGIONS; i++) {
        dw_pcie_ep_ob_unmap(s, &s->ob[i]);
    }
    memory_region_del_subregion(sysmem, &s->dbi_mr);
    memory_region_del_subregion(sysmem, &s->dbi2_mr);
    memory_region_del_subregion(sysmem, &s->atu.mmio);
    memory_region_del_subregion(sysmem, dw_edma_v0_mmio(&s->edma));
    memory_region_del_subregion(sysmem, &s->addr_space);
    memory_region_transaction_commit();
    dw_edma_v0_cleanup(&s->edma);
}

static void dw_pcie_ep_instance_init(Object *obj)
{
    DwPcieEpState *s = DW_PCIE_EP(obj);

    lab_ep_instance_init(&s->ep);
}

static Property dw_pcie_ep_properties[] = {
    DEFINE_PROP_STRING("socket", DwPcieEpState, socket_path),
    DEFINE_PROP_LINK("memdev", DwPcieEpState, memdev, TYPE_MEMORY_BACKEND,
                     HostMemoryBackend *),
    DEFINE_PROP_UINT64("ram-base", DwPcieEpState, ram_base, 0x40000000),
    DEFINE_PROP_UINT64("regs", DwPcieEpState, regs, 0x0c000000),
    DEFINE_PROP_UINT64("addr-space", DwPcieEpState, as_base, 0x1000000000),
    DEFINE_PROP_SIZE("addr-space-size", DwPcieEpState, as_size, 256 * MiB),
    DEFINE_PROP_UINT32("irq", DwPcieEpState, irq, 112),
    DEFINE_PROP_INT32("edma-bar", DwPcieEpState, edma_bar,
                      DW_PCIE_EP_NO_EDMA_BAR),
    DEFINE_PROP_INT32("requester-id", DwPcieEpState, requester_id,
                      DW_PCIE_EP_NO_REQUESTER_ID),
    DEFINE_PROP_INT32("stream-id", DwPcieEpState, stream_id,
                      DW_PCIE_EP_NO_STREAM_ID),
    DEFINE_PROP_END_OF_LIST(),
};

/* The peer process and its mappings cannot follow a migration. */
static const VMStateDescription dw_pcie_ep_vmstate = {
    .name = TYPE_DW_PCIE_EP,
    .unmigratable = 1,
};

static void dw_pcie_ep_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);

    dc->realize = dw_pcie_ep_realize;
    dc->unrealize = dw_pcie_ep_unrealize;
    dc->desc = "vNTB lab: DesignWare PCIe controller, endpoint mode";
    dc->vmsd = &dw_pcie_ep_vmstate;
    /* It maps itself at fixed addresses: only from the command line. */
    dc->hotpluggable = false;
    device_class_set_props(dc, dw_pcie_ep_properties);
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static const TypeInfo dw_pcie_ep_info = {
    .name = TYPE_DW_PCIE_EP,
    .parent = TYPE_DEVICE,
    .instance_size = sizeof(DwPcieEpState),
    .instance_init = dw_pcie_ep_instance_init,
    .class_init = dw_pcie_ep_class_init,
};

static void dw_pcie_ep_register_types(void)
{
    type_register_static(&dw_pcie_ep_info);
}

type_init(dw_pcie_ep_register_types)
