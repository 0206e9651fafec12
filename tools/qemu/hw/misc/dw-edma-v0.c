/*
 * vNTB lab: DesignWare eDMA v0 register block (unrolled map)
 *
 * SPDX-License-Identifier: GPL-2.0-or-later
 *
 * The eDMA engine of a DesignWare PCIe endpoint controller, as Linux's
 * dw-edma driver (v0 core) programs it when the controller reports the
 * unrolled map: write channels move data from local (endpoint) memory to
 * PCI (host) memory, read channels from PCI memory to local memory. Local
 * memory, and the linked lists in it, are the address space the embedding
 * controller gives (the system's, or its SMMU's for the controller's
 * stream); PCI memory is reached through the controller's DwEdmaPciRw
 * callback at raw bus addresses (the eDMA bypasses the iATU).
 *
 * Register map (32-bit registers, offsets from the block's base):
 *
 *   0x000  CTRL_DATA_ARB_PRIOR      storage
 *   0x008  CTRL                     RO: write channels [3:0], read [19:16]
 *   0x00c  WR_ENGINE_EN             bit 0
 *   0x010  WR_DOORBELL              channel [2:0], STOP bit 31
 *   0x018  WR_CH_ARB_WEIGHT lo/hi   storage
 *   0x02c  RD_ENGINE_EN
 *   0x030  RD_DOORBELL
 *   0x038  RD_CH_ARB_WEIGHT lo/hi
 *   0x04c  WR_INT_STATUS            DONE [7:0], ABORT [23:16]
 *   0x054  WR_INT_MASK
 *   0x058  WR_INT_CLEAR
 *   0x05c  WR_ERR_STATUS            app read error [7:0], LL error [23:16]
 *   0x060  WR_DONE_IMWR lo/hi       storage (no IMWR is ever sent)
 *   0x068  WR_ABORT_IMWR lo/hi      storage
 *   0x070  WR_CH01..CH67_IMWR_DATA  storage, four registers
 *   0x090  WR_LINKED_LIST_ERR_EN    [7:0] (local) and [23:16] (remote)
 *   0x0a0  RD_INT_STATUS
 *   0x0a8  RD_INT_MASK
 *   0x0ac  RD_INT_CLEAR
 *   0x0b4  RD_ERR_STATUS lo         app write error [7:0], LL error [23:16]
 *   0x0b8  RD_ERR_STATUS hi         unsupported request [7:0]
 *   0x0c4  RD_LINKED_LIST_ERR_EN
 *   0x0cc  RD_DONE_IMWR lo/hi
 *   0x0d4  RD_ABORT_IMWR lo/hi
 *   0x0dc  RD_CH01..CH67_IMWR_DATA
 *   0x200 + 0x200 * n  write channel n, 0x300 + 0x200 * n  read channel n:
 *     +0x00 CONTROL1  CB 0, TCB 1, LLP 2, LIE 3, RIE 4, CS [6:5], CCS 8,
 *                     LLE 9; CS is status (1 running, 2 halted, 3 stopped)
 *     +0x04 CONTROL2  storage
 *     +0x08 XFER_SIZE, +0x0c SAR lo/hi, +0x14 DAR lo/hi, +0x1c LLP lo/hi
 *
 * Linked-list mode: a doorbell walks the list from LLP. Elements are 24
 * bytes, little-endian: data { ctrl, size, le64 SAR, le64 DAR } and link
 * { ctrl with LLP set, reserved, le64 pointer }. A data element runs while
 * its CB equals the channel's CCS; the walk stops at the first data element
 * whose CB differs (CS stopped, LLP left on it so that the next doorbell
 * resumes there). A link element jumps whatever its CB (Linux writes the
 * link's CB as the inverse of the chunk's) and toggles CCS when TCB is
 * set. A data element with LIE sets DONE when it completes. A failed
 * access halts the channel (CS halted) and sets ABORT; a failed element
 * fetch sets ABORT only if LINKED_LIST_ERR_EN enables it for the channel.
 * With LLE clear, a doorbell runs the single block of XFER_SIZE/SAR/DAR.
 *
 * The walk runs in a bottom half, in slices of bounded size, and gives up
 * (LL error, ABORT) after DW_EDMA_V0_MAX_WALK elements per doorbell, so a
 * cycle in a guest-made list neither blocks the main loop nor runs forever.
 *
 * Interrupt: one level line. A write of any value to WR_INT_STATUS or
 * RD_INT_STATUS asserts it without setting a status bit ("interrupt
 * emulation", the embedded doorbell); a write of 0 to INT_CLEAR deasserts
 * that direction's emulated interrupt; a non-zero write to INT_CLEAR
 * clears the DONE/ABORT bits it names. Level = emulated (either direction)
 * OR (INT_STATUS & ~INT_MASK) of either direction.
 */

#include "qemu/osdep.h"
#include "qemu/units.h"
#include "qemu/log.h"
#include "qemu/bitops.h"
#include "qemu/bswap.h"
#include "qemu/main-loop.h"
#include "exec/address-spaces.h"
#include "hw/qdev-core.h"
#include "dw-edma-v0.h"

/* Directions, the index of DwEdmaV0.dir and DwEdmaV0.nr_ch. */
#define DW_EDMA_V0_DIR_WR               0
#define DW_EDMA_V0_DIR_RD               1
#define DW_EDMA_V0_NR_DIRS              2

