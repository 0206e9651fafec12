/*
 * vNTB lab: the PCI function an emulated endpoint presents (lab-epf)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * A PCIe function of the host machine whose identity, MSI and MSI-X
 * capabilities and BARs are whatever the endpoint's software programmed
 * into the controller (lab-epc, dw-pcie-ep) of the endpoint machine,
 * another QEMU process. Host accesses to a BAR either go straight to the
 * endpoint's RAM, which this device maps (fast path), or become messages
 * that the endpoint performs as DMA of its controller (message path). MSI
 * and INTx raised by the endpoint are delivered per the host's own
 * programming; the host's MSI programming is also passed to the endpoint,
 * whose controller may write the MSI message itself, through an outbound
 * window: such writes come back as HOST_WRITE messages, which this
 * function performs as its own DMA.
 * MSI-X works only that way: the capability is presented as the endpoint
 * describes it, its enable and function mask go to the endpoint, and the
 * table and PBA are the endpoint's BAR memory, not emulated here.
 *
 * The endpoint may go away at any time: from then on the function reads
 * all-ones and drops writes, and the host machine keeps running.
 *
 * Semantics: Documentation/lab/emulated-link.rst in the vntb tree; wire
 * protocol: lab-link.h.
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/log.h"
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "qemu/sockets.h"
#include "qemu/bswap.h"
#include "qemu/bitops.h"
#include "qemu/host-utils.h"
#include "qapi/error.h"
#include "hw/pci/pci.h"
#include "hw/pci/msi.h"
#include "hw/pci/pcie.h"
#include "hw/qdev-properties.h"
#include "migration/vmstate.h"
#include "sysemu/hostmem.h"
#include "sysemu/runstate.h"
#include "qom/object.h"
#include "lab-link.h"

#define TYPE_LAB_EPF "lab-epf"
OBJECT_DECLARE_SIMPLE_TYPE(LabEpfState, LAB_EPF)

#define LAB_EPF_MAX_INTX_PIN        4   /* INTD */
/* IDs until realize presents the ones the endpoint programmed */
#define LAB_EPF_PLACEHOLDER_DEVICE_ID 0xe9cf

typedef struct LabEpfBar {
    LabEpfState *s;
    unsigned index;

    /* The layout the host enumerated; size 0 if the BAR is absent */
    uint64_t size;
    uint32_t flags;

    /* The path the endpoint last asked for */
    LabLinkPath path;
    uint64_t ram_offset;

    /*
     * The BAR itself reads all-ones and drops writes; one of its two
     * children covers it while the link is up and the path asks for it.
     */
    MemoryRegion container;
    MemoryRegion msg;       /* forwards to the endpoint */
    MemoryRegion fast;      /* alias into the endpoint's RAM */
    bool has_fast;          /* the BAR fits in the endpoint's RAM */
} LabEpfBar;

struct LabEpfState {
    PCIDevice parent_obj;

    /* Properties */
    char *socket_path;
    HostMemoryBackend *memdev;
    uint64_t ram_base;
    uint32_t timeout_ms;

    LabLink link;
    bool link_up;           /* as the endpoint last said */
    bool realized;

    MemoryRegion ep_ram;    /* the endpoint's RAM, mapped from its fd */
    uint64_t ep_ram_size;

    LabEpfBar bar[LAB_LINK_NUM_BARS];
    uint8_t msix_cap;       /* config offset of MSI-X, 0 when absent */

    uint32_t host_msi;      /* HOST_CFG value last sent */
    LabLinkHostMsi host_msi_cap;    /* HOST_MSI last sent */
    bool intx;

    /* Realize waits for CONFIG */
    LabLinkConfig config;
    uint32_t config_len;
    int config_fd;

    /* A message-path read waits for its reply */
    uint32_t tag;
    LabLinkMemReadReply reply;
    bool timeout_reported;
};

/* Accesses reach the endpoint only while this is true. */
static bool lab_epf_active(LabEpfState *s)
{
    return s->realized && s->link_up && lab_link_connected(&s->link);
}

static uint64_t lab_epf_all_ones(unsigned size)
{
    return MAKE_64BIT_MASK(0, size * 8);
}

/* Show each present BAR per the link state and the endpoint's path. */
static void lab_epf_update_bars(LabEpfState *s)
{
    bool active = lab_epf_active(s);
    unsigned n;

    memory_region_transaction_begin();
    for (n = 0; n < LAB_LINK_NUM_BARS; n++) {
        LabEpfBar *bar = &s->bar[n];

        if (!bar->size) {
            continue;
        }
        memory_region_set_enabled(&bar->msg,
                                  active && bar->path == LAB_PATH_MESSAGE);
        if (bar->has_fast) {
            if (bar->path == LAB_PATH_FAST) {
                memory_region_set_alias_offset(&bar->fast, bar->ram_offset);
            }
            memory_region_set_enabled(&bar->fast,
                                      active && bar->path == LAB_PATH_FAST);
        }
    }
    memory_region_transaction_commit();
}

