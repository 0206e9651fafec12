// SPDX-License-Identifier: GPL-2.0
/*
 * Host driver for the PCI endpoint NTB functions: the command channel.
 *
 * The host writes ARGUMENT (and ADDR/SIZE for CONFIGURE_MW), then COMMAND;
 * the endpoint answers in CMD_STATUS, which the host clears afterwards.
 * An endpoint of the old kind polls COMMAND every few milliseconds, and
 * the host polls CMD_STATUS in turn. An endpoint with this project's
 * extension (<linux/ntb_epf.h>) that offers NTB_EPF_CAP_CMD_DB is told
 * about each command through its command doorbell and raises the link
 * vector once it has written the status, so that neither side polls.
 *
 * A command can time out and be answered later, while the host waits for
 * the next one. The host clears CMD_STATUS before each command, and with
 * an endpoint that offers NTB_EPF_CAP_CMD_SEQ it numbers its commands and
 * takes only the answer that carries its command's number: a late answer
 * is logged and waited past. An endpoint without it can still have its
 * late answer taken for the next command's.
 */

#include <linux/iopoll.h>
#include <linux/jiffies.h>
#include <linux/lockdep.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>
#include <linux/msi.h>
#include <linux/sizes.h>
#include <linux/string_choices.h>

#include "ntb_hw_epf.h"
#include "ntb_hw_epf_trace.h"

/* Is @pos an aligned 32-bit location in the first @len bytes of the BAR? */
static bool ntb_hw_epf_db_pos_ok(struct ntb_hw_epf *ndev, u64 pos, u64 len)
{
	if (IS_ALIGNED(pos, sizeof(u32)) &&
	    ntb_hw_epf_fits(len, pos, sizeof(u32)))
		return true;

	atomic64_inc(&ndev->stats.refused_doorbell);
	dev_err_ratelimited(ndev->dev,
			    "doorbell at %#llx is outside the %#llx byte doorbell BAR\n",
			    pos, (u64)ndev->db_len);
	return false;
}

/**
 * ntb_hw_epf_ring() - write a doorbell the endpoint described
 * @ndev: the device
 * @pos: offset in the doorbell BAR, computed from values the endpoint
 *	wrote, so not trusted
 * @data: the value to write there
 *
 * Context: any, it is one MMIO write.
 * Return: 0, or -EIO when @pos is not an aligned 32-bit location inside
 * the doorbell BAR.
 */
int ntb_hw_epf_ring(struct ntb_hw_epf *ndev, u64 pos, u32 data)
{
	if (!ntb_hw_epf_db_pos_ok(ndev, pos, ndev->db_len))
		return -EIO;

	writel(data, ndev->db + pos);
	trace_ntb_hw_epf_ring(ndev, pos, data);

	return 0;
}

/**
 * ntb_hw_epf_db_refresh() - read where and how to ring each doorbell
 * @ndev: the device
 *
 * Takes DB_ENTRY_SIZE, DB_OFFSET[slot] and DB_DATA[slot] of every
 * doorbell, checks each location against the doorbell BAR, and keeps
 * what the transmit path then rings with no read of its own. An
 * unmodified endpoint may change them at any time, but writes them when
 * it is bound or in answer to a command (upstream's pci-epf-ntb sets
 * them at CONFIGURE_DOORBELL): so they are read again after every
 * command and when the link comes up. A location past 4 GiB into the BAR
 * is refused too: an entry keeps it in 32 bits.
 *
 * Context: process, with @ndev->cmd_lock held.
 */
void ntb_hw_epf_db_refresh(struct ntb_hw_epf *ndev)
{
	u32 entry = readl(ndev->ctrl + NTB_EPF_DB_ENTRY_SIZE);
	u64 len = min_t(u64, ndev->db_len, SZ_4G);
	unsigned int bit, slot;
	u64 pos, db;

	lockdep_assert_held(&ndev->cmd_lock);

	for (bit = 0; bit < ndev->db_count; bit++) {
		slot = NTB_EPF_DB_SLOT(bit);
		pos = (u64)entry * slot +
		      readl(ndev->ctrl + NTB_EPF_DB_OFFSET(slot));
		db = NTB_HW_EPF_DB_BAD;
		if (ntb_hw_epf_db_pos_ok(ndev, pos, len))
			db = pos << 32 |
			     readl(ndev->ctrl + NTB_EPF_DB_DATA(slot));
		atomic64_set(&ndev->db_ring[bit], db);
	}
}

