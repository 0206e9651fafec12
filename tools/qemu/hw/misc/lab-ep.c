/*
 * vNTB lab: the endpoint controller's end of the emulated link
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The listening socket, the host connection and its RAM, and the CONFIG
 * and BAR messages, shared by the endpoint controller models (lab-epc,
 * dw-pcie-ep). See lab-ep.h.
 */

#include "qemu/osdep.h"
#include "qemu/log.h"
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "qemu/sockets.h"
#include "qemu/timer.h"
#include "qemu/bswap.h"
#include "qapi/error.h"
#include "hw/qdev-core.h"
#include "sysemu/sysemu.h"
#include "exec/memory.h"
#include "qom/object.h"
#include "lab-ep.h"

void lab_ep_send(LabEp *ep, uint32_t type, const void *payload, uint32_t len)
{
    /* A failure is reported by lab_ep_link_lost(), from a bottom half. */
    lab_link_send(&ep->link, type, payload, len, -1);
}

void lab_ep_send_value(LabEp *ep, uint32_t type, uint32_t value)
{
    LabLinkValue v = { .value = cpu_to_le32(value) };

    lab_ep_send(ep, type, &v, sizeof(v));
}

/* Does @addr .. @addr + @size lie in the endpoint RAM? */
static bool lab_ep_ram_range(LabEp *ep, uint64_t addr, uint64_t size,
                             uint64_t *offset)
{
    uint64_t off = addr - ep->ram_base;

    if (addr < ep->ram_base || off >= ep->ram_size ||
        size > ep->ram_size - off) {
        return false;
    }
    *offset = off;
    return true;
}

bool lab_ep_host_range(LabEp *ep, uint64_t pci, uint64_t size,
                       uint64_t *offset)
{
    LabEpHostRam *hr = ep->host_ram;

    if (!hr || pci < hr->base || pci - hr->base >= hr->size ||
        size > hr->size - (pci - hr->base)) {
        return false;
    }
    *offset = pci - hr->base;
    return true;
}

void lab_ep_bar_desc(LabEp *ep, LabLinkBar *bar, uint32_t flags,
                     uint64_t size, LabLinkPath path, uint64_t target)
{
    uint64_t off = 0;

    memset(bar, 0, sizeof(*bar));
    if (!(flags & LAB_LINK_BAR_ENABLE)) {
        bar->path = cpu_to_le32(LAB_PATH_NONE);
        return;
    }
    bar->size = cpu_to_le64(size);
    bar->flags = cpu_to_le32(flags);
    /*
     * Without an IOMMU, bus addresses are physical addresses: a target
     * inside the RAM is plain shared memory that the host can map.
     */
    if (path == LAB_PATH_FAST && !lab_ep_ram_range(ep, target, size, &off)) {
        path = LAB_PATH_MESSAGE;
    }
    bar->path = cpu_to_le32(path);
    bar->ram_offset = cpu_to_le64(off);
}

void lab_ep_send_bar(LabEp *ep, unsigned n, const LabLinkBar *bar)
{
    LabLinkBarMsg msg = { .index = cpu_to_le32(n), .bar = *bar };

    if (!lab_ep_host_connected(ep)) {
        return;
    }
    lab_ep_send(ep, LAB_MSG_BAR, &msg, sizeof(msg));
}

static void lab_ep_msix_wire(LabLinkMsix *wire, const LabEpMsix *msix)
{
    wire->flags = cpu_to_le32(msix->flags);
    wire->qsize = cpu_to_le32(msix->qsize);
    wire->table = cpu_to_le32(msix->table);
    wire->pba = cpu_to_le32(msix->pba);
}

void lab_ep_send_msix(LabEp *ep, const LabEpMsix *msix)
{
    LabLinkMsix msg;

    if (!lab_ep_host_connected(ep)) {
        return;
    }
    lab_ep_msix_wire(&msg, msix);
    lab_ep_send(ep, LAB_MSG_MSIX, &msg, sizeof(msg));
}

void lab_ep_send_config(LabEp *ep, const LabEpFunction *fn,
                        bool link_enabled,
                        const LabLinkBar bar[LAB_LINK_NUM_BARS])
{
    LabLinkConfig cfg = {
        .version = cpu_to_le32(LAB_LINK_VERSION),
        .flags = cpu_to_le32(LAB_LINK_CONFIG_RAM_FD |
                             (link_enabled ? LAB_LINK_CONFIG_LINK_UP : 0)),
        .id = cpu_to_le32(fn->id),
        .class = cpu_to_le32(fn->class),
        .subsys = cpu_to_le32(fn->subsys),
        .misc = cpu_to_le32(fn->misc),
        .msi_cap = cpu_to_le32(fn->msi_cap),
        .ram_size = cpu_to_le64(ep->ram_size),
    };

    memcpy(cfg.bar, bar, sizeof(cfg.bar));
    lab_ep_msix_wire(&cfg.msix, &fn->msix);
    lab_link_send(&ep->link, LAB_MSG_CONFIG, &cfg, sizeof(cfg),
                  memory_region_get_fd(ep->ram));
}

