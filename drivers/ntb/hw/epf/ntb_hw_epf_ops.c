// SPDX-License-Identifier: GPL-2.0
/*
 * Host driver for the PCI endpoint NTB functions: the NTB device's
 * operations (struct ntb_dev_ops).
 *
 * Scratchpads, as the endpoint lays them out in the control BAR:
 *
 *   ctrl BAR
 *   +--------------------------+ 0
 *   | control region           |
 *   | (+ extension)            |
 *   +--------------------------+ SPAD_OFFSET
 *   | host's own scratchpads   |  SPAD_COUNT x u32: spad_read/write
 *   +--------------------------+ SPAD_OFFSET + 4 * SPAD_COUNT
 *   | the peer's scratchpads   |  peer_spad_read/write, unless the SoC's
 *   +--------------------------+  map gives them a BAR of their own
 *
 * SPAD_OFFSET and MW1_OFFSET are read again on every use, as the endpoint
 * may change them, and checked each time. DB_ENTRY_SIZE, DB_DATA and
 * DB_OFFSET are read and checked after every command and at link up
 * (ntb_hw_epf_db_refresh()), so that a ring is one write. The counts are
 * taken once, at probe.
 */

#include <linux/bitops.h>
#include <linux/jiffies.h>
#include <linux/workqueue.h>
#include <linux/sizes.h>

#include "ntb_hw_epf.h"
#include "ntb_hw_epf_trace.h"

/**
 * ntb_hw_epf_link_state() - is the link up, as the endpoint reports it?
 * @ndev: the device
 *
 * An endpoint that is gone reads all-ones: that is a link down.
 *
 * Return: true when the link is up.
 */
bool ntb_hw_epf_link_state(struct ntb_hw_epf *ndev)
{
	u16 status = readw(ndev->ctrl + NTB_EPF_LINK_STATUS);

	if (status == NTB_HW_EPF_GONE16) {
		atomic64_inc(&ndev->stats.endpoint_gone);
		dev_err_ratelimited(ndev->dev, "endpoint does not answer: link down\n");
		return false;
	}

	return status & NTB_EPF_LINK_UP;
}

static u64 ntb_hw_epf_link_is_up(struct ntb_dev *ntb, enum ntb_speed *speed,
				 enum ntb_width *width)
{
	struct ntb_hw_epf *ndev = ntb_hw_epf_of(ntb);
	bool up = ntb_hw_epf_link_state(ndev);

	/* What the client now knows: link events only report changes. */
	WRITE_ONCE(ndev->link_seen, up);

	if (speed)
		*speed = up ? NTB_SPEED_AUTO : NTB_SPEED_NONE;
	if (width)
		*width = up ? NTB_WIDTH_AUTO : NTB_WIDTH_NONE;

	return up;
}

static int ntb_hw_epf_link_enable(struct ntb_dev *ntb,
				  enum ntb_speed max_speed,
				  enum ntb_width max_width)
{
	struct ntb_hw_epf *ndev = ntb_hw_epf_of(ntb);
	int ret;

	/*
	 * The client wants the link even when the endpoint does not answer
	 * yet: an endpoint bound later is then set up and brought up.
	 */
	mutex_lock(&ndev->cmd_lock);
	WRITE_ONCE(ndev->link_enabled, true);
	ret = ntb_hw_epf_cmd_locked(ndev, NTB_EPF_CMD_LINK_UP, 0);
	mutex_unlock(&ndev->cmd_lock);

	return ret;
}

static int ntb_hw_epf_link_disable(struct ntb_dev *ntb)
{
	struct ntb_hw_epf *ndev = ntb_hw_epf_of(ntb);
	int ret;

	mutex_lock(&ndev->cmd_lock);
	WRITE_ONCE(ndev->link_enabled, false);
	ret = ntb_hw_epf_cmd_locked(ndev, NTB_EPF_CMD_LINK_DOWN, 0);
	/* It knows: the next client's link_enable() starts from down. */
	WRITE_ONCE(ndev->link_seen, false);
	mutex_unlock(&ndev->cmd_lock);

	return ret;
}

/* BAR of memory window @idx, which probe found to exist. */
static int ntb_hw_epf_mw_bar(struct ntb_hw_epf *ndev, int pidx, int idx)
{
	if (pidx != NTB_DEF_PEER_IDX || idx < 0 || idx >= ndev->mw_count) {
		dev_dbg(ndev->dev, "no memory window %d of peer %d\n", idx, pidx);
		return -EINVAL;
	}

	return ndev->map.bar[NTB_HW_EPF_MW1 + idx];
}

/*
 * The part of memory window @idx's BAR that is the window: the first one
 * may start at MW1_OFFSET, its BAR's beginning holding something else.
 */