/**
 * ntb_hw_epf_ext_valid() - does the control region carry the extension?
 * @ndev: the device, its control region mapped
 *
 * Return: true when this project's extension is there, placed where it
 * cannot be scratchpad space.
 */
bool ntb_hw_epf_ext_valid(struct ntb_hw_epf *ndev)
{
	u32 spad_offset;
	u16 size;

	if (ndev->ctrl_len < NTB_EPF_EXT_CORE_END ||
	    readl(ndev->ctrl + NTB_EPF_EXT_MAGIC_REG) != NTB_EPF_EXT_MAGIC)
		return false;

	/*
	 * The magic alone might be a scratchpad value of an old endpoint that
	 * placed its scratchpads this low: the extension also has to end
	 * before the scratchpads begin.
	 */
	spad_offset = readl(ndev->ctrl + NTB_EPF_SPAD_OFFSET);
	size = readw(ndev->ctrl + NTB_EPF_EXT_SIZE);
	if (readw(ndev->ctrl + NTB_EPF_EXT_VERSION) < NTB_EPF_EXT_VERSION_1 ||
	    size < NTB_EPF_EXT_CORE_END - NTB_EPF_EXT_BASE ||
	    spad_offset < NTB_EPF_EXT_CORE_END ||
	    NTB_EPF_EXT_BASE + size > spad_offset) {
		atomic64_inc(&ndev->stats.refused_extension);
		dev_err_ratelimited(ndev->dev,
				    "bad extension: version %u size %#x scratchpads at %#x\n",
				    readw(ndev->ctrl + NTB_EPF_EXT_VERSION),
				    size, spad_offset);
		return false;
	}

	return true;
}

/**
 * ntb_hw_epf_fresh_endpoint() - is the endpoint new since our set-up?
 * @ndev: the device
 *
 * An endpoint with the extension that reads HOST_CAPS as zero was (re)bound
 * after the host set it up, or the host never did. Only meaningful while
 * the host has the link enabled, since the set-up it refers to is that of
 * the running link.
 *
 * Return: true when the set-up has to be run again.
 */
bool ntb_hw_epf_fresh_endpoint(struct ntb_hw_epf *ndev)
{
	return ntb_hw_epf_ext_valid(ndev) &&
	       !readl(ndev->ctrl + NTB_EPF_HOST_CAPS);
}

static int ntb_hw_epf_ring_cmd_db(struct ntb_hw_epf *ndev)
{
	u32 off = readl(ndev->ctrl + NTB_EPF_CMD_DB_OFFSET);

	return ntb_hw_epf_ring(ndev, off, readl(ndev->ctrl + NTB_EPF_CMD_DB_DATA));
}

/*
 * The next command's sequence number: neither 0, what a fresh endpoint
 * shows, nor all-ones, what an endpoint that is gone reads as.
 */
static u32 ntb_hw_epf_next_seq(struct ntb_hw_epf *ndev)
{
	do {
		ndev->seq++;
	} while (!ndev->seq || ndev->seq == NTB_HW_EPF_GONE32);

	return ndev->seq;
}

/*
 * The status of the command in flight, 0 while there is none. With
 * sequence numbers, a status that SEQ_DONE says belongs to an earlier
 * command is a late answer to one that timed out: counted and logged
 * once (@late), and not taken. An endpoint that is gone reads all-ones,
 * which is taken, so that the caller fails at once.
 */
static u16 ntb_hw_epf_cmd_status(struct ntb_hw_epf *ndev, u32 cmd, bool *late)
{
	u32 done;
	u16 status;

	if (!ndev->cmd_seq)
		return readw(ndev->ctrl + NTB_EPF_CMD_STATUS);

	/* The endpoint writes CMD_STATUS, then SEQ_DONE: read them back in turn */
	done = readl(ndev->ctrl + NTB_EPF_CMD_SEQ_DONE);
	status = readw(ndev->ctrl + NTB_EPF_CMD_STATUS);
	if (done == ndev->seq ||
	    (done == NTB_HW_EPF_GONE32 && status == NTB_HW_EPF_GONE16))
		return status;

	if (status && !*late) {
		*late = true;
		atomic64_inc(&ndev->stats.cmd_late_answers);
		dev_warn_ratelimited(ndev->dev,
				     "command %u: ignored a late answer (status %#x) to command #%u, waiting for #%u's\n",
				     cmd, status, done, ndev->seq);
	}
	return 0;
}