/* Global registers */
#define DW_EDMA_V0_CTRL_DATA_ARB_PRIOR  0x000
#define DW_EDMA_V0_CTRL                 0x008
#define  DW_EDMA_V0_CTRL_WR_CH_SHIFT    0
#define  DW_EDMA_V0_CTRL_RD_CH_SHIFT    16
#define DW_EDMA_V0_WR_ENGINE_EN         0x00c
#define DW_EDMA_V0_WR_DOORBELL          0x010
#define DW_EDMA_V0_WR_CH_ARB_WEIGHT     0x018   /* lo, hi */
#define DW_EDMA_V0_RD_ENGINE_EN         0x02c
#define DW_EDMA_V0_RD_DOORBELL          0x030
#define DW_EDMA_V0_RD_CH_ARB_WEIGHT     0x038   /* lo, hi */
#define DW_EDMA_V0_WR_INT_STATUS        0x04c
#define DW_EDMA_V0_WR_INT_MASK          0x054
#define DW_EDMA_V0_WR_INT_CLEAR         0x058
#define DW_EDMA_V0_WR_ERR_STATUS        0x05c
#define DW_EDMA_V0_WR_DONE_IMWR         0x060   /* lo, hi */
#define DW_EDMA_V0_WR_ABORT_IMWR        0x068   /* lo, hi */
#define DW_EDMA_V0_WR_IMWR_DATA         0x070   /* four registers */
#define DW_EDMA_V0_WR_LL_ERR_EN         0x090
#define DW_EDMA_V0_RD_INT_STATUS        0x0a0
#define DW_EDMA_V0_RD_INT_MASK          0x0a8
#define DW_EDMA_V0_RD_INT_CLEAR         0x0ac
#define DW_EDMA_V0_RD_ERR_STATUS        0x0b4   /* lo, hi */
#define DW_EDMA_V0_RD_LL_ERR_EN         0x0c4
#define DW_EDMA_V0_RD_DONE_IMWR         0x0cc   /* lo, hi */
#define DW_EDMA_V0_RD_ABORT_IMWR        0x0d4   /* lo, hi */
#define DW_EDMA_V0_RD_IMWR_DATA         0x0dc   /* four registers */
/* Unrolled extras (channel groups, power enables): not modelled, RAZ/WI */
#define DW_EDMA_V0_UNROLL_EXTRA         0x0f8

/* ENGINE_EN */
#define DW_EDMA_V0_ENGINE_EN            BIT(0)

/* DOORBELL */
#define DW_EDMA_V0_DOORBELL_CH_MASK     0x7
#define DW_EDMA_V0_DOORBELL_STOP        BIT(31)

/* INT_STATUS, INT_MASK, INT_CLEAR */
#define DW_EDMA_V0_INT_DONE(ch)         BIT(ch)
#define DW_EDMA_V0_INT_ABORT(ch)        BIT(16 + (ch))
#define DW_EDMA_V0_INT_ALL              0x00ff00ff

/* LINKED_LIST_ERR_EN: local abort enable [7:0], remote [23:16] */
#define DW_EDMA_V0_LL_ERR_EN_MASK       0x00ff00ff
#define DW_EDMA_V0_LL_ERR_LOCAL(ch)     BIT(ch)

/* ERR_STATUS: err[0] is the low word, err[1] the high one (read only) */
#define DW_EDMA_V0_ERR_APP(ch)          BIT(ch)        /* word 0 */
#define DW_EDMA_V0_ERR_LL(ch)           BIT(16 + (ch)) /* word 0 */
#define DW_EDMA_V0_ERR_UR(ch)           BIT(ch)        /* RD word 1 */

/* Channel register blocks */
#define DW_EDMA_V0_CH_BASE              0x200
#define DW_EDMA_V0_CH_STRIDE            0x200
#define DW_EDMA_V0_CH_RD_OFFSET         0x100
#define DW_EDMA_V0_CH_REG_MASK          0xff
#define DW_EDMA_V0_CH_CONTROL1          0x00
#define DW_EDMA_V0_CH_CONTROL2          0x04
#define DW_EDMA_V0_CH_XFER_SIZE         0x08
#define DW_EDMA_V0_CH_SAR_LO            0x0c
#define DW_EDMA_V0_CH_SAR_HI            0x10
#define DW_EDMA_V0_CH_DAR_LO            0x14
#define DW_EDMA_V0_CH_DAR_HI            0x18
#define DW_EDMA_V0_CH_LLP_LO            0x1c
#define DW_EDMA_V0_CH_LLP_HI            0x20
#define DW_EDMA_V0_CH_REGS_SIZE         0x24

/* CONTROL1 and the control word of a linked-list element */
#define DW_EDMA_V0_CTL_CB               BIT(0)
#define DW_EDMA_V0_CTL_TCB              BIT(1)
#define DW_EDMA_V0_CTL_LLP              BIT(2)
#define DW_EDMA_V0_CTL_LIE              BIT(3)
#define DW_EDMA_V0_CTL_RIE              BIT(4)
#define DW_EDMA_V0_CTL_CS_SHIFT         5
#define DW_EDMA_V0_CTL_CS_MASK          (3u << DW_EDMA_V0_CTL_CS_SHIFT)
#define  DW_EDMA_V0_CS_IDLE             0
#define  DW_EDMA_V0_CS_RUNNING          1
#define  DW_EDMA_V0_CS_HALTED           2
#define  DW_EDMA_V0_CS_STOPPED          3
#define DW_EDMA_V0_CTL_CCS              BIT(8)
#define DW_EDMA_V0_CTL_LLE              BIT(9)

/* Linked-list elements (little-endian) */
#define DW_EDMA_V0_LLI_SIZE             24
#define DW_EDMA_V0_LLI_CTRL             0
#define DW_EDMA_V0_LLI_XFER_SIZE        4
#define DW_EDMA_V0_LLI_SAR              8
#define DW_EDMA_V0_LLI_DAR              16
#define DW_EDMA_V0_LLP_POINTER          8

