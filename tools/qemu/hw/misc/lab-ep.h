/*
 * vNTB lab: the endpoint controller's end of the emulated link
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * What every endpoint controller model (lab-epc, dw-pcie-ep) does alike:
 * listen on the socket and accept one host at a time, map the host's RAM
 * when its HELLO arrives, describe the function (CONFIG) and its BARs
 * (BAR) in the wire format of lab-link.h, and forget the host when the
 * connection is lost. The controller keeps its own registers and is told
 * of connections and messages through LabEpOps.
 */

#ifndef HW_MISC_LAB_EP_H
#define HW_MISC_LAB_EP_H

#include "qemu/notify.h"
#include "qemu/timer.h"
#include "sysemu/hostmem.h"
#include "lab-link.h"

/*
 * The host machine's RAM, mapped from the descriptor it sent. When the host
 * disconnects, a memory map being retired may still point at the region;
 * as the region's owner, this object lives until the last such reference
 * is dropped, and the RAM is unmapped after that.
 */
#define TYPE_LAB_EP_HOST_RAM "lab-ep-host-ram"
OBJECT_DECLARE_SIMPLE_TYPE(LabEpHostRam, LAB_EP_HOST_RAM)

struct LabEpHostRam {
    Object parent_obj;
    MemoryRegion mr;
    uint64_t base;              /* bus address of the host RAM */
    uint64_t size;
};

/* The MSI-X capability as CONFIG and MSIX carry it, in host byte order. */
typedef struct LabEpMsix {
    uint32_t flags;             /* LAB_LINK_MSIX_*; all 0 when absent */
    uint32_t qsize;
    uint32_t table;
    uint32_t pba;
} LabEpMsix;

/* The function's identity as CONFIG carries it, in host byte order. */
typedef struct LabEpFunction {
    uint32_t id;
    uint32_t class;
    uint32_t subsys;
    uint32_t misc;
    uint32_t msi_cap;
    LabEpMsix msix;             /* absent unless the controller sets it */
} LabEpFunction;

typedef struct LabEpOps {
    /*
     * A host sent a valid HELLO: host_ram is set. The controller maps what
     * needs the host RAM and sends CONFIG (lab_ep_send_config()).
     */
    void (*host_connected)(void *opaque);
    /*
     * The host is gone, or a connection ended before a valid HELLO:
     * host_ram is already NULL, but the object lives until this returns,
     * so the controller unmaps its aliases of it here.
     */
    void (*host_gone)(void *opaque);
    /*
     * The connected host's accesses to a BAR (MEM_READ, MEM_WRITE).
     * bar_read returns false for an access that faults (the host reads
     * all-ones); lab-ep.c sends the reply.
     */
    bool (*bar_read)(void *opaque, const LabLinkMemRead *req,
                     uint64_t *data);
    void (*bar_write)(void *opaque, const LabLinkMemWrite *req);
    /*
     * The host's MSI programming, as HOST_CFG's value or as HOST_MSI;
     * either may be NULL for a controller that needs only the other (the
     * message is then taken and ignored).
     */
    void (*host_cfg)(void *opaque, uint32_t value);
    void (*host_msi)(void *opaque, const LabLinkHostMsi *msg);
    /*
     * The connected host entered or left its reset (HOST_RESET, then
     * LAB_EP_HOST_RESET_MS later): lab_ep_link_possible() changed.
     */
    void (*host_reset)(void *opaque);
} LabEpOps;

/* How long a host's reset holds the link down (PERST# asserted) */
#define LAB_EP_HOST_RESET_MS        20

typedef struct LabEp {
    const char *name;           /* the controller's type, for messages */
    const char *socket_path;    /* the controller's property */
    MemoryRegion *ram;          /* the endpoint machine's RAM (memdev) */
    uint64_t ram_base;
    uint64_t ram_size;

    int listen_fd;
    Notifier exit_notifier;     /* removes the socket file when QEMU exits */
    LabLink link;
    /* Set once the connected host sent a valid HELLO */
    LabEpHostRam *host_ram;
    /* The connected host is in reset: its link cannot train */
    bool host_in_reset;
    QEMUTimer *reset_timer;     /* ends the host's reset */

    const LabEpOps *ops;
    void *opaque;
} LabEp;

/* From the controller's instance_init */
void lab_ep_instance_init(LabEp *ep);

/*
 * Check the common properties, find the endpoint RAM and start listening.
 * Nothing is left to undo on failure.
 */
bool lab_ep_realize(LabEp *ep, DeviceState *dev, const char *socket_path,
                    HostMemoryBackend *memdev, uint64_t ram_base,
                    unsigned timeout_ms, const LabEpOps *ops, void *opaque,
                    Error **errp);
void lab_ep_unrealize(LabEp *ep);

static inline bool lab_ep_host_connected(const LabEp *ep)
{
    return ep->host_ram != NULL;
}

/* A host is connected and out of reset: the link can train. */
static inline bool lab_ep_link_possible(const LabEp *ep)
{
    return lab_ep_host_connected(ep) && !ep->host_in_reset;
}

/* Drop the connection and the host's RAM; calls ops->host_gone. */
void lab_ep_host_gone(LabEp *ep);

/* Send to the host; a failure is reported later, through host_gone. */
void lab_ep_send(LabEp *ep, uint32_t type, const void *payload, uint32_t len);
void lab_ep_send_value(LabEp *ep, uint32_t type, uint32_t value);

/*
 * Describe a BAR for the host. @flags and @size as the host enumerates it
 * (disabled unless @flags has LAB_LINK_BAR_ENABLE). @path is the path the
 * controller wants; LAB_PATH_FAST falls back to LAB_PATH_MESSAGE unless
 * @target .. @target + @size lies in the endpoint RAM.
 */
void lab_ep_bar_desc(LabEp *ep, LabLinkBar *bar, uint32_t flags,
                     uint64_t size, LabLinkPath path, uint64_t target);
/* Send BAR @n's description, if a host is connected. */
void lab_ep_send_bar(LabEp *ep, unsigned n, const LabLinkBar *bar);
/* Send CONFIG with the endpoint RAM's descriptor. */
void lab_ep_send_config(LabEp *ep, const LabEpFunction *fn,
                        bool link_enabled,
                        const LabLinkBar bar[LAB_LINK_NUM_BARS]);

/* Send the MSI-X capability's new state, if a host is connected. */
void lab_ep_send_msix(LabEp *ep, const LabEpMsix *msix);

/*
 * Does @pci .. @pci + @size lie in the connected host's RAM? If so,
 * *@offset is the offset of @pci in host_ram->mr.
 */
bool lab_ep_host_range(LabEp *ep, uint64_t pci, uint64_t size,
                       uint64_t *offset);

#endif