static int ntb_hw_epf_cmd_wait(struct ntb_hw_epf *ndev, u32 cmd, u16 *status)
{
	bool late = false;
	int ret;

	if (!ndev->cmd_db)
		return read_poll_timeout(ntb_hw_epf_cmd_status, *status,
					 *status, 50,
					 NTB_HW_EPF_CMD_TIMEOUT_MS * USEC_PER_MSEC,
					 false, ndev, cmd, &late);

	ret = wait_event_timeout(ndev->cmd_wq,
				 (*status = ntb_hw_epf_cmd_status(ndev, cmd,
								  &late)),
				 msecs_to_jiffies(NTB_HW_EPF_CMD_TIMEOUT_MS));

	return ret ? 0 : -ETIMEDOUT;
}

/* What the endpoint's answer means to the caller */
static int ntb_hw_epf_cmd_result(struct ntb_hw_epf *ndev, u32 cmd, u32 arg,
				 u16 status)
{
	switch (status) {
	case NTB_EPF_CMD_STATUS_OK:
		return 0;
	case NTB_EPF_CMD_STATUS_ERROR:
		atomic64_inc(&ndev->stats.cmd_refused);
		dev_dbg(ndev->dev, "command %u (%#x) refused\n", cmd, arg);
		return -EINVAL;
	default:
		atomic64_inc(&ndev->stats.refused_cmd_status);
		dev_err_ratelimited(ndev->dev,
				    "command %u (%#x): bad status %#x\n",
				    cmd, arg, status);
		return -EIO;
	}
}

/**
 * ntb_hw_epf_cmd_locked() - send one command and wait for its answer
 * @ndev: the device
 * @cmd: NTB_EPF_CMD_*
 * @arg: its argument
 *
 * Context: process, with @ndev->cmd_lock held.
 * Return: 0 when the endpoint answered OK, -EINVAL when it refused the
 * command, -ETIMEDOUT when it did not answer, -EIO on any other answer
 * (such as the all-ones of an endpoint that is gone) or when the command
 * doorbell it describes is not in the BAR.
 */
int ntb_hw_epf_cmd_locked(struct ntb_hw_epf *ndev, u32 cmd, u32 arg)
{
	u16 status = 0;
	int ret;

	lockdep_assert_held(&ndev->cmd_lock);

	atomic64_inc(&ndev->stats.cmds);
	trace_ntb_hw_epf_cmd_issue(ndev, cmd, arg, ndev->cmd_db);

	/* An answer that came after the last command timed out is no answer */
	writew(0, ndev->ctrl + NTB_EPF_CMD_STATUS);
	writel(arg, ndev->ctrl + NTB_EPF_ARGUMENT);
	if (ndev->cmd_seq)
		writel(ntb_hw_epf_next_seq(ndev), ndev->ctrl + NTB_EPF_CMD_SEQ);
	writel(cmd, ndev->ctrl + NTB_EPF_COMMAND);

	if (ndev->cmd_db) {
		ret = ntb_hw_epf_ring_cmd_db(ndev);
		if (ret)
			goto out;
	}

	ret = ntb_hw_epf_cmd_wait(ndev, cmd, &status);
	if (ret) {
		atomic64_inc(&ndev->stats.cmd_timeouts);
		if (ndev->cmd_seq)
			dev_err_ratelimited(ndev->dev,
					    "command %u (%#x) #%u: no answer\n",
					    cmd, arg, ndev->seq);
		else
			dev_err_ratelimited(ndev->dev,
					    "command %u (%#x): no answer\n",
					    cmd, arg);
		goto out;
	}

	atomic64_inc(ndev->cmd_db ? &ndev->stats.cmds_announced :
		     &ndev->stats.cmds_polled);
	writew(0, ndev->ctrl + NTB_EPF_CMD_STATUS);
	ret = ntb_hw_epf_cmd_result(ndev, cmd, arg, status);
out:
	/* Whatever the answer, the endpoint may have moved its doorbells. */
	ntb_hw_epf_db_refresh(ndev);
	trace_ntb_hw_epf_cmd_complete(ndev, cmd, status, ret);
	return ret;
}

