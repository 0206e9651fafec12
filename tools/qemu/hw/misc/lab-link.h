/*
 * vNTB lab: wire protocol of the emulated PCIe endpoint link
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The endpoint machine's controller (lab-epc or dw-pcie-ep) listens on a
 * UNIX stream socket; the host machine (lab-epf) connects to it. Every
 * message is a fixed 8-byte header followed by a payload whose size is
 * fixed per message type; all fields are little-endian. A message may
 * carry one file descriptor (SCM_RIGHTS), sent with the message's first
 * bytes.
 *
 *   +--------+--------+---------------------------------+
 *   | type   | length | payload (length bytes)          |
 *   | le32   | le32   |                                 |
 *   +--------+--------+---------------------------------+
 *
 * Only the host ever waits for an answer (MEM_READ_REPLY, and CONFIG while
 * it realizes), and while it waits it handles whatever else arrives, so
 * neither side can deadlock the other. See
 * Documentation/lab/emulated-link.rst in the vntb tree.
 */

#ifndef HW_MISC_LAB_LINK_H
#define HW_MISC_LAB_LINK_H

#define LAB_LINK_VERSION            3

/* Largest payload either side accepts; every message is far smaller. */
#define LAB_LINK_MAX_PAYLOAD        1024

#define LAB_LINK_NUM_BARS           6

typedef enum LabLinkMsgType {
    LAB_MSG_HELLO = 1,          /* host -> EP, carries the host RAM fd */
    LAB_MSG_CONFIG,             /* EP -> host, may carry the EP RAM fd */
    LAB_MSG_BAR,                /* EP -> host */
    LAB_MSG_LINK,               /* EP -> host */
    LAB_MSG_MSI,                /* EP -> host */
    LAB_MSG_INTX,               /* EP -> host */
    LAB_MSG_MEM_READ,           /* host -> EP */
    LAB_MSG_MEM_READ_REPLY,     /* EP -> host */
    LAB_MSG_MEM_WRITE,          /* host -> EP, posted */
    LAB_MSG_HOST_CFG,           /* host -> EP */
    LAB_MSG_HOST_MSI,           /* host -> EP, since version 2 */
    LAB_MSG_HOST_WRITE,         /* EP -> host, posted, since version 2 */
    LAB_MSG_MSIX,               /* EP -> host, since version 2 */
    LAB_MSG_BAR_REG,            /* EP -> host, since version 3 */
    LAB_MSG_HOST_RESET,         /* host -> EP, since version 3 */
} LabLinkMsgType;

typedef struct QEMU_PACKED LabLinkHeader {
    uint32_t type;              /* LabLinkMsgType */
    uint32_t len;               /* payload bytes after this header */
} LabLinkHeader;

/* HELLO: the host's RAM, as its bus (= physical) addresses see it. */
typedef struct QEMU_PACKED LabLinkHello {
    uint32_t version;           /* LAB_LINK_VERSION */
    uint32_t reserved;
    uint64_t ram_base;          /* bus address of the RAM's first byte */
    uint64_t ram_size;          /* bytes of the fd to map */
} LabLinkHello;

/* BAR flags: the bits of the lab-epc inbound FLAGS register. */
#define LAB_LINK_BAR_ENABLE         (1u << 0)
#define LAB_LINK_BAR_MEM64          (1u << 1)
#define LAB_LINK_BAR_PREFETCH       (1u << 2)
#define LAB_LINK_BAR_FLAGS          (LAB_LINK_BAR_ENABLE | \
                                     LAB_LINK_BAR_MEM64 | \
                                     LAB_LINK_BAR_PREFETCH)

#define LAB_LINK_BAR_MIN_SIZE       128ull
#define LAB_LINK_BAR_MAX_SIZE       (1ull << 30)

/* How host accesses to a BAR reach the endpoint. */
typedef enum LabLinkPath {
    LAB_PATH_NONE = 0,          /* reads all-ones, writes dropped */
    LAB_PATH_FAST,              /* alias into the EP RAM at ram_offset */
    LAB_PATH_MESSAGE,           /* MEM_READ / MEM_WRITE messages */
} LabLinkPath;

typedef struct QEMU_PACKED LabLinkBar {
    uint64_t size;              /* power of two; 0 when disabled */
    uint64_t ram_offset;        /* LAB_PATH_FAST: offset in the EP RAM */
    uint32_t flags;             /* LAB_LINK_BAR_* */
    uint32_t path;              /* LabLinkPath */
} LabLinkBar;

/*
 * The function's MSI-X capability, as the endpoint's software programmed
 * it: the read-only fields a host finds in it. The table and the PBA are
 * in the endpoint's BAR memory, like any other BAR contents.
 */