/* Bytes copied at a time (the bounce buffer). */
#define DW_EDMA_V0_BOUNCE_SIZE          (64 * KiB)
/* Work per channel per bottom-half run: bytes, and what a fetch costs. */
#define DW_EDMA_V0_BH_BUDGET            (1 * MiB)
#define DW_EDMA_V0_FETCH_COST           64
/* Elements one doorbell may walk (Linux uses at most ~170). */
#define DW_EDMA_V0_MAX_WALK             65536

/*
 * The registers each direction has, as offsets; 0 where a direction lacks
 * one (offset 0 is CTRL_DATA_ARB_PRIOR, decoded before this table).
 */
enum {
    DW_EDMA_V0_REG_ENGINE_EN,
    DW_EDMA_V0_REG_DOORBELL,
    DW_EDMA_V0_REG_ARB_WEIGHT_LO,
    DW_EDMA_V0_REG_ARB_WEIGHT_HI,
    DW_EDMA_V0_REG_INT_STATUS,
    DW_EDMA_V0_REG_INT_MASK,
    DW_EDMA_V0_REG_INT_CLEAR,
    DW_EDMA_V0_REG_ERR_LO,
    DW_EDMA_V0_REG_ERR_HI,
    DW_EDMA_V0_REG_DONE_IMWR_LO,
    DW_EDMA_V0_REG_DONE_IMWR_HI,
    DW_EDMA_V0_REG_ABORT_IMWR_LO,
    DW_EDMA_V0_REG_ABORT_IMWR_HI,
    DW_EDMA_V0_REG_IMWR_DATA0,
    DW_EDMA_V0_REG_IMWR_DATA1,
    DW_EDMA_V0_REG_IMWR_DATA2,
    DW_EDMA_V0_REG_IMWR_DATA3,
    DW_EDMA_V0_REG_LL_ERR_EN,
    DW_EDMA_V0_NR_DIR_REGS,
};

static const hwaddr dw_edma_v0_dir_regs[DW_EDMA_V0_NR_DIRS]
                                       [DW_EDMA_V0_NR_DIR_REGS] = {
    [DW_EDMA_V0_DIR_WR] = {
        [DW_EDMA_V0_REG_ENGINE_EN]      = DW_EDMA_V0_WR_ENGINE_EN,
        [DW_EDMA_V0_REG_DOORBELL]       = DW_EDMA_V0_WR_DOORBELL,
        [DW_EDMA_V0_REG_ARB_WEIGHT_LO]  = DW_EDMA_V0_WR_CH_ARB_WEIGHT,
        [DW_EDMA_V0_REG_ARB_WEIGHT_HI]  = DW_EDMA_V0_WR_CH_ARB_WEIGHT + 4,
        [DW_EDMA_V0_REG_INT_STATUS]     = DW_EDMA_V0_WR_INT_STATUS,
        [DW_EDMA_V0_REG_INT_MASK]       = DW_EDMA_V0_WR_INT_MASK,
        [DW_EDMA_V0_REG_INT_CLEAR]      = DW_EDMA_V0_WR_INT_CLEAR,
        [DW_EDMA_V0_REG_ERR_LO]         = DW_EDMA_V0_WR_ERR_STATUS,
        [DW_EDMA_V0_REG_DONE_IMWR_LO]   = DW_EDMA_V0_WR_DONE_IMWR,
        [DW_EDMA_V0_REG_DONE_IMWR_HI]   = DW_EDMA_V0_WR_DONE_IMWR + 4,
        [DW_EDMA_V0_REG_ABORT_IMWR_LO]  = DW_EDMA_V0_WR_ABORT_IMWR,
        [DW_EDMA_V0_REG_ABORT_IMWR_HI]  = DW_EDMA_V0_WR_ABORT_IMWR + 4,
        [DW_EDMA_V0_REG_IMWR_DATA0]     = DW_EDMA_V0_WR_IMWR_DATA,
        [DW_EDMA_V0_REG_IMWR_DATA1]     = DW_EDMA_V0_WR_IMWR_DATA + 4,
        [DW_EDMA_V0_REG_IMWR_DATA2]     = DW_EDMA_V0_WR_IMWR_DATA + 8,
        [DW_EDMA_V0_REG_IMWR_DATA3]     = DW_EDMA_V0_WR_IMWR_DATA + 12,
        [DW_EDMA_V0_REG_LL_ERR_EN]      = DW_EDMA_V0_WR_LL_ERR_EN,
    },
    [DW_EDMA_V0_DIR_RD] = {
        [DW_EDMA_V0_REG_ENGINE_EN]      = DW_EDMA_V0_RD_ENGINE_EN,
        [DW_EDMA_V0_REG_DOORBELL]       = DW_EDMA_V0_RD_DOORBELL,
        [DW_EDMA_V0_REG_ARB_WEIGHT_LO]  = DW_EDMA_V0_RD_CH_ARB_WEIGHT,
        [DW_EDMA_V0_REG_ARB_WEIGHT_HI]  = DW_EDMA_V0_RD_CH_ARB_WEIGHT + 4,
        [DW_EDMA_V0_REG_INT_STATUS]     = DW_EDMA_V0_RD_INT_STATUS,
        [DW_EDMA_V0_REG_INT_MASK]       = DW_EDMA_V0_RD_INT_MASK,
        [DW_EDMA_V0_REG_INT_CLEAR]      = DW_EDMA_V0_RD_INT_CLEAR,
        [DW_EDMA_V0_REG_ERR_LO]         = DW_EDMA_V0_RD_ERR_STATUS,
        [DW_EDMA_V0_REG_ERR_HI]         = DW_EDMA_V0_RD_ERR_STATUS + 4,
        [DW_EDMA_V0_REG_DONE_IMWR_LO]   = DW_EDMA_V0_RD_DONE_IMWR,
        [DW_EDMA_V0_REG_DONE_IMWR_HI]   = DW_EDMA_V0_RD_DONE_IMWR + 4,
        [DW_EDMA_V0_REG_ABORT_IMWR_LO]  = DW_EDMA_V0_RD_ABORT_IMWR,
        [DW_EDMA_V0_REG_ABORT_IMWR_HI]  = DW_EDMA_V0_RD_ABORT_IMWR + 4,
        [DW_EDMA_V0_REG_IMWR_DATA0]     = DW_EDMA_V0_RD_IMWR_DATA,
        [DW_EDMA_V0_REG_IMWR_DATA1]     = DW_EDMA_V0_RD_IMWR_DATA + 4,
        [DW_EDMA_V0_REG_IMWR_DATA2]     = DW_EDMA_V0_RD_IMWR_DATA + 8,
        [DW_EDMA_V0_REG_IMWR_DATA3]     = DW_EDMA_V0_RD_IMWR_DATA + 12,
        [DW_EDMA_V0_REG_LL_ERR_EN]      = DW_EDMA_V0_RD_LL_ERR_EN,
    },
};