/**
 * ntb_hw_epf_cmd() - send one command and wait for its answer
 * @ndev: the device
 * @cmd: NTB_EPF_CMD_*
 * @arg: its argument
 *
 * Context: process; takes @ndev->cmd_lock.
 * Return: as ntb_hw_epf_cmd_locked().
 */
int ntb_hw_epf_cmd(struct ntb_hw_epf *ndev, u32 cmd, u32 arg)
{
	int ret;

	mutex_lock(&ndev->cmd_lock);
	ret = ntb_hw_epf_cmd_locked(ndev, cmd, arg);
	mutex_unlock(&ndev->cmd_lock);

	return ret;
}

/**
 * ntb_hw_epf_cmd_mw() - have the endpoint map a memory window
 * @ndev: the device
 * @idx: the window, 0-based
 * @addr: host (DMA) address the window reaches
 * @size: its size
 *
 * Context: process; takes @ndev->cmd_lock.
 * Return: as ntb_hw_epf_cmd_locked().
 */
int ntb_hw_epf_cmd_mw(struct ntb_hw_epf *ndev, unsigned int idx, u64 addr,
		      u64 size)
{
	int ret;

	mutex_lock(&ndev->cmd_lock);
	writel(lower_32_bits(addr), ndev->ctrl + NTB_EPF_ADDR_LO);
	writel(upper_32_bits(addr), ndev->ctrl + NTB_EPF_ADDR_HI);
	writel(lower_32_bits(size), ndev->ctrl + NTB_EPF_SIZE_LO);
	writel(upper_32_bits(size), ndev->ctrl + NTB_EPF_SIZE_HI);
	ret = ntb_hw_epf_cmd_locked(ndev, NTB_EPF_CMD_CONFIGURE_MW, idx);
	mutex_unlock(&ndev->cmd_lock);

	return ret;
}

static bool msi_direct = true;
module_param(msi_direct, bool, 0644);
MODULE_PARM_DESC(msi_direct,
		 "Hand an endpoint that offers it the MSI message, so that it raises MSIs with one write of its own (default: on; read at each set-up)");

/*
 * NTB_EPF_CAP_MSI_DIRECT: hand the endpoint our MSI message, so that it
 * raises our vectors with a write of its own. Only for MSI: an MSI-X
 * vector has a message of its own in the endpoint's table. Returns the
 * capability bit when the message is written.
 */
static u32 ntb_hw_epf_publish_msi(struct ntb_hw_epf *ndev)
{
	struct pci_dev *pdev = ndev->ntb.pdev;
	struct msi_msg msg;
	int irq;

	if (!msi_direct || !pdev->msi_enabled ||
	    !(readl(ndev->ctrl + NTB_EPF_EP_CAPS) & NTB_EPF_CAP_MSI_DIRECT) ||
	    ndev->ext_end < NTB_EPF_MSI_END || ndev->ctrl_len < NTB_EPF_MSI_END)
		return 0;

	irq = pci_irq_vector(pdev, 0);
	if (irq < 0)
		return 0;
	/* The message of vector 0; vector n's data is its data plus n */
	get_cached_msi_msg(irq, &msg);
	writel(msg.address_lo, ndev->ctrl + NTB_EPF_MSI_ADDR_LO);
	writel(msg.address_hi, ndev->ctrl + NTB_EPF_MSI_ADDR_HI);
	writel(msg.data, ndev->ctrl + NTB_EPF_MSI_DATA);
	writel(ndev->nr_vectors, ndev->ctrl + NTB_EPF_MSI_COUNT);
	return NTB_EPF_CAP_MSI_DIRECT;
}

