// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual NTB endpoint function: interrupts to the host
 *
 * The endpoint signals the host with MSIs, or MSI-Xs when the controller
 * offers MSI-X and the host took it, numbered the legacy way either way
 * (see include/linux/ntb_epf.h): the link slot is interrupt 1, doorbell
 * bit n is interrupt n + 3 (1-based, as pci_epc_raise_irq() counts).
 *
 * The host's type is the one it declared with CONFIGURE_DOORBELL. Before
 * that, and after TEARDOWN_DOORBELL or a PCIe link down, it is the type
 * the host has enabled in the function's capabilities: so a host driver
 * that was using an earlier bind, or a rebooted host, still gets the link
 * slot.
 *
 * ntb_transport rings the peer's doorbell from atomic context, but
 * pci_epc_raise_irq() takes the controller's mutex. A host of ours that
 * uses MSI, and any host on MSI-X, has its interrupts raised with one
 * write instead (-msi.c, -msix.c); the bits that cannot be are ORed into
 * an atomic word, and peer_db_work takes all accumulated bits at once and
 * raises their interrupts: rings that come while it runs are raised by
 * its next run, none is lost.
 *
 * Every access to the controller here (reading what the host enabled,
 * raising) happens under vntb->lock with the controller ready, from
 * epc_init to epc_deinit: a controller whose clocks are off after PERST#
 * must not be touched. Rings while it is not are dropped and counted.
 */

#include <linux/bitops.h>
#include <linux/minmax.h>

#include "pci-epf-vntb.h"
#include "vntb_epf_trace.h"

/*
 * The host's interrupt type (see above) in @type, and how many of its
 * interrupts the controller can raise: the MSIs the host enabled, or the
 * size of the MSI-X table when the host enabled MSI-X; 0 when it enabled
 * none of the type. Reads the controller: the caller holds vntb->lock and
 * has checked epc_ready. May sleep.
 */
static unsigned int epf_vntb_host_irqs(struct epf_vntb *vntb,
				       unsigned int *type)
{
	unsigned int declared = READ_ONCE(vntb->host_irq_type);
	struct pci_epf *epf = vntb->epf;
	int n;

	lockdep_assert_held(&vntb->lock);

	if (vntb->msix && declared != PCI_IRQ_MSI) {
		n = pci_epc_get_msix(epf->epc, epf->func_no, epf->vfunc_no);
		if (n > 0 || declared == PCI_IRQ_MSIX) {
			*type = PCI_IRQ_MSIX;
			return max(n, 0);
		}
	}
	*type = PCI_IRQ_MSI;
	n = pci_epc_get_msi(epf->epc, epf->func_no, epf->vfunc_no);
	return max(n, 0);
}

/*
 * Raises interrupt @num of @type. The caller holds vntb->lock and has
 * checked epc_ready: the controller reads an MSI-X vector from the table
 * in the control BAR, which is gone once the BARs are cleared (epc_deinit,
 * unbind). Returns 0 or the controller's error.
 */
static int epf_vntb_raise(struct epf_vntb *vntb, unsigned int type, u16 num)
{
	struct pci_epf *epf = vntb->epf;
	int ret;

	lockdep_assert_held(&vntb->lock);

	ret = pci_epc_raise_irq(epf->epc, epf->func_no, epf->vfunc_no, type,
				num);
	trace_vntb_epf_msi(vntb, type == PCI_IRQ_MSIX, num, ret);
	return ret;
}

static const char *epf_vntb_irq_name(unsigned int type)
{
	return type == PCI_IRQ_MSIX ? "MSI-X" : "MSI";
}

/* Raises the interrupts of @bits through the controller */
static void epf_vntb_peer_db_raise(struct epf_vntb *vntb, unsigned long bits)
{
	struct epf_vntb_stats *stats = &vntb->stats;
	unsigned int limit, bit, type;
	int ret;

	guard(mutex)(&vntb->lock);

	if (!vntb->epc_ready) {
		atomic64_add(hweight_long(bits), &stats->peer_db_dropped);
		return;
	}

	/* The host configured fewer vectors than it enabled, or none */
	limit = min(epf_vntb_host_irqs(vntb, &type),
		    READ_ONCE(vntb->host_db_vectors));

	for_each_set_bit(bit, &bits, BITS_PER_LONG) {
		u16 num = EPF_VNTB_IRQ_NUM(NTB_EPF_DB_SLOT(bit));

		if (num > limit) {
			atomic64_inc(&stats->peer_db_dropped);
			dev_dbg_ratelimited(epf_vntb_dev(vntb), "doorbell %u: the host has %u %s vectors\n",
					    bit, limit, epf_vntb_irq_name(type));
			continue;
		}
		ret = epf_vntb_raise(vntb, type, num);
		if (ret) {
			atomic64_inc(&stats->peer_db_failed);
			dev_err_ratelimited(epf_vntb_dev(vntb), "doorbell %u: %s %u failed: %d\n",
					    bit, epf_vntb_irq_name(type), num,
					    ret);
			continue;
		}
		atomic64_inc(type == PCI_IRQ_MSIX ? &stats->peer_db_msix :
						    &stats->peer_db_msi);
	}
}

