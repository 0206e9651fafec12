/*
 * vNTB lab: message transport of the emulated PCIe endpoint link
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * Framing, descriptor passing and waiting for a reply over a UNIX stream
 * socket; the message types are in lab-link.h.
 */

#include "qemu/osdep.h"
#include <poll.h>
#include <sys/socket.h>
#include "qemu/bswap.h"
#include "qemu/error-report.h"
#include "qemu/main-loop.h"
#include "qemu/sockets.h"
#include "qemu/timer.h"
#include "qapi/error.h"
#include "exec/memory.h"
#include "hw/qdev-core.h"
#include "exec/address-spaces.h"
#include "sysemu/hostmem.h"
#include "lab-link.h"

QEMU_BUILD_BUG_ON(sizeof(LabLinkHeader) != 8);
QEMU_BUILD_BUG_ON(sizeof(LabLinkHello) != 24);
QEMU_BUILD_BUG_ON(sizeof(LabLinkBar) != 24);
QEMU_BUILD_BUG_ON(sizeof(LabLinkMsix) != 16);
QEMU_BUILD_BUG_ON(sizeof(LabLinkConfig) != 40 + 6 * 24 + 16);
QEMU_BUILD_BUG_ON(sizeof(LabLinkBarMsg) != 32);
QEMU_BUILD_BUG_ON(sizeof(LabLinkMemRead) != 16);
QEMU_BUILD_BUG_ON(sizeof(LabLinkMemReadReply) != 16);
QEMU_BUILD_BUG_ON(sizeof(LabLinkMemWrite) != 24);
QEMU_BUILD_BUG_ON(sizeof(LabLinkHostMsi) != 24);
QEMU_BUILD_BUG_ON(sizeof(LabLinkHostWrite) != 24);
QEMU_BUILD_BUG_ON(sizeof(LabLinkConfig) > LAB_LINK_MAX_PAYLOAD);

/* Messages handled per call of the read handler before the main loop runs */
#define LAB_LINK_RX_BUDGET          64

static void lab_link_lost_bh(void *opaque)
{
    LabLink *l = opaque;

    l->lost(l->opaque);
}

static void lab_link_drop_fds(LabLink *l)
{
    while (l->rx_nfds) {
        close(l->rx_fds[--l->rx_nfds]);
    }
}

/*
 * The connection is unusable: close it now, tell the owner later. @why is
 * NULL for an orderly end of stream.
 */
static void G_GNUC_PRINTF(2, 3) lab_link_fail(LabLink *l, const char *why, ...)
{
    va_list ap;
    g_autofree char *msg = NULL;

    if (l->fd < 0) {
        return;
    }
    if (why) {
        va_start(ap, why);
        msg = g_strdup_vprintf(why, ap);
        va_end(ap);
        error_report("%s: link to the peer lost: %s", l->name, msg);
    }
    lab_link_close(l);
    qemu_bh_schedule(l->lost_bh);
}

static void lab_link_dispatch(LabLink *l)
{
    const LabLinkHeader *hdr = (const LabLinkHeader *)l->rx_buf;
    uint8_t payload[LAB_LINK_MAX_PAYLOAD];
    uint32_t type = le32_to_cpu(hdr->type);
    uint32_t len = le32_to_cpu(hdr->len);
    int fd = -1;

    /*
     * Copy the message out first: a handler may wait for another message,
     * which reuses the reassembly buffer.
     */
    memcpy(payload, l->rx_buf + sizeof(*hdr), len);
    l->rx_len = 0;
    if (l->rx_nfds) {
        fd = l->rx_fds[0];
        memmove(l->rx_fds, l->rx_fds + 1, --l->rx_nfds * sizeof(int));
        /* A message carries one descriptor at most. */
        lab_link_drop_fds(l);
    }

    if (l->match && !l->matched &&
        l->match(l->match_opaque, type, payload, len, &fd)) {
        l->matched = true;
    } else {
        l->recv(l->opaque, type, payload, len, &fd);
    }
    if (fd >= 0) {
        close(fd);
    }
}

static void lab_link_take_fds(LabLink *l, struct msghdr *msg)
{
    struct cmsghdr *cmsg;
    int *fds;
    size_t i, n;

    for (cmsg = CMSG_FIRSTHDR(msg); cmsg; cmsg = CMSG_NXTHDR(msg, cmsg)) {
        if (cmsg->cmsg_level != SOL_SOCKET || cmsg->cmsg_type != SCM_RIGHTS) {
            continue;
        }
        fds = (int *)CMSG_DATA(cmsg);
        n = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
        for (i = 0; i < n; i++) {
            if (l->rx_nfds < LAB_LINK_MAX_FDS) {
                l->rx_fds[l->rx_nfds++] = fds[i];
            } else {
                close(fds[i]);
            }
        }
    }
}

/*
 * Read what is available of the message in progress, without blocking,
 * and dispatch it if it is complete. Returns 1 if bytes were read, 0 if
 * none were available and -1 if the connection failed.
 */