/* The host connection */

void lab_ep_host_gone(LabEp *ep)
{
    LabEpHostRam *hr = ep->host_ram;

    lab_link_close(&ep->link);
    ep->host_ram = NULL;
    ep->host_in_reset = false;
    timer_del(ep->reset_timer);
    ep->ops->host_gone(ep->opaque);
    if (hr) {
        object_unref(OBJECT(hr));
    }
}

static void lab_ep_link_lost(void *opaque)
{
    LabEp *ep = opaque;

    if (lab_ep_host_connected(ep)) {
        info_report("%s: host disconnected", ep->name);
    }
    lab_ep_host_gone(ep);
}

static void lab_ep_hello(LabEp *ep, const void *payload, uint32_t len,
                         int *fd)
{
    const LabLinkHello *hello = payload;
    g_autofree char *name = NULL;
    uint64_t base, size;
    LabEpHostRam *hr;
    Error *err = NULL;

    if (len != sizeof(*hello) || le32_to_cpu(hello->version) !=
        LAB_LINK_VERSION || *fd < 0) {
        error_report("%s: host sent a bad HELLO (%u bytes, version %u, %s);"
                     " disconnecting", ep->name, len,
                     len >= 4 ? le32_to_cpu(hello->version) : 0,
                     *fd < 0 ? "no memory descriptor" : "with descriptor");
        lab_ep_host_gone(ep);
        return;
    }
    base = le64_to_cpu(hello->ram_base);
    size = le64_to_cpu(hello->ram_size);
    if (!size || size % qemu_real_host_page_size() || base + size < base) {
        error_report("%s: host RAM 0x%" PRIx64 " + 0x%" PRIx64 " is invalid;"
                     " disconnecting", ep->name, base, size);
        lab_ep_host_gone(ep);
        return;
    }

    hr = LAB_EP_HOST_RAM(object_new(TYPE_LAB_EP_HOST_RAM));
    hr->base = base;
    hr->size = size;
    name = g_strdup_printf("%s-host-ram", ep->name);
    memory_region_init_ram_from_fd(&hr->mr, OBJECT(hr), name, size,
                                   RAM_SHARED, *fd, 0, &err);
    if (err) {
        error_reportf_err(err, "%s: cannot map host RAM; disconnecting: ",
                          ep->name);
        object_unref(OBJECT(hr));
        lab_ep_host_gone(ep);
        return;
    }
    *fd = -1;   /* the RAM block owns it now */
    ep->host_ram = hr;

    ep->ops->host_connected(ep->opaque);
    info_report("%s: host connected (RAM 0x%" PRIx64 " + 0x%" PRIx64 ")",
                ep->name, base, size);
}

static void lab_ep_mem_read(LabEp *ep, const LabLinkMemRead *req)
{
    LabLinkMemReadReply reply = {
        .tag = req->tag,
        .status = cpu_to_le32(LAB_LINK_READ_FAULT),
        .data = UINT64_MAX,
    };
    uint64_t data;

    if (ep->ops->bar_read(ep->opaque, req, &data)) {
        reply.status = cpu_to_le32(LAB_LINK_READ_OK);
        reply.data = cpu_to_le64(data);
    }
    lab_ep_send(ep, LAB_MSG_MEM_READ_REPLY, &reply, sizeof(reply));
}

/* The host's reset is over: its root port trains the link again. */
static void lab_ep_host_reset_end(void *opaque)
{
    LabEp *ep = opaque;

    ep->host_in_reset = false;
    if (lab_ep_host_connected(ep)) {
        ep->ops->host_reset(ep->opaque);
    }
}

/* A reset that comes during one makes it last longer. */
static void lab_ep_host_reset(LabEp *ep)
{
    bool was = ep->host_in_reset;

    ep->host_in_reset = true;
    timer_mod(ep->reset_timer, qemu_clock_get_ms(QEMU_CLOCK_VIRTUAL) +
              LAB_EP_HOST_RESET_MS);
    if (!was) {
        ep->ops->host_reset(ep->opaque);
    }
}