static const char *const dw_edma_v0_dir_name[DW_EDMA_V0_NR_DIRS] = {
    [DW_EDMA_V0_DIR_WR] = "write",
    [DW_EDMA_V0_DIR_RD] = "read",
};

static void dw_edma_v0_update_irq(DwEdmaV0 *e)
{
    bool level = false;
    int d;

    for (d = 0; d < DW_EDMA_V0_NR_DIRS; d++) {
        DwEdmaV0Dir *dir = &e->dir[d];

        if (dir->emulated ||
            (dir->int_status & ~dir->int_mask & DW_EDMA_V0_INT_ALL)) {
            level = true;
        }
    }

    if (level != e->level) {
        e->level = level;
        qemu_set_irq(e->irq, level);
    }
}

static void dw_edma_v0_set_cs(DwEdmaV0Chan *c, uint32_t cs)
{
    c->control1 = (c->control1 & ~DW_EDMA_V0_CTL_CS_MASK) |
                  (cs << DW_EDMA_V0_CTL_CS_SHIFT);
}

static void dw_edma_v0_chan_stop(DwEdmaV0Chan *c, uint32_t cs)
{
    c->pending = false;
    c->in_elem = false;
    c->single = false;
    dw_edma_v0_set_cs(c, cs);
}

/* A failed data access: halt the channel and report ABORT. */
static void dw_edma_v0_chan_abort(DwEdmaV0 *e, int d, unsigned ch,
                                  unsigned err_word, uint32_t err_bit)
{
    DwEdmaV0Dir *dir = &e->dir[d];

    dir->err[err_word] |= err_bit;
    dir->int_status |= DW_EDMA_V0_INT_ABORT(ch);
    dw_edma_v0_chan_stop(&dir->ch[ch], DW_EDMA_V0_CS_HALTED);
}

/* A failed or runaway element fetch: halt; ABORT if LL_ERR_EN says so. */
static void dw_edma_v0_chan_ll_error(DwEdmaV0 *e, int d, unsigned ch)
{
    DwEdmaV0Dir *dir = &e->dir[d];

    dir->err[0] |= DW_EDMA_V0_ERR_LL(ch);
    if (dir->ll_err_en & DW_EDMA_V0_LL_ERR_LOCAL(ch)) {
        dir->int_status |= DW_EDMA_V0_INT_ABORT(ch);
    }
    dw_edma_v0_chan_stop(&dir->ch[ch], DW_EDMA_V0_CS_HALTED);
}

/*
 * Fetch the element at LLP and act on it: follow a link, stop at a data
 * element the software has not handed over (CB != CCS), or load a data
 * element into SAR/DAR/XFER_SIZE. Returns false when the channel stopped.
 */
static bool dw_edma_v0_fetch(DwEdmaV0 *e, int d, unsigned ch)
{
    DwEdmaV0Chan *c = &e->dir[d].ch[ch];
    uint8_t lli[DW_EDMA_V0_LLI_SIZE];
    uint32_t ctrl;
    bool cb, ccs;

    if (++c->walked > DW_EDMA_V0_MAX_WALK) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "dw-edma-v0: %s channel %u: more than %u elements "
                      "after one doorbell (cycle in the list?), aborting\n",
                      dw_edma_v0_dir_name[d], ch, DW_EDMA_V0_MAX_WALK);
        dw_edma_v0_chan_ll_error(e, d, ch);
        return false;
    }

    if (address_space_read(e->local_as, c->llp,
                           MEMTXATTRS_UNSPECIFIED, lli, sizeof(lli))
        != MEMTX_OK) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "dw-edma-v0: %s channel %u: cannot read the "
                      "element at 0x%" PRIx64 "\n",
                      dw_edma_v0_dir_name[d], ch, c->llp);
        dw_edma_v0_chan_ll_error(e, d, ch);
        return false;
    }

    ctrl = ldl_le_p(lli + DW_EDMA_V0_LLI_CTRL);
    if (ctrl & DW_EDMA_V0_CTL_LLP) {
        if (ctrl & DW_EDMA_V0_CTL_TCB) {
            c->control1 ^= DW_EDMA_V0_CTL_CCS;
        }
        c->llp = ldq_le_p(lli + DW_EDMA_V0_LLP_POINTER);
        return true;
    }

    cb = ctrl & DW_EDMA_V0_CTL_CB;
    ccs = c->control1 & DW_EDMA_V0_CTL_CCS;
    if (cb != ccs) {
        /* End of the list as handed over: LLP stays here to resume. */
        dw_edma_v0_chan_stop(c, DW_EDMA_V0_CS_STOPPED);
        return false;
    }

    c->elem_ctrl = ctrl;
    c->xfer_size = ldl_le_p(lli + DW_EDMA_V0_LLI_XFER_SIZE);
    c->sar = ldq_le_p(lli + DW_EDMA_V0_LLI_SAR);
    c->dar = ldq_le_p(lli + DW_EDMA_V0_LLI_DAR);
    c->in_elem = true;
    return true;
}