/*
 * MSI and MSI-X enable as the host set them. A function may use MSI only
 * while MSI-X is disabled and MSI-X only while MSI is disabled, as PCI
 * says; the host's kernel never enables both.
 */
static bool lab_epf_msix_enabled(LabEpfState *s)
{
    PCIDevice *pdev = PCI_DEVICE(s);

    return s->msix_cap && (pci_get_word(pdev->config + s->msix_cap +
                                        PCI_MSIX_FLAGS) &
                           PCI_MSIX_FLAGS_ENABLE);
}

static bool lab_epf_msi_usable(LabEpfState *s)
{
    return msi_enabled(PCI_DEVICE(s)) && !lab_epf_msix_enabled(s);
}

static void lab_epf_set_intx(LabEpfState *s, bool level)
{
    PCIDevice *pdev = PCI_DEVICE(s);

    if (s->intx != level && pci_intx(pdev) >= 0) {
        s->intx = level;
        pci_set_irq(pdev, level);
    }
}

/* Tell the endpoint how the host programmed MSI, if that changed. */
static void lab_epf_update_host_cfg(LabEpfState *s)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    LabLinkValue v;
    uint32_t val = 0;

    if (lab_epf_msi_usable(s)) {
        val = LAB_LINK_HOST_MSI_ENABLE | ctz32(msi_nr_vectors_allocated(pdev));
    }
    if (val == s->host_msi || !lab_link_connected(&s->link)) {
        return;
    }
    s->host_msi = val;
    v.value = cpu_to_le32(val);
    lab_link_send(&s->link, LAB_MSG_HOST_CFG, &v, sizeof(v), -1);
}

/*
 * Tell the endpoint how the host programmed the MSI and MSI-X
 * capabilities, if that changed. @pdev->msi_cap is 0 until realize adds
 * the capability.
 */
static void lab_epf_send_host_msi(LabEpfState *s, uint16_t control,
                                  uint64_t address, uint16_t data,
                                  uint16_t msix_control)
{
    LabLinkHostMsi msg = {
        .control = cpu_to_le32(control),
        .data = cpu_to_le32(data),
        .address = cpu_to_le64(address),
        .msix_control = cpu_to_le32(msix_control),
    };

    if (!lab_link_connected(&s->link) ||
        !memcmp(&msg, &s->host_msi_cap, sizeof(msg))) {
        return;
    }
    s->host_msi_cap = msg;
    lab_link_send(&s->link, LAB_MSG_HOST_MSI, &msg, sizeof(msg), -1);
}

static void lab_epf_update_host_msi(LabEpfState *s)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    const uint8_t *cap = pdev->config + pdev->msi_cap;
    uint16_t control, msix_control = 0;
    uint64_t address;
    uint16_t data;

    if (!pdev->msi_cap) {
        return;
    }
    if (s->msix_cap) {
        msix_control = pci_get_word(pdev->config + s->msix_cap +
                                    PCI_MSIX_FLAGS);
    }
    control = pci_get_word(cap + PCI_MSI_FLAGS);
    address = pci_get_long(cap + PCI_MSI_ADDRESS_LO);
    if (control & PCI_MSI_FLAGS_64BIT) {
        address |= (uint64_t)pci_get_long(cap + PCI_MSI_ADDRESS_HI) << 32;
        data = pci_get_word(cap + PCI_MSI_DATA_64);
    } else {
        data = pci_get_word(cap + PCI_MSI_DATA_32);
    }
    lab_epf_send_host_msi(s, control, address, data, msix_control);
}

/* What is wrong with the MSI-X capability the endpoint describes, or NULL */
static const char *lab_epf_msix_problem(const LabLinkMsix *msix)
{
    uint32_t flags = le32_to_cpu(msix->flags);

    if (flags & ~LAB_LINK_MSIX_PRESENT) {
        return "unknown flags";
    }
    if (!(flags & LAB_LINK_MSIX_PRESENT)) {
        return NULL;
    }
    if (le32_to_cpu(msix->qsize) & ~LAB_LINK_MSIX_QSIZE) {
        return "table size past 2048";
    }
    if ((le32_to_cpu(msix->table) & LAB_LINK_MSIX_BIR) >= LAB_LINK_NUM_BARS) {
        return "reserved table BIR";
    }
    if ((le32_to_cpu(msix->pba) & LAB_LINK_MSIX_BIR) >= LAB_LINK_NUM_BARS) {
        return "reserved PBA BIR";
    }
    return NULL;
}

/* Present a checked MSI-X description; the host-owned bits stay. */
static void lab_epf_set_msix(LabEpfState *s, const LabLinkMsix *msix)
{
    uint8_t *cap = PCI_DEVICE(s)->config + s->msix_cap;
    uint16_t control = pci_get_word(cap + PCI_MSIX_FLAGS);

    control &= ~LAB_LINK_MSIX_QSIZE;
    control |= le32_to_cpu(msix->qsize);
    pci_set_word(cap + PCI_MSIX_FLAGS, control);
    pci_set_long(cap + PCI_MSIX_TABLE, le32_to_cpu(msix->table));
    pci_set_long(cap + PCI_MSIX_PBA, le32_to_cpu(msix->pba));
}