static int lab_link_rx_once(LabLink *l)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int) * LAB_LINK_MAX_FDS)];
    } control;
    const LabLinkHeader *hdr = (const LabLinkHeader *)l->rx_buf;
    struct msghdr msg = { 0 };
    struct iovec iov;
    uint32_t want, len;
    ssize_t n;

    if (l->fd < 0) {
        return -1;
    }

    if (l->rx_len < sizeof(*hdr)) {
        want = sizeof(*hdr) - l->rx_len;
    } else {
        want = sizeof(*hdr) + le32_to_cpu(hdr->len) - l->rx_len;
    }

    iov.iov_base = l->rx_buf + l->rx_len;
    iov.iov_len = want;
    msg.msg_iov = &iov;
    msg.msg_iovlen = 1;
    msg.msg_control = &control;
    msg.msg_controllen = sizeof(control);

    do {
        n = recvmsg(l->fd, &msg, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
    } while (n < 0 && errno == EINTR);

    if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK) {
            return 0;
        }
        if (errno == ECONNRESET) {
            lab_link_fail(l, NULL);     /* the peer closed its end */
            return -1;
        }
        lab_link_fail(l, "receive failed: %s", strerror(errno));
        return -1;
    }
    lab_link_take_fds(l, &msg);
    if (msg.msg_flags & MSG_CTRUNC) {
        lab_link_fail(l, "peer sent too many file descriptors");
        return -1;
    }
    if (n == 0) {
        if (l->rx_len) {
            lab_link_fail(l, "peer closed the socket inside a message");
        } else {
            lab_link_fail(l, NULL);
        }
        return -1;
    }

    l->rx_len += n;
    if (l->rx_len == sizeof(*hdr)) {
        len = le32_to_cpu(hdr->len);
        if (len > LAB_LINK_MAX_PAYLOAD) {
            lab_link_fail(l, "message type %u has %u bytes, at most %u allowed",
                          le32_to_cpu(hdr->type), len, LAB_LINK_MAX_PAYLOAD);
            return -1;
        }
    }
    if (l->rx_len >= sizeof(*hdr) &&
        l->rx_len == sizeof(*hdr) + le32_to_cpu(hdr->len)) {
        lab_link_dispatch(l);
    }
    return 1;
}

static void lab_link_readable(void *opaque)
{
    LabLink *l = opaque;
    int budget = LAB_LINK_RX_BUDGET * 2;    /* two reads per message */

    while (budget-- > 0 && lab_link_rx_once(l) > 0) {
        /* keep going */
    }
}

void lab_link_init(LabLink *l, DeviceState *dev, unsigned timeout_ms,
                   LabLinkRecvFn *recv, LabLinkLostFn *lost, void *opaque)
{
    memset(l, 0, sizeof(*l));
    l->fd = -1;
    l->name = object_get_typename(OBJECT(dev));
    l->timeout_ms = timeout_ms;
    l->recv = recv;
    l->lost = lost;
    l->opaque = opaque;
    l->lost_bh = qemu_bh_new_guarded(lab_link_lost_bh, l,
                                     &dev->mem_reentrancy_guard);
}

void lab_link_attach(LabLink *l, int fd)
{
    lab_link_close(l);
    qemu_socket_set_nonblock(fd);
    l->fd = fd;
    qemu_set_fd_handler(fd, lab_link_readable, NULL, l);
}

void lab_link_close(LabLink *l)
{
    if (l->fd >= 0) {
        qemu_set_fd_handler(l->fd, NULL, NULL, NULL);
        close(l->fd);
        l->fd = -1;
    }
    l->rx_len = 0;
    lab_link_drop_fds(l);
}

void lab_link_cleanup(LabLink *l)
{
    lab_link_close(l);
    if (l->lost_bh) {
        qemu_bh_delete(l->lost_bh);
        l->lost_bh = NULL;
    }
}

/* Wait until @fd is ready for @events or @deadline (realtime ms) passes. */
static bool lab_link_poll(int fd, short events, int64_t deadline)
{
    struct pollfd pfd = { .fd = fd, .events = events };
    int64_t now;
    int ret;

    for (;;) {
        now = qemu_clock_get_ms(QEMU_CLOCK_REALTIME);
        if (now >= deadline) {
            return false;
        }
        ret = poll(&pfd, 1, MIN(deadline - now, INT_MAX));
        if (ret > 0) {
            return true;
        }
        if (ret < 0 && errno != EINTR) {
            return false;
        }
    }
}

/*
 * Send one message, with @fd (if not -1) attached to its first bytes.
 * Returns 0, or a negative errno once the link has failed.
 */