#define LAB_LINK_MSIX_PRESENT       (1u << 0)   /* the function offers it */

#define LAB_LINK_MSIX_QSIZE         0x7ffu      /* PCI_MSIX_FLAGS_QSIZE */
#define LAB_LINK_MSIX_BIR           0x7u        /* PCI_MSIX_TABLE_BIR */

typedef struct QEMU_PACKED LabLinkMsix {
    uint32_t flags;             /* LAB_LINK_MSIX_*; all 0 when absent */
    uint32_t qsize;             /* table size - 1, [10:0] */
    uint32_t table;             /* table offset [31:3] | BIR [2:0] */
    uint32_t pba;               /* PBA offset [31:3] | BIR [2:0] */
} LabLinkMsix;

/* CONFIG flags */
#define LAB_LINK_CONFIG_LINK_UP     (1u << 0)
#define LAB_LINK_CONFIG_RAM_FD      (1u << 1)   /* carries the EP RAM fd */

/*
 * CONFIG: everything the host needs to present the function. id, class,
 * subsys, misc and msi_cap have the layout of the lab-epc registers
 * HDR_ID, HDR_CLASS, HDR_SUBSYS, HDR_MISC and MSI_CAP; msix is absent
 * (all 0) on lab-epc.
 */
typedef struct QEMU_PACKED LabLinkConfig {
    uint32_t version;           /* LAB_LINK_VERSION */
    uint32_t flags;             /* LAB_LINK_CONFIG_* */
    uint32_t id;
    uint32_t class;
    uint32_t subsys;
    uint32_t misc;
    uint32_t msi_cap;
    uint32_t reserved;
    uint64_t ram_size;          /* bytes of the EP RAM fd to map */
    LabLinkBar bar[LAB_LINK_NUM_BARS];
    LabLinkMsix msix;
} LabLinkConfig;

/* BAR: one BAR's new state (its target moved, or it was set/cleared). */
typedef struct QEMU_PACKED LabLinkBarMsg {
    uint32_t index;             /* 0..5 */
    uint32_t reserved;
    LabLinkBar bar;
} LabLinkBarMsg;

/*
 * BAR_REG: the endpoint's software wrote the BAR register @index (0..5, the
 * upper half of a 64-bit BAR being the next index) on a controller whose
 * BAR registers are the host's own (DesignWare: its DBI holds the function's
 * configuration space). The host's copy takes @value where the host could
 * have written it (the address bits), as if the host had: a core's
 * set_bar() writing only the BAR's flags leaves the host's BAR at 0,
 * unassigned, until the host enumerates the function again.
 */
typedef struct QEMU_PACKED LabLinkBarReg {
    uint32_t index;
    uint32_t value;
} LabLinkBarReg;

/*
 * HOST_RESET, no payload: the host machine was reset (its reset button, a
 * reboot). Its reset asserts PERST#, so the link goes down; it trains
 * again once the reset is over, as the host's root port comes back. Not
 * sent for the reset that starts the host machine: the connection is new.
 */

/*
 * MSIX: a LabLinkMsix, the capability's new state, sent when the
 * endpoint's software reprograms it while a host is connected.
 */

/*
 * LINK (1 up, 0 down), MSI (0-based vector), INTX (level), HOST_CFG (the
 * lab-epc HOST_MSI register layout, below).
 */
typedef struct QEMU_PACKED LabLinkValue {
    uint32_t value;
} LabLinkValue;

#define LAB_LINK_HOST_MSI_ENABLE    (1u << 31)
#define LAB_LINK_HOST_MSI_LOG2      0x7u

#define LAB_LINK_MAX_MSI_LOG2       5   /* 32 vectors, as PCI allows */

typedef struct QEMU_PACKED LabLinkMemRead {
    uint32_t tag;               /* echoed in the reply */
    uint8_t bar;
    uint8_t size;               /* 1, 2, 4 or 8 */
    uint16_t reserved;
    uint64_t offset;            /* in the BAR */
} LabLinkMemRead;

#define LAB_LINK_READ_OK            0
#define LAB_LINK_READ_FAULT         1   /* data is all-ones */

typedef struct QEMU_PACKED LabLinkMemReadReply {
    uint32_t tag;
    uint32_t status;            /* LAB_LINK_READ_* */
    uint64_t data;
} LabLinkMemReadReply;

typedef struct QEMU_PACKED LabLinkMemWrite {
    uint8_t bar;
    uint8_t size;               /* 1, 2, 4 or 8 */
    uint16_t reserved;
    uint32_t reserved2;
    uint64_t offset;            /* in the BAR */
    uint64_t data;
} LabLinkMemWrite;