/*
 * Copy up to @len bytes of the current element. Write channels read local
 * memory and write PCI memory; read channels the other way round. Returns
 * false (channel halted, ABORT set) on a failed access.
 */
static bool dw_edma_v0_copy(DwEdmaV0 *e, int d, unsigned ch, uint32_t len)
{
    DwEdmaV0Chan *c = &e->dir[d].ch[ch];
    MemTxResult r;

    if (d == DW_EDMA_V0_DIR_WR) {
        r = address_space_read(e->local_as, c->sar,
                               MEMTXATTRS_UNSPECIFIED, e->bounce, len);
        if (r != MEMTX_OK ||
            !e->pci_rw(e->opaque, c->dar, e->bounce, len, true)) {
            qemu_log_mask(LOG_GUEST_ERROR,
                          "dw-edma-v0: write channel %u: transfer of %u "
                          "bytes 0x%" PRIx64 " -> PCI 0x%" PRIx64
                          " failed\n", ch, len, c->sar, c->dar);
            dw_edma_v0_chan_abort(e, d, ch, 0, DW_EDMA_V0_ERR_APP(ch));
            return false;
        }
    } else {
        if (!e->pci_rw(e->opaque, c->sar, e->bounce, len, false)) {
            qemu_log_mask(LOG_GUEST_ERROR,
                          "dw-edma-v0: read channel %u: read of %u bytes "
                          "at PCI 0x%" PRIx64 " failed\n",
                          ch, len, c->sar);
            dw_edma_v0_chan_abort(e, d, ch, 1, DW_EDMA_V0_ERR_UR(ch));
            return false;
        }
        r = address_space_write(e->local_as, c->dar,
                                MEMTXATTRS_UNSPECIFIED, e->bounce, len);
        if (r != MEMTX_OK) {
            qemu_log_mask(LOG_GUEST_ERROR,
                          "dw-edma-v0: read channel %u: write of %u bytes "
                          "at 0x%" PRIx64 " failed\n", ch, len, c->dar);
            dw_edma_v0_chan_abort(e, d, ch, 0, DW_EDMA_V0_ERR_APP(ch));
            return false;
        }
    }

    c->sar += len;
    c->dar += len;
    c->xfer_size -= len;
    return true;
}

/* The current element is done: report it and move on. */
static void dw_edma_v0_elem_done(DwEdmaV0 *e, int d, unsigned ch)
{
    DwEdmaV0Chan *c = &e->dir[d].ch[ch];

    c->in_elem = false;
    if (c->elem_ctrl & DW_EDMA_V0_CTL_LIE) {
        e->dir[d].int_status |= DW_EDMA_V0_INT_DONE(ch);
    }
    if (c->single) {
        dw_edma_v0_chan_stop(c, DW_EDMA_V0_CS_STOPPED);
    } else {
        c->llp += DW_EDMA_V0_LLI_SIZE;
    }
}

/* Run channel @ch of direction @d for one slice of work. */
static void dw_edma_v0_chan_run(DwEdmaV0 *e, int d, unsigned ch)
{
    DwEdmaV0Chan *c = &e->dir[d].ch[ch];
    uint64_t budget = DW_EDMA_V0_BH_BUDGET;

    while (c->pending && budget > 0) {
        uint32_t len;

        if (!c->in_elem) {
            budget -= MIN(budget, DW_EDMA_V0_FETCH_COST);
            if (!dw_edma_v0_fetch(e, d, ch) || !c->in_elem) {
                continue;
            }
        }

        len = MIN(c->xfer_size, DW_EDMA_V0_BOUNCE_SIZE);
        len = MIN(len, budget);
        if (len && !dw_edma_v0_copy(e, d, ch, len)) {
            break;
        }
        budget -= MIN(budget, len);

        if (c->xfer_size == 0) {
            dw_edma_v0_elem_done(e, d, ch);
        }
    }
}

static void dw_edma_v0_bh(void *opaque)
{
    DwEdmaV0 *e = opaque;
    bool more = false;
    unsigned ch;
    int d;

    for (d = 0; d < DW_EDMA_V0_NR_DIRS; d++) {
        for (ch = 0; ch < e->nr_ch[d]; ch++) {
            if (e->dir[d].ch[ch].pending) {
                dw_edma_v0_chan_run(e, d, ch);
                more |= e->dir[d].ch[ch].pending;
            }
        }
    }

    dw_edma_v0_update_irq(e);
    if (more) {
        qemu_bh_schedule(e->bh);
    }
}