int lab_link_send(LabLink *l, uint32_t type, const void *payload,
                  uint32_t len, int fd)
{
    union {
        struct cmsghdr align;
        char buf[CMSG_SPACE(sizeof(int))];
    } control;
    LabLinkHeader hdr = {
        .type = cpu_to_le32(type),
        .len = cpu_to_le32(len),
    };
    size_t total = sizeof(hdr) + len, done = 0;
    int64_t deadline;
    struct iovec iov[2];
    struct msghdr msg;
    struct cmsghdr *cmsg;
    ssize_t n;

    assert(len <= LAB_LINK_MAX_PAYLOAD);
    if (l->fd < 0) {
        return -ENOTCONN;
    }

    deadline = qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + l->timeout_ms;
    while (done < total) {
        memset(&msg, 0, sizeof(msg));
        if (done < sizeof(hdr)) {
            iov[0].iov_base = (uint8_t *)&hdr + done;
            iov[0].iov_len = sizeof(hdr) - done;
            iov[1].iov_base = (void *)payload;
            iov[1].iov_len = len;
            msg.msg_iovlen = len ? 2 : 1;
        } else {
            iov[0].iov_base = (uint8_t *)payload + (done - sizeof(hdr));
            iov[0].iov_len = total - done;
            msg.msg_iovlen = 1;
        }
        msg.msg_iov = iov;

        if (fd >= 0 && done == 0) {
            memset(&control, 0, sizeof(control));
            msg.msg_control = &control;
            msg.msg_controllen = sizeof(control);
            cmsg = CMSG_FIRSTHDR(&msg);
            cmsg->cmsg_level = SOL_SOCKET;
            cmsg->cmsg_type = SCM_RIGHTS;
            cmsg->cmsg_len = CMSG_LEN(sizeof(int));
            memcpy(CMSG_DATA(cmsg), &fd, sizeof(int));
        }

        n = sendmsg(l->fd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
        if (n > 0) {
            done += n;
            continue;
        }
        if (n < 0 && errno == EINTR) {
            continue;
        }
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            if (lab_link_poll(l->fd, POLLOUT, deadline)) {
                continue;
            }
            lab_link_fail(l, "peer did not read for %u ms", l->timeout_ms);
            return -ETIMEDOUT;
        }
        n = n < 0 ? -errno : -EIO;
        if (n == -EPIPE || n == -ECONNRESET) {
            lab_link_fail(l, NULL);     /* the peer closed its end */
        } else {
            lab_link_fail(l, "send failed: %s", strerror(-n));
        }
        return n;
    }
    return 0;
}

/*
 * Block until @match accepts a message or @timeout_ms pass, handing every
 * other message that arrives meanwhile to the receive handler. Returns
 * false on timeout or if the link fails.
 */
bool lab_link_wait(LabLink *l, LabLinkMatchFn *match, void *opaque,
                   unsigned timeout_ms)
{
    LabLinkMatchFn *outer_match = l->match;
    void *outer_opaque = l->match_opaque;
    bool outer_matched = l->matched;
    int64_t deadline;
    bool found;
    int ret;

    deadline = qemu_clock_get_ms(QEMU_CLOCK_REALTIME) + timeout_ms;
    l->match = match;
    l->match_opaque = opaque;
    l->matched = false;

    while (!l->matched) {
        ret = lab_link_rx_once(l);
        if (ret < 0) {
            break;
        }
        if (ret == 0 && !lab_link_poll(l->fd, POLLIN, deadline)) {
            break;
        }
    }

    found = l->matched;
    l->match = outer_match;
    l->match_opaque = outer_opaque;
    l->matched = outer_matched;
    return found;
}

/* Is the byte at @addr of system memory byte @offset of @ram? */
static bool lab_link_ram_at(MemoryRegion *ram, uint64_t addr, uint64_t offset)
{
    MemoryRegionSection sec = memory_region_find(get_system_memory(), addr, 1);
    bool ok = sec.mr == ram && sec.offset_within_region == offset;

    if (sec.mr) {
        memory_region_unref(sec.mr);
    }
    return ok;
}

MemoryRegion *lab_link_ram(HostMemoryBackend *memdev, uint64_t base,
                           Error **errp)
{
    ERRP_GUARD();
    MemoryRegion *ram;
    uint64_t size;

    if (!memdev) {
        error_setg(errp, "'memdev' must name the machine's RAM backend");
        return NULL;
    }
    ram = host_memory_backend_get_memory(memdev);
    if (!memdev->share || memory_region_get_fd(ram) < 0) {
        error_setg(errp, "memdev '%s' cannot be shared with the peer",
                   object_get_canonical_path_component(OBJECT(memdev)));
        error_append_hint(errp, "Use memory-backend-memfd or "
                          "memory-backend-file, with share=on.\n");
        return NULL;
    }
    size = memory_region_size(ram);
    if (!lab_link_ram_at(ram, base, 0) ||
        !lab_link_ram_at(ram, base + size - 1, size - 1)) {
        error_setg(errp, "memdev '%s' is not the machine's RAM, in one piece"
                   " at 0x%" PRIx64,
                   object_get_canonical_path_component(OBJECT(memdev)), base);
        error_append_hint(errp, "Give the machine memory-backend=<memdev> and"
                          " set ram-base; give a q35 machine at most"
                          " 2 GiB.\n");
        return NULL;
    }
    return ram;
}
