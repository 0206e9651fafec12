// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual NTB endpoint function: the host's commands
 *
 * The host writes ARGUMENT, then COMMAND, and waits for CMD_STATUS. One
 * work item, cmd_work, handles commands; it runs when something may have
 * arrived:
 *
 *                      kick with a command, or HOST_CAPS changed
 *                  +-------------------------------------------+
 *                  v                                           |
 *   epc_init -> [ POLL ] --- HOST_CAPS has CMD_DB ---> [ KICKED ]
 *                  ^  |                                        |
 *                  +--+ every 5 ms    <--- CMD_DB cleared -----+
 *
 * POLL: the host (such as Linux 6.12's ntb_hw_epf) never rings for a
 * command, so cmd_work re-arms itself every EPF_VNTB_POLL_MS, as upstream
 * does. A doorbell kick also looks for a command, so a busy link answers
 * commands at once even then.
 *
 * KICKED: the host rings the command doorbell after each command, so
 * cmd_work runs only on kicks: nothing periodic is left on an idle link.
 * After writing a command's status it raises the link slot, so that the
 * host need not poll CMD_STATUS either. The host clearing CMD_DB (and
 * ringing) brings POLL back.
 *
 * A kick may overtake the write of its command (they travel different
 * ways on some controllers) and find COMMAND still 0. Every kick looks
 * alike, so any kick that finds no command has cmd_work look again
 * EPF_VNTB_CMD_RECHECK_MS later, once for all the kicks of that while:
 * a lost command costs that long, not the host's timeout, and an idle
 * link, without kicks, still has nothing periodic.
 *
 * The endpoint echoes the host's NTB_EPF_CMD_SEQ into
 * NTB_EPF_CMD_SEQ_DONE after each status, so that a host can tell the
 * answer to its command from a late one.
 *
 * With polled doorbells (no doorbell interrupt at all) the state stays
 * POLL and cmd_work scans the doorbells too.
 *
 * cmd_work is the only writer of cmd_by_kick, host_db_vectors,
 * host_irq_type and the outbound window state (epf_vntb_cmd_start()
 * resets them while cmd_work is disabled; the doorbell work item may
 * move the direct MSI-X window, never make one). The one exception is a
 * PCIe link down, which resets the host's vectors (epf_vntb_cmd_host_gone())
 * while a command of the host that went away may still be handled; the
 * next host configures its own, and until it does the interrupts raised
 * follow what it enabled. The kick reads cmd_by_kick locklessly and at
 * worst queues one needless run.
 */

#include <linux/bitfield.h>
#include <linux/delay.h>
#include <linux/jiffies.h>

#include "pci-epf-vntb.h"
#include "vntb_epf_trace.h"

/* Reads what the host set, decides whether commands come by kick */
static void epf_vntb_cmd_update_mode(struct epf_vntb *vntb)
{
	u32 caps = epf_vntb_read32(vntb, NTB_EPF_HOST_CAPS) &
		   epf_vntb_ctrl_ep_caps(vntb);
	bool kick = caps & NTB_EPF_CAP_CMD_DB;
	struct device *dev = epf_vntb_dev(vntb);

	if (kick == vntb->cmd_by_kick)
		return;

	WRITE_ONCE(vntb->cmd_by_kick, kick);
	if (kick)
		dev_info(dev, "the host rings the command doorbell: command polling stopped\n");
	else
		dev_dbg(dev, "the host stopped ringing the command doorbell\n");
}

/*
 * MSI-X vectors: no more than the table has, and only if the host enabled
 * MSI-X, which pci_epc_get_msix() tells by giving the table's size.
 */
static bool epf_vntb_cmd_check_msix(struct epf_vntb *vntb, u32 vectors)
{
	struct pci_epf *epf = vntb->epf;
	struct device *dev = &epf->dev;
	unsigned int table;

	if (!vntb->msix) {
		dev_err(dev, "the host asks for MSI-X doorbells; only MSI is offered\n");
		return false;
	}
	table = pci_epc_get_msix(epf->epc, epf->func_no, epf->vfunc_no);
	if (!table) {
		dev_err(dev, "the host asks for MSI-X doorbells without MSI-X enabled\n");
		return false;
	}
	if (vectors > table) {
		dev_err(dev, "the host configures %u MSI-X vectors; the table has %u\n",
			vectors, table);
		return false;
	}
	return true;
}

static u16 epf_vntb_cmd_configure_db(struct epf_vntb *vntb, u32 arg)
{
	u32 vectors = FIELD_GET(NTB_EPF_DB_ARG_COUNT, arg);
	bool msix = arg & NTB_EPF_DB_ARG_MSIX;
	struct device *dev = epf_vntb_dev(vntb);

	if (!vectors) {
		dev_err(dev, "the host configures zero doorbell vectors\n");
		return NTB_EPF_CMD_STATUS_ERROR;
	}
	/*
	 * A host that finds the BARs by PCI ID would ring into a window and
	 * hand the client a doorbell BAR as a window: refuse it up front.
	 */
	if (!epf_vntb_bars_upstream(vntb) &&
	    !(epf_vntb_read32(vntb, NTB_EPF_HOST_CAPS) & NTB_EPF_CAP_BAR_MAP)) {
		dev_err(dev, "refusing a host driver that does not read the published BAR map: this controller's BAR layout is not the one it expects\n");
		return NTB_EPF_CMD_STATUS_ERROR;
	}
	if (msix && !epf_vntb_cmd_check_msix(vntb, vectors))
		return NTB_EPF_CMD_STATUS_ERROR;

	WRITE_ONCE(vntb->host_irq_type, msix ? PCI_IRQ_MSIX : PCI_IRQ_MSI);
	WRITE_ONCE(vntb->host_db_vectors, vectors);
	dev_dbg(dev, "the host has %u %s doorbell vectors\n", vectors,
		msix ? "MSI-X" : "MSI");
	/* A host of ours published its MSI message before this command */
	epf_vntb_msi_update(vntb);
	/* Any host on MSI-X programmed its table before this command */
	epf_vntb_msix_update(vntb);
	return NTB_EPF_CMD_STATUS_OK;
}

/* The host drops its vectors: nothing more to raise until it configures */
static u16 epf_vntb_cmd_teardown_db(struct epf_vntb *vntb)
{
	epf_vntb_msi_stop(vntb);
	epf_vntb_msix_stop(vntb);
	WRITE_ONCE(vntb->host_db_vectors, 0);
	WRITE_ONCE(vntb->host_irq_type, 0);
	return NTB_EPF_CMD_STATUS_OK;
}

static u16 epf_vntb_cmd_exec(struct epf_vntb *vntb, u32 cmd, u32 arg)
{
	switch (cmd) {
	case NTB_EPF_CMD_CONFIGURE_DOORBELL:
		return epf_vntb_cmd_configure_db(vntb, arg);
	case NTB_EPF_CMD_TEARDOWN_DOORBELL:
		return epf_vntb_cmd_teardown_db(vntb);
	case NTB_EPF_CMD_CONFIGURE_MW:
		return epf_vntb_mw_map_outbound(vntb, arg) ?
		       NTB_EPF_CMD_STATUS_ERROR : NTB_EPF_CMD_STATUS_OK;
	case NTB_EPF_CMD_TEARDOWN_MW:
		return epf_vntb_mw_unmap_outbound(vntb, arg) ?
		       NTB_EPF_CMD_STATUS_ERROR : NTB_EPF_CMD_STATUS_OK;
	case NTB_EPF_CMD_LINK_UP:
		epf_vntb_msi_update(vntb);
		epf_vntb_msix_update(vntb);
		epf_vntb_ctrl_set_link(vntb, true);
		return NTB_EPF_CMD_STATUS_OK;
	case NTB_EPF_CMD_LINK_DOWN:
		epf_vntb_ctrl_set_link(vntb, false);
		epf_vntb_msi_stop(vntb);
		epf_vntb_msix_stop(vntb);
		return NTB_EPF_CMD_STATUS_OK;
	default:
		dev_err_ratelimited(epf_vntb_dev(vntb), "unknown command %u from the host\n",
				    cmd);
		return NTB_EPF_CMD_STATUS_ERROR;
	}
}

/* Counts a handled command by its type */
static void epf_vntb_cmd_count(struct epf_vntb *vntb, u32 cmd, u16 status)
{
	struct epf_vntb_stats *stats = &vntb->stats;

	atomic64_inc(&stats->cmds[cmd < EPF_VNTB_CMD_TYPES ? cmd : 0]);
	if (status != NTB_EPF_CMD_STATUS_OK)
		atomic64_inc(&stats->cmd_errors);
}

/**
 * epf_vntb_cmd_handled() - commands handled since bind
 * @vntb: the function
 *
 * Return: their number, of every type.
 */
u64 epf_vntb_cmd_handled(struct epf_vntb *vntb)
{
	u64 sum = 0;
	unsigned int i;

	for (i = 0; i < EPF_VNTB_CMD_TYPES; i++)
		sum += atomic64_read(&vntb->stats.cmds[i]);
	return sum;
}

/* Handles the pending command, if any; returns it (0: none) */
static u32 epf_vntb_cmd_handle(struct epf_vntb *vntb)
{
	u32 cmd, arg, seq;
	u16 status;
	bool late;

	cmd = epf_vntb_read32(vntb, NTB_EPF_COMMAND);
	if (!cmd)
		return 0;
	/* The host wrote ARGUMENT and CMD_SEQ before COMMAND */
	dma_rmb();
	arg = epf_vntb_read32(vntb, NTB_EPF_ARGUMENT);
	seq = epf_vntb_read32(vntb, NTB_EPF_CMD_SEQ);
	epf_vntb_write32(vntb, NTB_EPF_COMMAND, 0);
	epf_vntb_write32(vntb, NTB_EPF_ARGUMENT, 0);

	status = epf_vntb_cmd_exec(vntb, cmd, arg);
	epf_vntb_cmd_count(vntb, cmd, status);
	trace_vntb_epf_cmd(vntb, cmd, arg, status);
	late = epf_vntb_hostile_cmd_late(vntb, cmd);

	/* The host reads what the command changed once it sees the status */
	dma_wmb();
	epf_vntb_write16(vntb, NTB_EPF_CMD_STATUS, status);
	/* ... and takes the status once SEQ_DONE is its command's */
	dma_wmb();
	epf_vntb_write32(vntb, NTB_EPF_CMD_SEQ_DONE, seq);

	if (vntb->cmd_by_kick)
		epf_vntb_raise_link(vntb);
	if (late)
		epf_vntb_hostile_cmd_hold(vntb);
	return cmd;
}

/* KICKED mode: a run that no kick with a command asked for is a re-check */
static void epf_vntb_cmd_recheck_done(struct epf_vntb *vntb, u32 cmd)
{
	atomic64_inc(&vntb->stats.cmd_rechecks);
	if (!cmd)
		return;
	atomic64_inc(&vntb->stats.cmd_recheck_found);
	dev_warn_ratelimited(epf_vntb_dev(vntb),
			     "command %u found by the re-check %u ms after its doorbell: the doorbell came before the command\n",
			     cmd, EPF_VNTB_CMD_RECHECK_MS);
}

static void epf_vntb_cmd_work(struct work_struct *work)
{
	struct epf_vntb *vntb = container_of(to_delayed_work(work),
					     struct epf_vntb, cmd_work);
	bool rung = false, kicked, recheck;
	u32 handled;

	/* A kick from now on is for the next run */
	kicked = xchg(&vntb->cmd_kicked, false);
	recheck = vntb->cmd_by_kick && !kicked;

	if (vntb->db_polled)
		rung = epf_vntb_db_poll(vntb);

	epf_vntb_cmd_update_mode(vntb);
	handled = epf_vntb_cmd_handle(vntb);

	if (vntb->cmd_by_kick) {
		if (recheck)
			epf_vntb_cmd_recheck_done(vntb, handled);
		return;
	}

	atomic64_inc(&vntb->stats.poll_passes);
	if (handled)
		atomic64_inc(&vntb->stats.poll_cmds);
	if (rung)
		atomic64_inc(&vntb->stats.poll_dbs);

	/*
	 * A host that sends a command without having set CMD_DB will never
	 * ring for one: say once that its commands are polled. (Polled
	 * doorbells were announced at bind.)
	 */
	if (handled && !vntb->db_polled && !vntb->poll_logged) {
		vntb->poll_logged = true;
		dev_info(epf_vntb_dev(vntb), "legacy host (no command doorbell): polling commands every %u ms\n",
			 EPF_VNTB_POLL_MS);
	}
	queue_delayed_work(epf_vntb_wq, &vntb->cmd_work,
			   msecs_to_jiffies(EPF_VNTB_POLL_MS));
}

/**
 * epf_vntb_cmd_kick() - a doorbell kick: look for a command
 * @vntb: the function
 *
 * Every doorbell is the same register, so any kick may be the command
 * doorbell. Runs cmd_work at once when there is a command or the host
 * changed HOST_CAPS; a host that writes a command and rings while
 * cmd_work runs gets it run again. In KICKED mode, a kick that finds
 * nothing has cmd_work look again EPF_VNTB_CMD_RECHECK_MS later.
 *
 * Context: any, called from the doorbell interrupt.
 * Return: whether it had cmd_work run.
 */
bool epf_vntb_cmd_kick(struct epf_vntb *vntb)
{
	bool kick = epf_vntb_read32(vntb, NTB_EPF_HOST_CAPS) &
		    NTB_EPF_CAP_CMD_DB;
	u32 cmd = epf_vntb_read32(vntb, NTB_EPF_COMMAND);

	if (cmd && epf_vntb_hostile_kick_early(vntb, cmd))
		cmd = 0;

	if (!cmd && kick == READ_ONCE(vntb->cmd_by_kick)) {
		/* A no-op while the re-check is pending: cheap on a busy link */
		if (kick)
			queue_delayed_work(epf_vntb_wq, &vntb->cmd_work,
					   msecs_to_jiffies(EPF_VNTB_CMD_RECHECK_MS));
		return false;
	}
	WRITE_ONCE(vntb->cmd_kicked, true);
	mod_delayed_work(epf_vntb_wq, &vntb->cmd_work, 0);
	return true;
}

/*
 * After telling the host that the link went down, how long unbind keeps
 * answering its teardown commands (upstream's host sends TEARDOWN_MW, and
 * touches the control BAR, when it learns of it): until the host has sent
 * some and then been quiet for a while, or for the longest wait.
 */
#define EPF_VNTB_DRAIN_MS	1000
#define EPF_VNTB_DRAIN_QUIET_MS	50

/**
 * epf_vntb_cmd_drain() - let the host tear down while the BARs answer
 * @vntb: the function, being unbound, with its command handler running
 *
 * A host that is told the link is down tears its side down, and that
 * goes through the control BAR; an unmodified host that finds the BARs
 * gone by then reads all-ones offsets and crashes. So unbind waits here
 * for the host's teardown before it clears the BARs.
 *
 * Context: process context; sleeps up to EPF_VNTB_DRAIN_MS.
 */
void epf_vntb_cmd_drain(struct epf_vntb *vntb)
{
	unsigned long end = jiffies + msecs_to_jiffies(EPF_VNTB_DRAIN_MS);
	u64 start = epf_vntb_cmd_handled(vntb);
	u64 seen = start;

	while (time_before(jiffies, end)) {
		u64 now;

		msleep(EPF_VNTB_DRAIN_QUIET_MS);
		now = epf_vntb_cmd_handled(vntb);
		if (now == seen && seen != start)
			break;
		seen = now;
	}
	dev_dbg(epf_vntb_dev(vntb), "the host sent %llu command(s) after link down\n",
		seen - start);
}

/**
 * epf_vntb_cmd_host_gone() - forget what the host configured
 * @vntb: the function, whose PCIe link went down
 *
 * The next host (a rebooted one, maybe with another driver or interrupt
 * type) has configured nothing yet: its interrupts follow what it enables
 * until its CONFIGURE_DOORBELL.
 */
void epf_vntb_cmd_host_gone(struct epf_vntb *vntb)
{
	WRITE_ONCE(vntb->host_irq_type, 0);
	WRITE_ONCE(vntb->host_db_vectors, U32_MAX);
}

/**
 * epf_vntb_cmd_init() - set up the command handler, disabled
 * @vntb: the function
 */
void epf_vntb_cmd_init(struct epf_vntb *vntb)
{
	INIT_DELAYED_WORK(&vntb->cmd_work, epf_vntb_cmd_work);
	disable_delayed_work(&vntb->cmd_work);
}

/**
 * epf_vntb_cmd_start() - handle commands: the controller is ready
 * @vntb: the function
 *
 * Starts in POLL: a host of ours sets HOST_CAPS again after each bind.
 *
 * Context: under epf->lock, as the enabled state is.
 */
void epf_vntb_cmd_start(struct epf_vntb *vntb)
{
	if (vntb->cmd_enabled)
		return;
	WRITE_ONCE(vntb->cmd_by_kick, false);
	WRITE_ONCE(vntb->cmd_kicked, false);
	vntb->poll_logged = false;
	vntb->host_db_vectors = U32_MAX;
	vntb->host_irq_type = 0;
	vntb->cmd_enabled = true;
	enable_delayed_work(&vntb->cmd_work);
	mod_delayed_work(epf_vntb_wq, &vntb->cmd_work, 0);
}

/**
 * epf_vntb_cmd_stop() - stop handling commands, wait for the handler
 * @vntb: the function
 *
 * Kicks that arrive afterwards queue nothing.
 *
 * Context: under epf->lock, as the enabled state is.
 */
void epf_vntb_cmd_stop(struct epf_vntb *vntb)
{
	if (!vntb->cmd_enabled)
		return;
	vntb->cmd_enabled = false;
	disable_delayed_work_sync(&vntb->cmd_work);
}