static int ntb_hw_epf_mw_region(struct ntb_hw_epf *ndev, int pidx, int idx,
				phys_addr_t *base, resource_size_t *size)
{
	resource_size_t len;
	u32 off = 0;
	int bar;

	bar = ntb_hw_epf_mw_bar(ndev, pidx, idx);
	if (bar < 0)
		return bar;

	len = pci_resource_len(ndev->ntb.pdev, bar);
	if (!idx)
		off = readl(ndev->ctrl + NTB_EPF_MW1_OFFSET);
	if (off >= len) {
		atomic64_inc(&ndev->stats.refused_mw_offset);
		dev_err_ratelimited(ndev->dev,
				    "memory window 0 at %#x is outside its %#llx byte BAR\n",
				    off, (u64)len);
		return -EIO;
	}

	if (base)
		*base = pci_resource_start(ndev->ntb.pdev, bar) + off;
	if (size)
		*size = len - off;

	return 0;
}

static int ntb_hw_epf_mw_count(struct ntb_dev *ntb, int pidx)
{
	struct ntb_hw_epf *ndev = ntb_hw_epf_of(ntb);

	if (pidx != NTB_DEF_PEER_IDX)
		return -EINVAL;

	return ndev->mw_count;
}

static int ntb_hw_epf_mw_get_align(struct ntb_dev *ntb, int pidx, int idx,
				   resource_size_t *addr_align,
				   resource_size_t *size_align,
				   resource_size_t *size_max)
{
	struct ntb_hw_epf *ndev = ntb_hw_epf_of(ntb);
	resource_size_t size;
	int ret;

	ret = ntb_hw_epf_mw_region(ndev, pidx, idx, NULL, &size);
	if (ret)
		return ret;

	/* The endpoint maps the window onto host memory by pages. */
	if (addr_align)
		*addr_align = SZ_4K;
	if (size_align)
		*size_align = 1;
	if (size_max)
		*size_max = size;

	return 0;
}

/*
 * The client has let window @idx go, whatever the endpoint answered: a
 * rebound endpoint's set-up may go ahead (ntb_hw_epf_await_release()).
 * ntb_transport lets go with clear_trans, other clients with a zero size.
 */
static void ntb_hw_epf_mw_released(struct ntb_hw_epf *ndev, int idx)
{
	clear_bit(idx, &ndev->mw_live);
	wake_up(&ndev->cmd_wq);
}

static int ntb_hw_epf_mw_set_trans(struct ntb_dev *ntb, int pidx, int idx,
				   dma_addr_t addr, resource_size_t size)
{
	struct ntb_hw_epf *ndev = ntb_hw_epf_of(ntb);
	resource_size_t max;
	int ret;

	ret = ntb_hw_epf_mw_region(ndev, pidx, idx, NULL, &max);
	if (ret)
		return ret;

	if (size > max || !IS_ALIGNED(addr, SZ_4K)) {
		dev_err(ndev->dev,
			"memory window %d: %#llx bytes at %pad do not fit (%#llx max, 4K aligned)\n",
			idx, (u64)size, &addr, (u64)max);
		return -EINVAL;
	}

	ret = ntb_hw_epf_cmd_mw(ndev, idx, addr, size);
	if (!size)
		ntb_hw_epf_mw_released(ndev, idx);
	else if (!ret)
		set_bit(idx, &ndev->mw_live);

	return ret;
}

static int ntb_hw_epf_mw_clear_trans(struct ntb_dev *ntb, int pidx, int idx)
{
	struct ntb_hw_epf *ndev = ntb_hw_epf_of(ntb);
	int bar, ret;

	bar = ntb_hw_epf_mw_bar(ndev, pidx, idx);
	if (bar < 0)
		return bar;

	ret = ntb_hw_epf_cmd(ndev, NTB_EPF_CMD_TEARDOWN_MW, idx);
	ntb_hw_epf_mw_released(ndev, idx);

	return ret;
}

static int ntb_hw_epf_peer_mw_count(struct ntb_dev *ntb)
{
	return ntb_hw_epf_of(ntb)->mw_count;
}

static int ntb_hw_epf_peer_mw_get_addr(struct ntb_dev *ntb, int idx,
				       phys_addr_t *base, resource_size_t *size)
{
	return ntb_hw_epf_mw_region(ntb_hw_epf_of(ntb), NTB_DEF_PEER_IDX, idx,
				    base, size);
}

/*
 * Find scratchpad @idx, own or the peer's. Probe checked that the region
 * fits its BAR for the count it took; SPAD_OFFSET is read and checked
 * again here. It may not reach into the control region (a scratchpad
 * write would become a command) nor into the extension when there is one.
 */