/*
 * What is wrong with BAR @n as the endpoint describes it, or NULL.
 * @size is the size the BAR has on this side.
 */
static const char *lab_epf_bar_problem(LabEpfState *s, unsigned n,
                                       const LabLinkBar *bar, uint64_t size)
{
    uint32_t flags = le32_to_cpu(bar->flags);
    uint64_t off = le64_to_cpu(bar->ram_offset);

    if (!(flags & LAB_LINK_BAR_ENABLE)) {
        return NULL;
    }
    if (flags & ~LAB_LINK_BAR_FLAGS) {
        return "unknown flags";
    }
    if (!is_power_of_2(size) || size < LAB_LINK_BAR_MIN_SIZE ||
        size > LAB_LINK_BAR_MAX_SIZE) {
        return "size is not a power of two from 128 B to 1 GiB";
    }
    if ((flags & LAB_LINK_BAR_MEM64) && n == LAB_LINK_NUM_BARS - 1) {
        return "a 64-bit BAR5 has no upper half";
    }
    switch (le32_to_cpu(bar->path)) {
    case LAB_PATH_NONE:
    case LAB_PATH_MESSAGE:
        return NULL;
    case LAB_PATH_FAST:
        if (off >= s->ep_ram_size || size > s->ep_ram_size - off) {
            return "fast path outside the endpoint's RAM";
        }
        return NULL;
    }
    return "unknown access path";
}

/* Message path */

static bool lab_epf_match_reply(void *opaque, uint32_t type,
                                const void *payload, uint32_t len, int *fd)
{
    LabEpfState *s = opaque;
    const LabLinkMemReadReply *reply = payload;

    if (type != LAB_MSG_MEM_READ_REPLY || len != sizeof(*reply) ||
        le32_to_cpu(reply->tag) != s->tag) {
        return false;
    }
    s->reply = *reply;
    return true;
}

static uint64_t lab_epf_msg_read(void *opaque, hwaddr addr, unsigned size)
{
    LabEpfBar *bar = opaque;
    LabEpfState *s = bar->s;
    LabLinkMemRead req = {
        .bar = bar->index,
        .size = size,
        .offset = cpu_to_le64(addr),
    };

    if (!lab_epf_active(s)) {
        return lab_epf_all_ones(size);
    }
    req.tag = cpu_to_le32(++s->tag);
    if (lab_link_send(&s->link, LAB_MSG_MEM_READ, &req, sizeof(req), -1)) {
        return lab_epf_all_ones(size);
    }
    if (!lab_link_wait(&s->link, lab_epf_match_reply, s, s->timeout_ms)) {
        if (lab_link_connected(&s->link) && !s->timeout_reported) {
            warn_report("%s: the endpoint did not answer a read of BAR%u"
                        " within %u ms; it reads all-ones (reported once)",
                        TYPE_LAB_EPF, bar->index, s->timeout_ms);
            s->timeout_reported = true;
        }
        return lab_epf_all_ones(size);
    }
    if (le32_to_cpu(s->reply.status) != LAB_LINK_READ_OK) {
        return lab_epf_all_ones(size);
    }
    return le64_to_cpu(s->reply.data) & lab_epf_all_ones(size);
}

static void lab_epf_msg_write(void *opaque, hwaddr addr, uint64_t val,
                              unsigned size)
{
    LabEpfBar *bar = opaque;
    LabEpfState *s = bar->s;
    LabLinkMemWrite req = {
        .bar = bar->index,
        .size = size,
        .offset = cpu_to_le64(addr),
        .data = cpu_to_le64(val),
    };

    if (lab_epf_active(s)) {
        lab_link_send(&s->link, LAB_MSG_MEM_WRITE, &req, sizeof(req), -1);
    }
}

static const MemoryRegionOps lab_epf_msg_ops = {
    .read = lab_epf_msg_read,
    .write = lab_epf_msg_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = LAB_LINK_ANY_ACCESS,
    .impl = LAB_LINK_ANY_ACCESS,
};

/* No path: what a host sees of a function behind a dead link. */
static uint64_t lab_epf_none_read(void *opaque, hwaddr addr, unsigned size)
{
    return lab_epf_all_ones(size);
}

static void lab_epf_none_write(void *opaque, hwaddr addr, uint64_t val,
                               unsigned size)
{
}

static const MemoryRegionOps lab_epf_none_ops = {
    .read = lab_epf_none_read,
    .write = lab_epf_none_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    .valid = LAB_LINK_ANY_ACCESS,
    .impl = LAB_LINK_ANY_ACCESS,
};

/* Messages from the endpoint */