/* Agree with the endpoint on the capabilities both use. */
static void ntb_hw_epf_negotiate(struct ntb_hw_epf *ndev)
{
	u32 caps;

	ndev->cmd_db = false;
	ndev->cmd_seq = false;
	WRITE_ONCE(ndev->ext_end, NTB_EPF_EXT_BASE +
		   readw(ndev->ctrl + NTB_EPF_EXT_SIZE));
	WRITE_ONCE(ndev->ext, ntb_hw_epf_ext_valid(ndev));
	if (!ndev->ext)
		return;

	caps = readl(ndev->ctrl + NTB_EPF_EP_CAPS) &
	       (NTB_EPF_CAP_CMD_DB | NTB_EPF_CAP_CMD_SEQ);
	if (caps & NTB_EPF_CAP_CMD_DB) {
		u32 off = readl(ndev->ctrl + NTB_EPF_CMD_DB_OFFSET);

		if (!IS_ALIGNED(off, sizeof(u32)) ||
		    !ntb_hw_epf_fits(ndev->db_len, off, sizeof(u32))) {
			atomic64_inc(&ndev->stats.refused_doorbell);
			dev_err(ndev->dev,
				"command doorbell at %#x is outside the doorbell BAR: polling\n",
				off);
			caps &= ~NTB_EPF_CAP_CMD_DB;
		}
	}
	/* An extension too short for the fields is one without them */
	if (ndev->ext_end < NTB_EPF_CMD_SEQ_DONE + sizeof(u32) ||
	    ndev->ctrl_len < NTB_EPF_CMD_SEQ_DONE + sizeof(u32))
		caps &= ~NTB_EPF_CAP_CMD_SEQ;

	/* The map was taken at probe; a rebound endpoint keeps its BARs. */
	if (ndev->map.published)
		caps |= NTB_EPF_CAP_BAR_MAP;
	ndev->cmd_db = caps & NTB_EPF_CAP_CMD_DB;
	WRITE_ONCE(ndev->cmd_seq, caps & NTB_EPF_CAP_CMD_SEQ);
	caps |= ntb_hw_epf_publish_msi(ndev);
	writel(caps, ndev->ctrl + NTB_EPF_HOST_CAPS);
	dev_dbg(ndev->dev, "extension found, command doorbell %s, sequence numbers %s, MSI message %s\n",
		str_on_off(ndev->cmd_db), str_on_off(ndev->cmd_seq),
		caps & NTB_EPF_CAP_MSI_DIRECT ? "published" : "kept");
}

/**
 * ntb_hw_epf_setup() - set the endpoint up for this host
 * @ndev: the device, its interrupt vectors allocated and requested
 *
 * Agrees on the capabilities, then hands the endpoint the vectors to
 * raise. Run at probe and again when the endpoint was rebound.
 *
 * Context: process, with @ndev->cmd_lock held.
 * Return: 0 or as ntb_hw_epf_cmd_locked().
 */
int ntb_hw_epf_setup(struct ntb_hw_epf *ndev)
{
	u32 arg = ndev->nr_vectors;

	lockdep_assert_held(&ndev->cmd_lock);

	ntb_hw_epf_negotiate(ndev);

	if (ndev->ntb.pdev->msix_enabled)
		arg |= NTB_EPF_DB_ARG_MSIX;

	return ntb_hw_epf_cmd_locked(ndev, NTB_EPF_CMD_CONFIGURE_DOORBELL, arg);
}

/**
 * ntb_hw_epf_teardown() - take the link down and give the endpoint back
 * @ndev: the device
 *
 * Tells the endpoint the link and the doorbells are gone, then withdraws
 * the capabilities, ringing the command doorbell once more so that the
 * endpoint notices and returns to polling for the next host. Failures are
 * logged by the command helpers; the host goes away regardless.
 *
 * Context: process; takes @ndev->cmd_lock.
 */
void ntb_hw_epf_teardown(struct ntb_hw_epf *ndev)
{
	mutex_lock(&ndev->cmd_lock);
	WRITE_ONCE(ndev->link_enabled, false);
	ntb_hw_epf_cmd_locked(ndev, NTB_EPF_CMD_LINK_DOWN, 0);
	ntb_hw_epf_cmd_locked(ndev, NTB_EPF_CMD_TEARDOWN_DOORBELL,
			      ndev->nr_vectors);
	if (ndev->ext) {
		writel(0, ndev->ctrl + NTB_EPF_HOST_CAPS);
		if (ndev->cmd_db)
			ntb_hw_epf_ring_cmd_db(ndev);
		ndev->cmd_db = false;
		WRITE_ONCE(ndev->cmd_seq, false);
	}
	mutex_unlock(&ndev->cmd_lock);
}