static int ntb_hw_epf_spad(struct ntb_hw_epf *ndev, bool peer, int idx,
			   void __iomem **reg)
{
	/* The extension ends where its SIZE says: its groups are additive */
	u32 min = READ_ONCE(ndev->ext) ?
		  NTB_EPF_EXT_BASE + READ_ONCE(ndev->ext_size) :
		  NTB_EPF_EXT_BASE;
	u32 off;
	u64 pos;

	if (idx < 0 || idx >= ndev->spad_count) {
		dev_dbg(ndev->dev, "no scratchpad %d\n", idx);
		return -EINVAL;
	}

	if (peer && ndev->peer_spad) {
		*reg = ndev->peer_spad + idx * sizeof(u32);
		return 0;
	}

	off = readl(ndev->ctrl + NTB_EPF_SPAD_OFFSET);
	/* An endpoint that is gone: the link is down, nothing to say */
	if (off == NTB_HW_EPF_GONE32) {
		atomic64_inc(&ndev->stats.endpoint_gone);
		return -ENODEV;
	}
	pos = (u64)off + (u64)idx * sizeof(u32);
	if (peer)
		pos += (u64)ndev->spad_count * sizeof(u32);
	if (off < min || !IS_ALIGNED(off, sizeof(u32)) ||
	    !ntb_hw_epf_fits(ndev->ctrl_len, pos, sizeof(u32))) {
		atomic64_inc(&ndev->stats.refused_spad_offset);
		dev_err_ratelimited(ndev->dev,
				    "scratchpads at %#x: outside the %#llx byte control BAR\n",
				    off, (u64)ndev->ctrl_len);
		return -EIO;
	}

	*reg = ndev->ctrl + pos;

	return 0;
}

static int ntb_hw_epf_spad_count(struct ntb_dev *ntb)
{
	return ntb_hw_epf_of(ntb)->spad_count;
}

static u32 ntb_hw_epf_spad_read(struct ntb_dev *ntb, int idx)
{
	void __iomem *reg;

	if (ntb_hw_epf_spad(ntb_hw_epf_of(ntb), false, idx, &reg))
		return 0;

	return readl(reg);
}

static int ntb_hw_epf_spad_write(struct ntb_dev *ntb, int idx, u32 val)
{
	void __iomem *reg;
	int ret;

	ret = ntb_hw_epf_spad(ntb_hw_epf_of(ntb), false, idx, &reg);
	if (ret)
		return ret;

	writel(val, reg);

	return 0;
}

static u32 ntb_hw_epf_peer_spad_read(struct ntb_dev *ntb, int pidx, int idx)
{
	void __iomem *reg;

	if (pidx != NTB_DEF_PEER_IDX ||
	    ntb_hw_epf_spad(ntb_hw_epf_of(ntb), true, idx, &reg))
		return 0;

	return readl(reg);
}

static int ntb_hw_epf_peer_spad_write(struct ntb_dev *ntb, int pidx, int idx,
				      u32 val)
{
	void __iomem *reg;
	int ret;

	if (pidx != NTB_DEF_PEER_IDX)
		return -EINVAL;

	ret = ntb_hw_epf_spad(ntb_hw_epf_of(ntb), true, idx, &reg);
	if (ret)
		return ret;

	writel(val, reg);

	return 0;
}

static u64 ntb_hw_epf_db_valid_mask(struct ntb_dev *ntb)
{
	return ntb_hw_epf_of(ntb)->db_valid_mask;
}

/* One doorbell per vector: vector v carries doorbell bit v. */
static int ntb_hw_epf_db_vector_count(struct ntb_dev *ntb)
{
	return ntb_hw_epf_of(ntb)->db_count;
}

static u64 ntb_hw_epf_db_vector_mask(struct ntb_dev *ntb, int db_vector)
{
	struct ntb_hw_epf *ndev = ntb_hw_epf_of(ntb);

	if (db_vector < 0 || db_vector >= ndev->db_count)
		return 0;

	return BIT_ULL(db_vector);
}

static u64 ntb_hw_epf_db_read(struct ntb_dev *ntb)
{
	return atomic64_read(&ntb_hw_epf_of(ntb)->db_pending);
}

static int ntb_hw_epf_db_clear(struct ntb_dev *ntb, u64 db_bits)
{
	struct ntb_hw_epf *ndev = ntb_hw_epf_of(ntb);

	if (db_bits & ~ndev->db_valid_mask)
		return -EINVAL;

	atomic64_andnot(db_bits, &ndev->db_pending);

	return 0;
}

static u64 ntb_hw_epf_db_read_mask(struct ntb_dev *ntb)
{
	return atomic64_read(&ntb_hw_epf_of(ntb)->db_mask);
}