static void dw_edma_v0_doorbell(DwEdmaV0 *e, int d, uint32_t val)
{
    DwEdmaV0Dir *dir = &e->dir[d];
    unsigned ch = val & DW_EDMA_V0_DOORBELL_CH_MASK;
    DwEdmaV0Chan *c;

    if (ch >= e->nr_ch[d]) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "dw-edma-v0: %s doorbell 0x%x: no channel %u\n",
                      dw_edma_v0_dir_name[d], val, ch);
        return;
    }
    c = &dir->ch[ch];

    if (val & DW_EDMA_V0_DOORBELL_STOP) {
        if (c->pending) {
            dir->int_status |= DW_EDMA_V0_INT_ABORT(ch);
            dw_edma_v0_chan_stop(c, DW_EDMA_V0_CS_HALTED);
            dw_edma_v0_update_irq(e);
        }
        return;
    }

    if (!(dir->engine_en & DW_EDMA_V0_ENGINE_EN)) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "dw-edma-v0: %s doorbell for channel %u while the "
                      "engine is disabled\n", dw_edma_v0_dir_name[d], ch);
        return;
    }

    if (c->pending) {
        /* Already running: the walk picks up what was added. */
        return;
    }

    c->pending = true;
    c->walked = 0;
    dir->err[0] &= ~(DW_EDMA_V0_ERR_APP(ch) | DW_EDMA_V0_ERR_LL(ch));
    dir->err[1] &= ~DW_EDMA_V0_ERR_UR(ch);
    if (!(c->control1 & DW_EDMA_V0_CTL_LLE)) {
        /* Single block from the channel registers. */
        c->single = true;
        c->in_elem = true;
        c->elem_ctrl = c->control1;
    }
    dw_edma_v0_set_cs(c, DW_EDMA_V0_CS_RUNNING);
    qemu_bh_schedule(e->bh);
}

static void dw_edma_v0_engine_en(DwEdmaV0 *e, int d, uint32_t val)
{
    DwEdmaV0Dir *dir = &e->dir[d];
    unsigned ch;

    dir->engine_en = val & DW_EDMA_V0_ENGINE_EN;
    if (dir->engine_en) {
        return;
    }
    /* Disabling the engine drops whatever its channels were doing. */
    for (ch = 0; ch < e->nr_ch[d]; ch++) {
        if (dir->ch[ch].pending) {
            dw_edma_v0_chan_stop(&dir->ch[ch], DW_EDMA_V0_CS_HALTED);
        }
    }
}

/* Find which per-direction register @addr is; false if none. */
static bool dw_edma_v0_decode(hwaddr addr, int *d, int *reg)
{
    int i, j;

    for (i = 0; i < DW_EDMA_V0_NR_DIRS; i++) {
        for (j = 0; j < DW_EDMA_V0_NR_DIR_REGS; j++) {
            if (dw_edma_v0_dir_regs[i][j] == addr) {
                *d = i;
                *reg = j;
                return true;
            }
        }
    }
    return false;
}

/* Find the channel whose registers hold @addr; NULL if none. */
static DwEdmaV0Chan *dw_edma_v0_chan(DwEdmaV0 *e, hwaddr addr, bool write)
{
    hwaddr rel = addr - DW_EDMA_V0_CH_BASE;
    unsigned ch = rel / DW_EDMA_V0_CH_STRIDE;
    int d = (rel & DW_EDMA_V0_CH_RD_OFFSET) ? DW_EDMA_V0_DIR_RD
                                            : DW_EDMA_V0_DIR_WR;

    if (ch >= e->nr_ch[d] ||
        (rel & DW_EDMA_V0_CH_REG_MASK) >= DW_EDMA_V0_CH_REGS_SIZE) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "dw-edma-v0: %s of 0x%" HWADDR_PRIx
                      ": no such channel register\n",
                      write ? "write" : "read", addr);
        return NULL;
    }
    return &e->dir[d].ch[ch];
}

static uint32_t dw_edma_v0_chan_read(DwEdmaV0Chan *c, hwaddr reg)
{
    switch (reg) {
    case DW_EDMA_V0_CH_CONTROL1:
        return c->control1;
    case DW_EDMA_V0_CH_CONTROL2:
        return c->control2;
    case DW_EDMA_V0_CH_XFER_SIZE:
        return c->xfer_size;
    case DW_EDMA_V0_CH_SAR_LO:
        return extract64(c->sar, 0, 32);
    case DW_EDMA_V0_CH_SAR_HI:
        return extract64(c->sar, 32, 32);
    case DW_EDMA_V0_CH_DAR_LO:
        return extract64(c->dar, 0, 32);
    case DW_EDMA_V0_CH_DAR_HI:
        return extract64(c->dar, 32, 32);
    case DW_EDMA_V0_CH_LLP_LO:
        return extract64(c->llp, 0, 32);
    case DW_EDMA_V0_CH_LLP_HI:
        return extract64(c->llp, 32, 32);
    default:
        g_assert_not_reached();
    }
}

static void dw_edma_v0_chan_write(DwEdmaV0Chan *c, hwaddr reg, uint32_t val)
{
    switch (reg) {
    case DW_EDMA_V0_CH_CONTROL1:
        /* CS is status: the walk owns it. */
        c->control1 = (val & ~DW_EDMA_V0_CTL_CS_MASK) |
                      (c->control1 & DW_EDMA_V0_CTL_CS_MASK);
        break;
    case DW_EDMA_V0_CH_CONTROL2:
        c->control2 = val;
        break;
    case DW_EDMA_V0_CH_XFER_SIZE:
        c->xfer_size = val;
        break;
    case DW_EDMA_V0_CH_SAR_LO:
        c->sar = deposit64(c->sar, 0, 32, val);
        break;
    case DW_EDMA_V0_CH_SAR_HI:
        c->sar = deposit64(c->sar, 32, 32, val);
        break;
    case DW_EDMA_V0_CH_DAR_LO:
        c->dar = deposit64(c->dar, 0, 32, val);
        break;
    case DW_EDMA_V0_CH_DAR_HI:
        c->dar = deposit64(c->dar, 32, 32, val);
        break;
    case DW_EDMA_V0_CH_LLP_LO:
        c->llp = deposit64(c->llp, 0, 32, val);
        c->in_elem = false;
        break;
    case DW_EDMA_V0_CH_LLP_HI:
        c->llp = deposit64(c->llp, 32, 32, val);
        c->in_elem = false;
        break;
    default:
        g_assert_not_reached();
    }
}