static void lab_epf_bar_msg(LabEpfState *s, const LabLinkBarMsg *msg)
{
    uint32_t n = le32_to_cpu(msg->index);
    const LabLinkBar *desc = &msg->bar;
    uint32_t flags = le32_to_cpu(desc->flags);
    uint64_t size = le64_to_cpu(desc->size);
    const char *problem;
    LabEpfBar *bar;

    if (n >= LAB_LINK_NUM_BARS) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: endpoint sent BAR%u; ignored\n",
                      TYPE_LAB_EPF, n);
        return;
    }
    bar = &s->bar[n];
    problem = lab_epf_bar_problem(s, n, desc, size);
    if (problem) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: endpoint sent a bad BAR%u: %s;"
                      " ignored\n", TYPE_LAB_EPF, n, problem);
        return;
    }
    if (!(flags & LAB_LINK_BAR_ENABLE)) {
        bar->path = LAB_PATH_NONE;
        lab_epf_update_bars(s);
        return;
    }
    if (!bar->size) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: the endpoint enabled BAR%u, which"
                      " the host did not enumerate: re-add the function to"
                      " see it\n", TYPE_LAB_EPF, n);
        return;
    }
    if (size != bar->size || flags != bar->flags) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: the endpoint changed BAR%u to"
                      " 0x%" PRIx64 " bytes, flags 0x%x; the host keeps the"
                      " enumerated 0x%" PRIx64 " bytes, flags 0x%x until the"
                      " function is re-added\n", TYPE_LAB_EPF, n, size, flags,
                      bar->size, bar->flags);
    }
    /* The fast path must also fit the size the host enumerated. */
    problem = lab_epf_bar_problem(s, n, desc, bar->size);
    if (le32_to_cpu(desc->path) == LAB_PATH_FAST &&
        (problem || !bar->has_fast)) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: BAR%u: fast path does not fit the"
                      " endpoint's RAM; BAR disabled\n", TYPE_LAB_EPF, n);
        bar->path = LAB_PATH_NONE;
    } else {
        bar->path = le32_to_cpu(desc->path);
        bar->ram_offset = le64_to_cpu(desc->ram_offset);
    }
    lab_epf_update_bars(s);
}

/*
 * The endpoint wrote a BAR register of the host's configuration space
 * (BAR_REG): the standard config write keeps the type bits and the size
 * bits read-only, and maps or unmaps the BAR at its new address.
 */
static void lab_epf_bar_reg(LabEpfState *s, const LabLinkBarReg *msg)
{
    uint32_t n = le32_to_cpu(msg->index);

    if (n >= LAB_LINK_NUM_BARS) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: endpoint wrote BAR register %u;"
                      " ignored\n", TYPE_LAB_EPF, n);
        return;
    }
    pci_default_write_config(PCI_DEVICE(s), PCI_BASE_ADDRESS_0 + 4 * n,
                             le32_to_cpu(msg->value), 4);
}

static void lab_epf_msi(LabEpfState *s, uint32_t vector)
{
    PCIDevice *pdev = PCI_DEVICE(s);

    if (!lab_epf_active(s)) {
        return;
    }
    if (!msi_enabled(pdev)) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: endpoint raised MSI %u but the"
                      " host has not enabled MSI\n", TYPE_LAB_EPF, vector);
        return;
    }
    if (lab_epf_msix_enabled(s)) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: endpoint raised MSI %u but the"
                      " host enabled MSI-X too\n", TYPE_LAB_EPF, vector);
        return;
    }
    if (vector >= msi_nr_vectors_allocated(pdev)) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: endpoint raised MSI %u but the"
                      " host enabled %u vectors\n", TYPE_LAB_EPF, vector,
                      msi_nr_vectors_allocated(pdev));
        return;
    }
    msi_notify(pdev, vector);
}

static void lab_epf_intx(LabEpfState *s, uint32_t level)
{
    if (level > 1) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: endpoint sent INTx level %u\n",
                      TYPE_LAB_EPF, level);
        return;
    }
    if (pci_intx(PCI_DEVICE(s)) < 0) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: endpoint drove INTx but its"
                      " header has no interrupt pin\n", TYPE_LAB_EPF);
        return;
    }
    if (lab_epf_active(s)) {
        lab_epf_set_intx(s, level);
    }
}

/* The endpoint reprogrammed its MSI-X capability. */
static void lab_epf_msix_msg(LabEpfState *s, const LabLinkMsix *msix)
{
    const char *problem = lab_epf_msix_problem(msix);

    if (problem) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: endpoint sent a bad MSI-X"
                      " capability: %s; ignored\n", TYPE_LAB_EPF, problem);
        return;
    }
    if (!(le32_to_cpu(msix->flags) & LAB_LINK_MSIX_PRESENT)) {
        if (s->msix_cap) {
            qemu_log_mask(LOG_GUEST_ERROR, "%s: the endpoint removed its"
                          " MSI-X capability; the host keeps it until the"
                          " function is re-added\n", TYPE_LAB_EPF);
        }
        return;
    }
    if (!s->msix_cap) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: the endpoint added an MSI-X"
                      " capability; the host sees it once the function is"
                      " re-added\n", TYPE_LAB_EPF);
        return;
    }
    lab_epf_set_msix(s, msix);
}