static int ntb_hw_epf_db_set_mask(struct ntb_dev *ntb, u64 db_bits)
{
	struct ntb_hw_epf *ndev = ntb_hw_epf_of(ntb);

	if (db_bits & ~ndev->db_valid_mask)
		return -EINVAL;

	atomic64_or(db_bits, &ndev->db_mask);

	return 0;
}

static int ntb_hw_epf_db_clear_mask(struct ntb_dev *ntb, u64 db_bits)
{
	struct ntb_hw_epf *ndev = ntb_hw_epf_of(ntb);

	if (db_bits & ~ndev->db_valid_mask)
		return -EINVAL;

	/*
	 * A doorbell that came while masked is delivered now, as a hardware
	 * NTB would interrupt on unmasking: from an irq_work, not from here,
	 * where the client may hold the locks its event handler takes.
	 * Pairs with the doorbell handler, which sets db_pending before it
	 * reads db_mask: both sides are fully ordered, so one of them sees
	 * the other and an event may come twice but is never lost.
	 */
	atomic64_fetch_andnot(db_bits, &ndev->db_mask);
	if (atomic64_read(&ndev->db_pending) & db_bits)
		irq_work_queue(&ndev->db_replay);

	return 0;
}

/* Ring doorbell @bit where the endpoint last said, checked then. */
static int ntb_hw_epf_ring_db(struct ntb_hw_epf *ndev, unsigned int bit)
{
	u64 db = atomic64_read(&ndev->db_ring[bit]);
	int ret;

	if (db == NTB_HW_EPF_DB_BAD)
		return -EIO;

	ret = ntb_hw_epf_ring(ndev, upper_32_bits(db), lower_32_bits(db));
	if (!ret)
		atomic64_inc(&ndev->stats.db_rings);
	return ret;
}

/*
 * Rings are posted writes: an endpoint that went away without a word
 * takes them silently, and a client whose peer stopped answering soon
 * stops ringing (ntb_transport, its ring full). So a look at the link
 * follows every ring, a while later and off the transmit path: while
 * one is pending, it will read LINK_STATUS after this ring too.
 */
static void ntb_hw_epf_ring_check(struct ntb_hw_epf *ndev)
{
	if (!delayed_work_pending(&ndev->ring_check))
		queue_delayed_work(system_wq, &ndev->ring_check,
				   msecs_to_jiffies(NTB_HW_EPF_RING_CHECK_MS));
}

static int ntb_hw_epf_peer_db_set(struct ntb_dev *ntb, u64 db_bits)
{
	struct ntb_hw_epf *ndev = ntb_hw_epf_of(ntb);
	int ret;

	if (!db_bits || db_bits & ~ndev->db_valid_mask)
		return -EINVAL;

	atomic64_inc(&ndev->stats.peer_db_set);
	trace_ntb_hw_epf_peer_db_set(ndev, db_bits);
	while (db_bits) {
		ret = ntb_hw_epf_ring_db(ndev, __ffs64(db_bits));
		if (ret) {
			/* Gone? Then the client hears of the link going down. */
			queue_work(system_wq, &ndev->event_work);
			return ret;
		}
		db_bits &= db_bits - 1;
	}
	ntb_hw_epf_ring_check(ndev);

	return 0;
}

const struct ntb_dev_ops ntb_hw_epf_ops = {
	.link_is_up		= ntb_hw_epf_link_is_up,
	.link_enable		= ntb_hw_epf_link_enable,
	.link_disable		= ntb_hw_epf_link_disable,
	.mw_count		= ntb_hw_epf_mw_count,
	.mw_get_align		= ntb_hw_epf_mw_get_align,
	.mw_set_trans		= ntb_hw_epf_mw_set_trans,
	.mw_clear_trans		= ntb_hw_epf_mw_clear_trans,
	.peer_mw_count		= ntb_hw_epf_peer_mw_count,
	.peer_mw_get_addr	= ntb_hw_epf_peer_mw_get_addr,
	.db_valid_mask		= ntb_hw_epf_db_valid_mask,
	.db_vector_count	= ntb_hw_epf_db_vector_count,
	.db_vector_mask		= ntb_hw_epf_db_vector_mask,
	.db_read		= ntb_hw_epf_db_read,
	.db_clear		= ntb_hw_epf_db_clear,
	.db_read_mask		= ntb_hw_epf_db_read_mask,
	.db_set_mask		= ntb_hw_epf_db_set_mask,
	.db_clear_mask		= ntb_hw_epf_db_clear_mask,
	.peer_db_set		= ntb_hw_epf_peer_db_set,
	.spad_count		= ntb_hw_epf_spad_count,
	.spad_read		= ntb_hw_epf_spad_read,
	.spad_write		= ntb_hw_epf_spad_write,
	.peer_spad_read		= ntb_hw_epf_peer_spad_read,
	.peer_spad_write	= ntb_hw_epf_peer_spad_write,
};