/*
 * HOST_MSI: the function's MSI and MSI-X capabilities as the host
 * programmed them, sent after the host's first CONFIG and on every host
 * write to either. A controller that raises MSIs by writing the message
 * itself (DesignWare) mirrors them into its own capabilities; lab-epc
 * ignores it (HOST_CFG tells it what it needs). The MSI-X table is not
 * here: it is BAR memory, which the host writes like any other.
 */
typedef struct QEMU_PACKED LabLinkHostMsi {
    uint32_t control;           /* MSI message control, PCI_MSI_FLAGS */
    uint32_t data;              /* MSI message data */
    uint64_t address;           /* MSI message address */
    uint32_t msix_control;      /* PCI_MSIX_FLAGS; 0 without MSI-X */
    uint32_t reserved;
} LabLinkHostMsi;

/*
 * HOST_WRITE: an outbound write of the endpoint to a host bus address
 * outside the host's RAM (an MSI doorbell). The host performs it as DMA
 * of the function, so its IOMMU or interrupt remapping sees it as the
 * function's. Writes inside the host RAM never take this path.
 */
typedef struct QEMU_PACKED LabLinkHostWrite {
    uint64_t addr;              /* host bus address */
    uint8_t size;               /* 1, 2, 4 or 8 */
    uint8_t reserved[7];
    uint64_t data;
} LabLinkHostWrite;

/*
 * One end of a connection.
 *
 * Receiving reads at most up to the end of the message in progress, so a
 * descriptor that arrives belongs to that message (the kernel may glue
 * several sends into one read, never past the read's length). Each
 * complete message goes to the active lab_link_wait() if it matches,
 * otherwise to @recv.
 *
 * The first failure (EOF, socket error, malformed stream, a send blocked
 * longer than @timeout_ms) closes the socket at once and reports @lost
 * from a bottom half, never from inside lab_link_send() or
 * lab_link_wait(), so callers need not expect their device to change
 * state under them.
 */
typedef struct LabLink LabLink;

/*
 * A received message. @fd points at the descriptor that came with it, or
 * at -1; set *@fd to -1 to keep it, otherwise the link closes it.
 */
typedef void LabLinkRecvFn(void *opaque, uint32_t type, const void *payload,
                           uint32_t len, int *fd);
/* Return true if this is the message being waited for; it is consumed. */
typedef bool LabLinkMatchFn(void *opaque, uint32_t type, const void *payload,
                            uint32_t len, int *fd);
typedef void LabLinkLostFn(void *opaque);

#define LAB_LINK_MAX_FDS            4

struct LabLink {
    int fd;                     /* connected socket, -1 when there is none */
    const char *name;           /* prefix of error messages */
    unsigned timeout_ms;        /* longest a send may block */

    LabLinkRecvFn *recv;
    LabLinkLostFn *lost;
    void *opaque;
    QEMUBH *lost_bh;

    /* The active lab_link_wait(), if any. */
    LabLinkMatchFn *match;
    void *match_opaque;
    bool matched;

    /* The message being reassembled and the descriptors that came with it */
    uint8_t rx_buf[sizeof(LabLinkHeader) + LAB_LINK_MAX_PAYLOAD];
    uint32_t rx_len;
    int rx_fds[LAB_LINK_MAX_FDS];
    unsigned rx_nfds;
};

/*
 * Access limits of every region the link devices implement: all sizes and
 * alignments reach the handlers, which log and ignore the ones they refuse.
 */
#define LAB_LINK_ANY_ACCESS {           \
        .min_access_size = 1,           \
        .max_access_size = 8,           \
        .unaligned = true,              \
    }

void lab_link_init(LabLink *l, DeviceState *dev, unsigned timeout_ms,
                   LabLinkRecvFn *recv, LabLinkLostFn *lost, void *opaque);
void lab_link_attach(LabLink *l, int fd);
void lab_link_close(LabLink *l);
void lab_link_cleanup(LabLink *l);

static inline bool lab_link_connected(const LabLink *l)
{
    return l->fd >= 0;
}

/*
 * The machine RAM that @memdev backs, checked for what the link needs: a
 * descriptor the peer can map (share=on file or memfd backend) and one
 * contiguous mapping at guest-physical address @base.
 */
MemoryRegion *lab_link_ram(HostMemoryBackend *memdev, uint64_t base,
                           Error **errp);

int lab_link_send(LabLink *l, uint32_t type, const void *payload,
                  uint32_t len, int fd);
bool lab_link_wait(LabLink *l, LabLinkMatchFn *match, void *opaque,
                   unsigned timeout_ms);

#endif