/* An outbound write of the endpoint outside host RAM: DMA of the function */
static void lab_epf_host_write(LabEpfState *s, const LabLinkHostWrite *msg)
{
    uint64_t addr = le64_to_cpu(msg->addr);
    uint8_t buf[8];

    if (msg->size != 1 && msg->size != 2 && msg->size != 4 &&
        msg->size != 8) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: endpoint sent a %u-byte"
                      " HOST_WRITE; ignored\n", TYPE_LAB_EPF, msg->size);
        return;
    }
    if (!lab_epf_active(s)) {
        return;
    }
    stn_le_p(buf, msg->size, le64_to_cpu(msg->data));
    if (pci_dma_write(PCI_DEVICE(s), addr, buf, msg->size) != MEMTX_OK) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: endpoint's %u-byte write at 0x%"
                      PRIx64 " failed\n", TYPE_LAB_EPF, msg->size, addr);
    }
}

static void lab_epf_link(LabEpfState *s, uint32_t up)
{
    if (up > 1) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: endpoint sent link state %u\n",
                      TYPE_LAB_EPF, up);
        return;
    }
    s->link_up = up;
    if (!up) {
        lab_epf_set_intx(s, false);
    }
    lab_epf_update_bars(s);
}

static void lab_epf_recv(void *opaque, uint32_t type, const void *payload,
                         uint32_t len, int *fd)
{
    LabEpfState *s = opaque;
    const LabLinkValue *v = payload;

    if (!s->realized) {
        /* Before CONFIG there is nothing the rest could apply to. */
        return;
    }
    switch (type) {
    case LAB_MSG_BAR:
        if (len == sizeof(LabLinkBarMsg)) {
            lab_epf_bar_msg(s, payload);
            return;
        }
        break;
    case LAB_MSG_BAR_REG:
        if (len == sizeof(LabLinkBarReg)) {
            lab_epf_bar_reg(s, payload);
            return;
        }
        break;
    case LAB_MSG_LINK:
        if (len == sizeof(*v)) {
            lab_epf_link(s, le32_to_cpu(v->value));
            return;
        }
        break;
    case LAB_MSG_MSI:
        if (len == sizeof(*v)) {
            lab_epf_msi(s, le32_to_cpu(v->value));
            return;
        }
        break;
    case LAB_MSG_INTX:
        if (len == sizeof(*v)) {
            lab_epf_intx(s, le32_to_cpu(v->value));
            return;
        }
        break;
    case LAB_MSG_HOST_WRITE:
        if (len == sizeof(LabLinkHostWrite)) {
            lab_epf_host_write(s, payload);
            return;
        }
        break;
    case LAB_MSG_MSIX:
        if (len == sizeof(LabLinkMsix)) {
            lab_epf_msix_msg(s, payload);
            return;
        }
        break;
    case LAB_MSG_MEM_READ_REPLY:
        /* The answer to a read that timed out. */
        if (len == sizeof(LabLinkMemReadReply)) {
            return;
        }
        break;
    }
    qemu_log_mask(LOG_GUEST_ERROR, "%s: endpoint sent unexpected message type"
                  " %u (%u bytes); ignored\n", TYPE_LAB_EPF, type, len);
}

static void lab_epf_link_lost(void *opaque)
{
    LabEpfState *s = opaque;

    error_report("%s: the endpoint went away; the function now reads"
                 " all-ones (restart this machine to reconnect)",
                 TYPE_LAB_EPF);
    lab_epf_set_intx(s, false);
    lab_epf_update_bars(s);
}

/* Config space: nothing answers while the link is down. */

static uint32_t lab_epf_config_read(PCIDevice *pdev, uint32_t addr, int len)
{
    LabEpfState *s = LAB_EPF(pdev);

    if (!lab_epf_active(s)) {
        return lab_epf_all_ones(len);
    }
    return pci_default_read_config(pdev, addr, len);
}

static void lab_epf_config_write(PCIDevice *pdev, uint32_t addr, uint32_t val,
                                 int len)
{
    LabEpfState *s = LAB_EPF(pdev);

    if (!lab_epf_active(s)) {
        return;
    }
    pci_default_write_config(pdev, addr, val, len);
    lab_epf_update_host_cfg(s);
    lab_epf_update_host_msi(s);
}

/* Realize: connect, present what the endpoint programmed */

static bool lab_epf_match_config(void *opaque, uint32_t type,
                                 const void *payload, uint32_t len, int *fd)
{
    LabEpfState *s = opaque;

    if (type != LAB_MSG_CONFIG) {
        return false;
    }
    s->config_len = len;
    memcpy(&s->config, payload, MIN(len, sizeof(s->config)));
    s->config_fd = *fd;
    *fd = -1;
    return true;
}