static uint32_t dw_edma_v0_dir_read(DwEdmaV0Dir *dir, int reg)
{
    switch (reg) {
    case DW_EDMA_V0_REG_ENGINE_EN:
        return dir->engine_en;
    case DW_EDMA_V0_REG_ARB_WEIGHT_LO:
    case DW_EDMA_V0_REG_ARB_WEIGHT_HI:
        return dir->arb_weight[reg - DW_EDMA_V0_REG_ARB_WEIGHT_LO];
    case DW_EDMA_V0_REG_INT_STATUS:
        return dir->int_status;
    case DW_EDMA_V0_REG_INT_MASK:
        return dir->int_mask;
    case DW_EDMA_V0_REG_ERR_LO:
    case DW_EDMA_V0_REG_ERR_HI:
        return dir->err[reg - DW_EDMA_V0_REG_ERR_LO];
    case DW_EDMA_V0_REG_DONE_IMWR_LO:
    case DW_EDMA_V0_REG_DONE_IMWR_HI:
        return dir->done_imwr[reg - DW_EDMA_V0_REG_DONE_IMWR_LO];
    case DW_EDMA_V0_REG_ABORT_IMWR_LO:
    case DW_EDMA_V0_REG_ABORT_IMWR_HI:
        return dir->abort_imwr[reg - DW_EDMA_V0_REG_ABORT_IMWR_LO];
    case DW_EDMA_V0_REG_IMWR_DATA0 ... DW_EDMA_V0_REG_IMWR_DATA3:
        return dir->imwr_data[reg - DW_EDMA_V0_REG_IMWR_DATA0];
    case DW_EDMA_V0_REG_LL_ERR_EN:
        return dir->ll_err_en;
    default:
        /* DOORBELL and INT_CLEAR are write-only. */
        return 0;
    }
}

static void dw_edma_v0_dir_write(DwEdmaV0 *e, int d, int reg, uint32_t val)
{
    DwEdmaV0Dir *dir = &e->dir[d];

    switch (reg) {
    case DW_EDMA_V0_REG_ENGINE_EN:
        dw_edma_v0_engine_en(e, d, val);
        break;
    case DW_EDMA_V0_REG_DOORBELL:
        dw_edma_v0_doorbell(e, d, val);
        break;
    case DW_EDMA_V0_REG_ARB_WEIGHT_LO:
    case DW_EDMA_V0_REG_ARB_WEIGHT_HI:
        dir->arb_weight[reg - DW_EDMA_V0_REG_ARB_WEIGHT_LO] = val;
        break;
    case DW_EDMA_V0_REG_INT_STATUS:
        /* Interrupt emulation: assert, set no status bit. */
        dir->emulated = true;
        dw_edma_v0_update_irq(e);
        break;
    case DW_EDMA_V0_REG_INT_MASK:
        dir->int_mask = val & DW_EDMA_V0_INT_ALL;
        dw_edma_v0_update_irq(e);
        break;
    case DW_EDMA_V0_REG_INT_CLEAR:
        if (val == 0) {
            dir->emulated = false;
        } else {
            dir->int_status &= ~(val & DW_EDMA_V0_INT_ALL);
        }
        dw_edma_v0_update_irq(e);
        break;
    case DW_EDMA_V0_REG_ERR_LO:
    case DW_EDMA_V0_REG_ERR_HI:
        qemu_log_mask(LOG_GUEST_ERROR,
                      "dw-edma-v0: %s error status is read-only\n",
                      dw_edma_v0_dir_name[d]);
        break;
    case DW_EDMA_V0_REG_DONE_IMWR_LO:
    case DW_EDMA_V0_REG_DONE_IMWR_HI:
        dir->done_imwr[reg - DW_EDMA_V0_REG_DONE_IMWR_LO] = val;
        break;
    case DW_EDMA_V0_REG_ABORT_IMWR_LO:
    case DW_EDMA_V0_REG_ABORT_IMWR_HI:
        dir->abort_imwr[reg - DW_EDMA_V0_REG_ABORT_IMWR_LO] = val;
        break;
    case DW_EDMA_V0_REG_IMWR_DATA0 ... DW_EDMA_V0_REG_IMWR_DATA3:
        dir->imwr_data[reg - DW_EDMA_V0_REG_IMWR_DATA0] = val;
        break;
    case DW_EDMA_V0_REG_LL_ERR_EN:
        dir->ll_err_en = val & DW_EDMA_V0_LL_ERR_EN_MASK;
        break;
    default:
        g_assert_not_reached();
    }
}

/* Only aligned 32-bit accesses reach the registers. */
static bool dw_edma_v0_access_ok(hwaddr addr, unsigned size, bool write)
{
    if (size != 4 || (addr & 3)) {
        qemu_log_mask(LOG_GUEST_ERROR,
                      "dw-edma-v0: %u-byte %s at 0x%" HWADDR_PRIx
                      " ignored (32-bit aligned only)\n",
                      size, write ? "write" : "read", addr);
        return false;
    }
    return true;
}