static void epf_vntb_peer_db_work(struct work_struct *work)
{
	struct epf_vntb *vntb = container_of(work, struct epf_vntb,
					     peer_db_work);

	epf_vntb_peer_db_raise(vntb, atomic_long_xchg(&vntb->peer_db, 0));
	/* A ring found its MSI-X vector moved out of the direct window */
	if (xchg(&vntb->msix_remap, false))
		epf_vntb_msix_remap(vntb);
}

/**
 * epf_vntb_irq_init() - set up the host interrupt state
 * @vntb: the function
 */
void epf_vntb_irq_init(struct epf_vntb *vntb)
{
	atomic_long_set(&vntb->peer_db, 0);
	INIT_WORK(&vntb->peer_db_work, epf_vntb_peer_db_work);
}

/**
 * epf_vntb_irq_configure() - offer the host its interrupt vectors
 * @vntb: the function, whose BARs are set
 *
 * One vector per interrupt slot: link, unused, then the doorbells. MSI
 * always; MSI-X too when the controller offers it, with the table and
 * PBA in the control BAR (set up by epf_vntb_ctrl_msix_init()).
 *
 * Context: epc_init.
 * Return: 0 or the controller's error.
 */
int epf_vntb_irq_configure(struct epf_vntb *vntb)
{
	struct pci_epf *epf = vntb->epf;
	int ret;

	ret = pci_epc_set_msi(epf->epc, epf->func_no, epf->vfunc_no,
			      vntb->db_count);
	if (ret) {
		dev_err(&epf->dev, "MSI configuration (%u vectors) failed: %d\n",
			vntb->db_count, ret);
		return ret;
	}

	if (!vntb->msix)
		return 0;

	ret = pci_epc_set_msix(epf->epc, epf->func_no, epf->vfunc_no,
			       vntb->db_count, vntb->ctrl_bar,
			       vntb->msix_offset);
	if (ret)
		dev_err(&epf->dev, "MSI-X configuration (%u vectors, table at BAR%d + %#x) failed: %d\n",
			vntb->db_count, vntb->ctrl_bar, vntb->msix_offset,
			ret);
	return ret;
}

/**
 * epf_vntb_irq_stop() - wait for the rings in flight, drop the pending ones
 * @vntb: the function, whose controller is no longer ready (epc_deinit)
 *	or whose NTB device is gone (unbind)
 *
 * Rings of the NTB clients that come afterwards run the work item again,
 * which drops them until epc_init: the host that they were meant for has
 * been reset.
 */
void epf_vntb_irq_stop(struct epf_vntb *vntb)
{
	cancel_work_sync(&vntb->peer_db_work);
	atomic_long_set(&vntb->peer_db, 0);
}

/**
 * epf_vntb_peer_db_set() - ring doorbell bits on the host
 * @vntb: the function
 * @bits: valid doorbell bits
 *
 * Context: any; never sleeps.
 * Return: 0.
 */
int epf_vntb_peer_db_set(struct epf_vntb *vntb, u64 bits)
{
	atomic64_inc(&vntb->stats.peer_db_set);
	trace_vntb_epf_peer_db_set(vntb, bits);
	if (epf_vntb_msi_raise(vntb, bits))
		return 0;
	bits = epf_vntb_msix_raise(vntb, bits);
	if (!bits)
		return 0;
	atomic_long_or(bits, &vntb->peer_db);
	queue_work(epf_vntb_wq, &vntb->peer_db_work);
	return 0;
}

/**
 * epf_vntb_raise_link() - raise the link slot, if the host enabled MSI(-X)
 * @vntb: the function
 *
 * Tells the host to look at LINK_STATUS and, for a host of ours, at a
 * command's status. Nothing is raised while the controller is not ready.
 *
 * Context: process context.
 * Return: whether the interrupt was raised.
 */
bool epf_vntb_raise_link(struct epf_vntb *vntb)
{
	u16 num = EPF_VNTB_IRQ_NUM(NTB_EPF_SLOT_LINK);
	unsigned int type;
	int ret;

	guard(mutex)(&vntb->lock);

	if (!vntb->epc_ready || epf_vntb_host_irqs(vntb, &type) < num)
		return false;
	ret = epf_vntb_raise(vntb, type, num);
	if (ret) {
		dev_err_ratelimited(epf_vntb_dev(vntb), "link %s failed: %d\n",
				    epf_vntb_irq_name(type), ret);
		return false;
	}
	atomic64_inc(type == PCI_IRQ_MSIX ? &vntb->stats.link_msix :
					    &vntb->stats.link_msi);
	return true;
}