static bool lab_epf_connect(LabEpfState *s, MemoryRegion *ram, Error **errp)
{
    ERRP_GUARD();
    LabLinkHello hello = {
        .version = cpu_to_le32(LAB_LINK_VERSION),
        .ram_base = cpu_to_le64(s->ram_base),
        .ram_size = cpu_to_le64(memory_region_size(ram)),
    };
    int fd;

    fd = unix_connect(s->socket_path, errp);
    if (fd < 0) {
        error_append_hint(errp, "Start the endpoint machine, with a lab-epc"
                          " device listening there, first.\n");
        return false;
    }
    lab_link_attach(&s->link, fd);
    if (lab_link_send(&s->link, LAB_MSG_HELLO, &hello, sizeof(hello),
                      memory_region_get_fd(ram)) < 0 ||
        !lab_link_wait(&s->link, lab_epf_match_config, s, s->timeout_ms)) {
        if (!lab_link_connected(&s->link)) {
            error_setg(errp, "the endpoint at %s closed the connection",
                       s->socket_path);
            error_append_hint(errp, "Another host may be connected to it.\n");
        } else {
            error_setg(errp, "the endpoint at %s did not send its"
                       " configuration within %u ms", s->socket_path,
                       s->timeout_ms);
        }
        return false;
    }
    return true;
}

static bool lab_epf_check_config(LabEpfState *s, Error **errp)
{
    ERRP_GUARD();
    const LabLinkConfig *cfg = &s->config;
    uint32_t flags = le32_to_cpu(cfg->flags);
    uint16_t vendor = le32_to_cpu(cfg->id) & 0xffff;
    uint32_t pin = le32_to_cpu(cfg->misc) & 0xff;
    const char *problem;
    unsigned n;

    if (s->config_len != sizeof(*cfg) ||
        le32_to_cpu(cfg->version) != LAB_LINK_VERSION) {
        error_setg(errp, "the endpoint speaks another protocol version"
                   " (CONFIG of %u bytes, version %u)", s->config_len,
                   le32_to_cpu(cfg->version));
        return false;
    }
    if (!(flags & LAB_LINK_CONFIG_LINK_UP)) {
        error_setg(errp, "the endpoint's link is down");
        error_append_hint(errp, "Start the endpoint's link (e.g. its"
                          " function's 'start' in configfs) before the host"
                          " machine.\n");
        return false;
    }
    if (!(flags & LAB_LINK_CONFIG_RAM_FD) || s->config_fd < 0) {
        error_setg(errp, "the endpoint did not send its memory");
        return false;
    }
    s->ep_ram_size = le64_to_cpu(cfg->ram_size);
    if (!s->ep_ram_size || s->ep_ram_size % qemu_real_host_page_size()) {
        error_setg(errp, "the endpoint's RAM size 0x%" PRIx64 " is invalid",
                   s->ep_ram_size);
        return false;
    }
    if (vendor == 0 || vendor == 0xffff) {
        error_setg(errp, "the endpoint programmed vendor ID 0x%04x, which"
                   " means 'no function'", vendor);
        return false;
    }
    if (le32_to_cpu(cfg->misc) & ~0xffu || pin > LAB_EPF_MAX_INTX_PIN) {
        error_setg(errp, "the endpoint programmed a bad HDR_MISC 0x%x",
                   le32_to_cpu(cfg->misc));
        return false;
    }
    if (le32_to_cpu(cfg->msi_cap) > LAB_LINK_MAX_MSI_LOG2) {
        error_setg(errp, "the endpoint programmed a bad MSI_CAP %u",
                   le32_to_cpu(cfg->msi_cap));
        return false;
    }
    for (n = 0; n < LAB_LINK_NUM_BARS; n++) {
        const LabLinkBar *bar = &cfg->bar[n];

        problem = lab_epf_bar_problem(s, n, bar, le64_to_cpu(bar->size));
        if (problem) {
            error_setg(errp, "the endpoint programmed a bad BAR%u: %s", n,
                       problem);
            return false;
        }
        if (n > 0 && (le32_to_cpu(bar->flags) & LAB_LINK_BAR_ENABLE) &&
            (le32_to_cpu(cfg->bar[n - 1].flags) & LAB_LINK_BAR_ENABLE) &&
            (le32_to_cpu(cfg->bar[n - 1].flags) & LAB_LINK_BAR_MEM64)) {
            error_setg(errp, "the endpoint enabled BAR%u, the upper half of"
                       " 64-bit BAR%u", n, n - 1);
            return false;
        }
    }
    return true;
}

static void lab_epf_setup_bar(LabEpfState *s, unsigned n)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    const LabLinkBar *desc = &s->config.bar[n];
    LabEpfBar *bar = &s->bar[n];
    g_autofree char *name = g_strdup_printf("lab-epf-bar%u", n);
    g_autofree char *msg_name = g_strdup_printf("lab-epf-bar%u-msg", n);
    g_autofree char *fast_name = g_strdup_printf("lab-epf-bar%u-fast", n);
    uint8_t type = PCI_BASE_ADDRESS_SPACE_MEMORY;

    bar->s = s;
    bar->index = n;
    bar->flags = le32_to_cpu(desc->flags);
    if (!(bar->flags & LAB_LINK_BAR_ENABLE)) {
        bar->flags = 0;
        return;
    }
    bar->size = le64_to_cpu(desc->size);
    bar->path = le32_to_cpu(desc->path);
    bar->ram_offset = le64_to_cpu(desc->ram_offset);

    memory_region_init_io(&bar->container, OBJECT(s), &lab_epf_none_ops, bar,
                          name, bar->size);
    memory_region_init_io(&bar->msg, OBJECT(s), &lab_epf_msg_ops, bar,
                          msg_name, bar->size);
    memory_region_set_enabled(&bar->msg, false);
    memory_region_add_subregion_overlap(&bar->container, 0, &bar->msg, 1);
    bar->has_fast = bar->size <= s->ep_ram_size;
    if (bar->has_fast) {
        memory_region_init_alias(&bar->fast, OBJECT(s), fast_name,
                                 &s->ep_ram, 0, bar->size);
        memory_region_set_enabled(&bar->fast, false);
        memory_region_add_subregion_overlap(&bar->container, 0, &bar->fast,
                                            2);
    }

    if (bar->flags & LAB_LINK_BAR_MEM64) {
        type |= PCI_BASE_ADDRESS_MEM_TYPE_64;
    }
    if (bar->flags & LAB_LINK_BAR_PREFETCH) {
        type |= PCI_BASE_ADDRESS_MEM_PREFETCH;
    }
    pci_register_bar(pdev, n, type, &bar->container);
}

