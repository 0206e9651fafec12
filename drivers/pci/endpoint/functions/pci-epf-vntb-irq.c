// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual NTB endpoint function: interrupts to the host
 *
 * The endpoint signals the host with MSIs, numbered the legacy way (see
 * include/linux/ntb_epf.h): the link slot is MSI 1, doorbell bit n is
 * MSI n + 3.
 *
 * ntb_transport rings the peer's doorbell from atomic context, but
 * pci_epc_raise_irq() takes the controller's mutex. So peer_db_set()
 * only ORs its bits into an atomic word and queues peer_db_work, which
 * takes all accumulated bits at once and raises their MSIs: rings that
 * come while it runs are raised by its next run, none is lost.
 */

#include <linux/bitops.h>
#include <linux/minmax.h>

#include "pci-epf-vntb.h"
#include "vntb_epf_trace.h"

/* How many MSIs the host enabled, 0 when none; may sleep */
static unsigned int epf_vntb_host_msis(struct epf_vntb *vntb)
{
	struct pci_epf *epf = vntb->epf;
	int msis = pci_epc_get_msi(epf->epc, epf->func_no, epf->vfunc_no);

	return max(msis, 0);
}

static int epf_vntb_raise(struct epf_vntb *vntb, u16 msi)
{
	struct pci_epf *epf = vntb->epf;
	int ret;

	ret = pci_epc_raise_irq(epf->epc, epf->func_no, epf->vfunc_no,
				PCI_IRQ_MSI, msi);
	trace_vntb_epf_msi(vntb, msi, ret);
	return ret;
}

static void epf_vntb_peer_db_work(struct work_struct *work)
{
	struct epf_vntb *vntb = container_of(work, struct epf_vntb,
					     peer_db_work);
	unsigned long bits = atomic_long_xchg(&vntb->peer_db, 0);
	unsigned int limit, bit;
	int ret;

	/* The host configured fewer vectors than it enabled, or none */
	limit = min(epf_vntb_host_msis(vntb), READ_ONCE(vntb->host_db_vectors));

	for_each_set_bit(bit, &bits, BITS_PER_LONG) {
		u16 msi = EPF_VNTB_MSI(NTB_EPF_DB_SLOT(bit));

		if (msi > limit) {
			atomic64_inc(&vntb->stats.peer_db_dropped);
			dev_dbg_ratelimited(epf_vntb_dev(vntb), "doorbell %u: the host has %u vectors\n",
					    bit, limit);
			continue;
		}
		ret = epf_vntb_raise(vntb, msi);
		if (ret) {
			atomic64_inc(&vntb->stats.peer_db_failed);
			dev_err_ratelimited(epf_vntb_dev(vntb), "doorbell %u: MSI %u failed: %d\n",
					    bit, msi, ret);
			continue;
		}
		atomic64_inc(&vntb->stats.peer_db_msi);
	}
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
 * epf_vntb_irq_stop() - wait for the rings in flight
 * @vntb: the function, whose NTB device is gone: nothing rings again
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
	atomic_long_or(bits, &vntb->peer_db);
	queue_work(epf_vntb_wq, &vntb->peer_db_work);
	return 0;
}

/**
 * epf_vntb_raise_link() - raise the link slot, if the host enabled MSI
 * @vntb: the function
 *
 * Tells the host to look at LINK_STATUS and, for a host of ours, at a
 * command's status.
 *
 * Context: process context.
 * Return: whether the MSI was raised.
 */
bool epf_vntb_raise_link(struct epf_vntb *vntb)
{
	u16 msi = EPF_VNTB_MSI(NTB_EPF_SLOT_LINK);
	int ret;

	if (epf_vntb_host_msis(vntb) < msi)
		return false;
	ret = epf_vntb_raise(vntb, msi);
	if (ret) {
		dev_err_ratelimited(epf_vntb_dev(vntb), "link MSI failed: %d\n",
				    ret);
		return false;
	}
	atomic64_inc(&vntb->stats.link_msi);
	return true;
}