static uint64_t dw_edma_v0_read(void *opaque, hwaddr addr, unsigned size)
{
    DwEdmaV0 *e = opaque;
    DwEdmaV0Chan *c;
    int d, reg;

    if (!dw_edma_v0_access_ok(addr, size, false)) {
        return 0;
    }

    if (addr >= DW_EDMA_V0_CH_BASE) {
        c = dw_edma_v0_chan(e, addr, false);
        return c ? dw_edma_v0_chan_read(c, addr & DW_EDMA_V0_CH_REG_MASK)
                 : 0;
    }

    switch (addr) {
    case DW_EDMA_V0_CTRL_DATA_ARB_PRIOR:
        return e->arb_prior;
    case DW_EDMA_V0_CTRL:
        return (e->nr_ch[DW_EDMA_V0_DIR_WR] << DW_EDMA_V0_CTRL_WR_CH_SHIFT) |
               (e->nr_ch[DW_EDMA_V0_DIR_RD] << DW_EDMA_V0_CTRL_RD_CH_SHIFT);
    default:
        break;
    }

    if (dw_edma_v0_decode(addr, &d, &reg)) {
        return dw_edma_v0_dir_read(&e->dir[d], reg);
    }

    if (addr >= DW_EDMA_V0_UNROLL_EXTRA) {
        qemu_log_mask(LOG_UNIMP, "dw-edma-v0: read of 0x%" HWADDR_PRIx
                      " (channel groups/power) not modelled\n", addr);
    } else {
        qemu_log_mask(LOG_GUEST_ERROR, "dw-edma-v0: read of reserved "
                      "offset 0x%" HWADDR_PRIx "\n", addr);
    }
    return 0;
}

static void dw_edma_v0_write(void *opaque, hwaddr addr, uint64_t val64,
                             unsigned size)
{
    DwEdmaV0 *e = opaque;
    uint32_t val = val64;
    DwEdmaV0Chan *c;
    int d, reg;

    if (!dw_edma_v0_access_ok(addr, size, true)) {
        return;
    }

    if (addr >= DW_EDMA_V0_CH_BASE) {
        c = dw_edma_v0_chan(e, addr, true);
        if (c) {
            dw_edma_v0_chan_write(c, addr & DW_EDMA_V0_CH_REG_MASK, val);
        }
        return;
    }

    switch (addr) {
    case DW_EDMA_V0_CTRL_DATA_ARB_PRIOR:
        e->arb_prior = val;
        return;
    case DW_EDMA_V0_CTRL:
        qemu_log_mask(LOG_GUEST_ERROR,
                      "dw-edma-v0: CTRL is read-only (wrote 0x%x)\n", val);
        return;
    default:
        break;
    }

    if (dw_edma_v0_decode(addr, &d, &reg)) {
        dw_edma_v0_dir_write(e, d, reg, val);
        return;
    }

    if (addr >= DW_EDMA_V0_UNROLL_EXTRA) {
        qemu_log_mask(LOG_UNIMP, "dw-edma-v0: write of 0x%x to 0x%"
                      HWADDR_PRIx " (channel groups/power) not modelled\n",
                      val, addr);
    } else {
        qemu_log_mask(LOG_GUEST_ERROR, "dw-edma-v0: write of 0x%x to "
                      "reserved offset 0x%" HWADDR_PRIx "\n", val, addr);
    }
}

static const MemoryRegionOps dw_edma_v0_ops = {
    .read = dw_edma_v0_read,
    .write = dw_edma_v0_write,
    .endianness = DEVICE_LITTLE_ENDIAN,
    /* Let every size through so that the wrong ones are logged, not faulted */
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

void dw_edma_v0_init(DwEdmaV0 *e, Object *owner, unsigned wr_channels,
                     unsigned rd_channels, qemu_irq irq,
                     AddressSpace *local_as, DwEdmaPciRw *pci_rw,
                     void *opaque)
{
    DeviceState *dev = DEVICE(owner);

    assert(wr_channels >= 1 && wr_channels <= DW_EDMA_V0_MAX_CHANNELS);
    assert(rd_channels >= 1 && rd_channels <= DW_EDMA_V0_MAX_CHANNELS);
    assert(local_as && pci_rw);

    memset(e, 0, sizeof(*e));
    e->nr_ch[DW_EDMA_V0_DIR_WR] = wr_channels;
    e->nr_ch[DW_EDMA_V0_DIR_RD] = rd_channels;
    e->irq = irq;
    e->local_as = local_as;
    e->pci_rw = pci_rw;
    e->opaque = opaque;
    e->bounce = g_malloc(DW_EDMA_V0_BOUNCE_SIZE);

    /*
     * With the owner's re-entrancy guard, a transfer aimed at the owner's
     * own registers fails (channel aborts) instead of re-entering them.
     */
    e->bh = qemu_bh_new_guarded(dw_edma_v0_bh, e, &dev->mem_reentrancy_guard);

    memory_region_init_io(&e->mmio, owner, &dw_edma_v0_ops, e, "dw-edma-v0",
                          DW_EDMA_V0_MMIO_SIZE);
}

MemoryRegion *dw_edma_v0_mmio(DwEdmaV0 *e)
{
    return &e->mmio;
}

void dw_edma_v0_reset(DwEdmaV0 *e)
{
    qemu_bh_cancel(e->bh);
    e->arb_prior = 0;
    memset(e->dir, 0, sizeof(e->dir));
    e->level = false;
    qemu_set_irq(e->irq, 0);
}

void dw_edma_v0_cleanup(DwEdmaV0 *e)
{
    if (e->bh) {
        qemu_bh_delete(e->bh);
        e->bh = NULL;
    }
    g_free(e->bounce);
    e->bounce = NULL;
}