/*
 * The MSI-X capability, if the endpoint offers one: its read-only fields
 * as the endpoint programmed them, Enable and Function Mask for the host
 * to write. No table or PBA here: they are in the BAR the endpoint names.
 */
static bool lab_epf_add_msix(LabEpfState *s, Error **errp)
{
    PCIDevice *pdev = PCI_DEVICE(s);
    const LabLinkMsix *msix = &s->config.msix;
    const char *problem = lab_epf_msix_problem(msix);
    int ret;

    if (problem) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: the endpoint programmed a bad"
                      " MSI-X capability: %s; the host sees none\n",
                      TYPE_LAB_EPF, problem);
        return true;
    }
    if (!(le32_to_cpu(msix->flags) & LAB_LINK_MSIX_PRESENT)) {
        return true;
    }
    ret = pci_add_capability(pdev, PCI_CAP_ID_MSIX, 0, PCI_CAP_MSIX_SIZEOF,
                             errp);
    if (ret < 0) {
        return false;
    }
    s->msix_cap = ret;
    lab_epf_set_msix(s, msix);
    pci_set_word(pdev->wmask + ret + PCI_MSIX_FLAGS,
                 PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
    return true;
}

static void lab_epf_realize(PCIDevice *pdev, Error **errp)
{
    ERRP_GUARD();
    LabEpfState *s = LAB_EPF(pdev);
    const LabLinkConfig *cfg = &s->config;
    uint8_t *conf = pdev->config;
    MemoryRegion *ram;
    uint32_t class;
    unsigned n;
    int ret;

    if (!s->socket_path || !*s->socket_path) {
        error_setg(errp, "'socket' must name the endpoint's UNIX socket");
        return;
    }
    if (!s->timeout_ms) {
        error_setg(errp, "'timeout-ms' must be at least 1");
        return;
    }
    ram = lab_link_ram(s->memdev, s->ram_base, errp);
    if (!ram) {
        return;
    }

    lab_link_init(&s->link, DEVICE(s), s->timeout_ms, lab_epf_recv,
                  lab_epf_link_lost, s);
    if (!lab_epf_connect(s, ram, errp) || !lab_epf_check_config(s, errp)) {
        goto err_link;
    }
    memory_region_init_ram_from_fd(&s->ep_ram, OBJECT(s), "lab-epf-ep-ram",
                                   s->ep_ram_size, RAM_SHARED, s->config_fd,
                                   0, errp);
    if (*errp) {
        error_prepend(errp, "cannot map the endpoint's RAM: ");
        goto err_link;
    }
    s->config_fd = -1;  /* the RAM block owns it now */

    class = le32_to_cpu(cfg->class);
    pci_config_set_vendor_id(conf, le32_to_cpu(cfg->id) & 0xffff);
    pci_config_set_device_id(conf, le32_to_cpu(cfg->id) >> 16);
    pci_config_set_revision(conf, class & 0xff);
    pci_config_set_prog_interface(conf, (class >> 8) & 0xff);
    pci_config_set_class(conf, class >> 16);
    pci_set_word(conf + PCI_SUBSYSTEM_VENDOR_ID,
                 le32_to_cpu(cfg->subsys) & 0xffff);
    pci_set_word(conf + PCI_SUBSYSTEM_ID, le32_to_cpu(cfg->subsys) >> 16);
    pci_config_set_interrupt_pin(conf, le32_to_cpu(cfg->misc) & 0xff);

    ret = pcie_endpoint_cap_init(pdev, 0);
    if (ret < 0) {
        error_setg(errp, "cannot add the PCIe capability: %s",
                   strerror(-ret));
        goto err_link;
    }
    ret = msi_init(pdev, 0, 1u << le32_to_cpu(cfg->msi_cap), true, false,
                   errp);
    if (ret) {
        goto err_pcie;
    }
    if (!lab_epf_add_msix(s, errp)) {
        goto err_msi;
    }

    for (n = 0; n < LAB_LINK_NUM_BARS; n++) {
        lab_epf_setup_bar(s, n);
    }
    s->link_up = true;
    s->realized = true;
    lab_epf_update_bars(s);
    /* The capability as the host finds it, before it programs it */
    lab_epf_update_host_msi(s);
    return;

err_msi:
    msi_uninit(pdev);
err_pcie:
    pcie_cap_exit(pdev);
err_link:
    if (s->config_fd >= 0) {
        close(s->config_fd);
        s->config_fd = -1;
    }
    lab_link_cleanup(&s->link);
}