/* A message of the connected host; false for a bad type or length. */
static bool lab_ep_dispatch(LabEp *ep, uint32_t type, const void *payload,
                            uint32_t len)
{
    switch (type) {
    case LAB_MSG_MEM_READ:
        if (len != sizeof(LabLinkMemRead)) {
            return false;
        }
        lab_ep_mem_read(ep, payload);
        return true;
    case LAB_MSG_MEM_WRITE:
        if (len != sizeof(LabLinkMemWrite)) {
            return false;
        }
        ep->ops->bar_write(ep->opaque, payload);
        return true;
    case LAB_MSG_HOST_CFG:
        if (len != sizeof(LabLinkValue)) {
            return false;
        }
        if (ep->ops->host_cfg) {
            ep->ops->host_cfg(ep->opaque,
                              le32_to_cpu(((const LabLinkValue *)
                                           payload)->value));
        }
        return true;
    case LAB_MSG_HOST_MSI:
        if (len != sizeof(LabLinkHostMsi)) {
            return false;
        }
        if (ep->ops->host_msi) {
            ep->ops->host_msi(ep->opaque, payload);
        }
        return true;
    case LAB_MSG_HOST_RESET:
        if (len) {
            return false;
        }
        lab_ep_host_reset(ep);
        return true;
    }
    return false;
}

static void lab_ep_recv(void *opaque, uint32_t type, const void *payload,
                        uint32_t len, int *fd)
{
    LabEp *ep = opaque;

    if (type == LAB_MSG_HELLO && !lab_ep_host_connected(ep)) {
        lab_ep_hello(ep, payload, len, fd);
        return;
    }
    if (!lab_ep_host_connected(ep)) {
        error_report("%s: host sent message type %u before HELLO;"
                     " disconnecting", ep->name, type);
        lab_ep_host_gone(ep);
        return;
    }
    if (!lab_ep_dispatch(ep, type, payload, len)) {
        qemu_log_mask(LOG_GUEST_ERROR, "%s: host sent unexpected message"
                      " type %u (%u bytes); ignored\n", ep->name, type, len);
    }
}

static void lab_ep_accept(void *opaque)
{
    LabEp *ep = opaque;
    int fd;

    fd = qemu_accept(ep->listen_fd, NULL, NULL);
    if (fd < 0) {
        return;
    }
    if (lab_link_connected(&ep->link)) {
        warn_report("%s: a host is already connected; refusing another",
                    ep->name);
        close(fd);
        return;
    }
    lab_link_attach(&ep->link, fd);
}

/* Life cycle */

static void lab_ep_process_exit(Notifier *n, void *data)
{
    LabEp *ep = container_of(n, LabEp, exit_notifier);

    unlink(ep->socket_path);
}

void lab_ep_instance_init(LabEp *ep)
{
    ep->listen_fd = -1;
    ep->link.fd = -1;
}

bool lab_ep_realize(LabEp *ep, DeviceState *dev, const char *socket_path,
                    HostMemoryBackend *memdev, uint64_t ram_base,
                    unsigned timeout_ms, const LabEpOps *ops, void *opaque,
                    Error **errp)
{
    if (!socket_path || !*socket_path) {
        error_setg(errp, "'socket' must name the UNIX socket to listen on");
        return false;
    }
    ep->ram = lab_link_ram(memdev, ram_base, errp);
    if (!ep->ram) {
        return false;
    }
    ep->name = object_get_typename(OBJECT(dev));
    ep->socket_path = socket_path;
    ep->ram_base = ram_base;
    ep->ram_size = memory_region_size(ep->ram);
    ep->ops = ops;
    ep->opaque = opaque;
    ep->reset_timer = timer_new_ms(QEMU_CLOCK_VIRTUAL, lab_ep_host_reset_end,
                                   ep);

    lab_link_init(&ep->link, dev, timeout_ms, lab_ep_recv, lab_ep_link_lost,
                  ep);
    ep->listen_fd = unix_listen(socket_path, errp);
    if (ep->listen_fd < 0) {
        lab_link_cleanup(&ep->link);
        timer_free(ep->reset_timer);
        ep->reset_timer = NULL;
        return false;
    }
    qemu_socket_set_nonblock(ep->listen_fd);
    qemu_set_fd_handler(ep->listen_fd, lab_ep_accept, NULL, ep);
    ep->exit_notifier.notify = lab_ep_process_exit;
    qemu_add_exit_notifier(&ep->exit_notifier);
    return true;
}

void lab_ep_unrealize(LabEp *ep)
{
    lab_ep_host_gone(ep);
    qemu_set_fd_handler(ep->listen_fd, NULL, NULL, NULL);
    close(ep->listen_fd);
    ep->listen_fd = -1;
    qemu_remove_exit_notifier(&ep->exit_notifier);
    unlink(ep->socket_path);
    lab_link_cleanup(&ep->link);
    timer_free(ep->reset_timer);
    ep->reset_timer = NULL;
}

static const TypeInfo lab_ep_host_ram_info = {
    .name = TYPE_LAB_EP_HOST_RAM,
    .parent = TYPE_OBJECT,
    .instance_size = sizeof(LabEpHostRam),
};

static void lab_ep_register_types(void)
{
    type_register_static(&lab_ep_host_ram_info);
}

type_init(lab_ep_register_types)