static void lab_epf_exit(PCIDevice *pdev)
{
    LabEpfState *s = LAB_EPF(pdev);

    s->realized = false;
    lab_link_cleanup(&s->link);
    if (s->msix_cap) {
        pci_del_capability(pdev, PCI_CAP_ID_MSIX, PCI_CAP_MSIX_SIZEOF);
        s->msix_cap = 0;
    }
    msi_uninit(pdev);
    pcie_cap_exit(pdev);
}

/*
 * Host reset: the link goes down (PERST#) until the endpoint trains it
 * again; MSI and MSI-X are off again, the INTx input is released. The
 * reset that starts the machine (prelaunch) is no news to the endpoint.
 */
static void lab_epf_reset(DeviceState *dev)
{
    LabEpfState *s = LAB_EPF(dev);
    PCIDevice *pdev = PCI_DEVICE(s);
    LabLinkValue v = { .value = 0 };
    uint16_t msix_control = 0;

    if (lab_link_connected(&s->link) &&
        !runstate_check(RUN_STATE_PRELAUNCH)) {
        lab_link_send(&s->link, LAB_MSG_HOST_RESET, NULL, 0, -1);
    }
    lab_epf_set_intx(s, false);
    if (s->host_msi && lab_link_connected(&s->link)) {
        lab_link_send(&s->link, LAB_MSG_HOST_CFG, &v, sizeof(v), -1);
    }
    s->host_msi = 0;
    /* QEMU's PCI reset knows nothing of this MSI-X: clear it here. */
    if (s->msix_cap) {
        msix_control = pci_get_word(pdev->config + s->msix_cap +
                                    PCI_MSIX_FLAGS) &
                       ~(PCI_MSIX_FLAGS_ENABLE | PCI_MSIX_FLAGS_MASKALL);
        pci_set_word(pdev->config + s->msix_cap + PCI_MSIX_FLAGS,
                     msix_control);
    }
    /* What the reset leaves in the capability: no address, no data */
    if (pdev->msi_cap) {
        lab_epf_send_host_msi(s, pci_get_word(pdev->config + pdev->msi_cap +
                                              PCI_MSI_FLAGS) &
                              ~(PCI_MSI_FLAGS_ENABLE | PCI_MSI_FLAGS_QSIZE),
                              0, 0, msix_control);
    }
}

static void lab_epf_instance_init(Object *obj)
{
    LabEpfState *s = LAB_EPF(obj);

    s->config_fd = -1;
    s->link.fd = -1;
}

static Property lab_epf_properties[] = {
    DEFINE_PROP_STRING("socket", LabEpfState, socket_path),
    DEFINE_PROP_LINK("memdev", LabEpfState, memdev, TYPE_MEMORY_BACKEND,
                     HostMemoryBackend *),
    DEFINE_PROP_UINT64("ram-base", LabEpfState, ram_base, 0),
    DEFINE_PROP_UINT32("timeout-ms", LabEpfState, timeout_ms, 1000),
    DEFINE_PROP_END_OF_LIST(),
};

/* The peer process and its mappings cannot follow a migration. */
static const VMStateDescription lab_epf_vmstate = {
    .name = TYPE_LAB_EPF,
    .unmigratable = 1,
};

static void lab_epf_class_init(ObjectClass *klass, void *data)
{
    DeviceClass *dc = DEVICE_CLASS(klass);
    PCIDeviceClass *k = PCI_DEVICE_CLASS(klass);

    k->realize = lab_epf_realize;
    k->exit = lab_epf_exit;
    k->config_read = lab_epf_config_read;
    k->config_write = lab_epf_config_write;
    /* Placeholders: realize presents what the endpoint programmed. */
    k->vendor_id = PCI_VENDOR_ID_QEMU;
    k->device_id = LAB_EPF_PLACEHOLDER_DEVICE_ID;
    k->class_id = PCI_CLASS_OTHERS;
    dc->desc = "vNTB lab: the function an emulated endpoint presents";
    dc->reset = lab_epf_reset;
    dc->vmsd = &lab_epf_vmstate;
    device_class_set_props(dc, lab_epf_properties);
    set_bit(DEVICE_CATEGORY_MISC, dc->categories);
}

static const TypeInfo lab_epf_info = {
    .name = TYPE_LAB_EPF,
    .parent = TYPE_PCI_DEVICE,
    .instance_size = sizeof(LabEpfState),
    .instance_init = lab_epf_instance_init,
    .class_init = lab_epf_class_init,
    .interfaces = (InterfaceInfo[]) {
        { INTERFACE_PCIE_DEVICE },
        { },
    },
};

static void lab_epf_register_types(void)
{
    type_register_static(&lab_epf_info);
}

type_init(lab_epf_register_types)
