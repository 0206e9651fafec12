// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual NTB endpoint function: the host's MSIs raised directly
 *
 * pci_epc_raise_irq() may sleep, so peer_db_set() normally leaves the
 * raise to a work item (pci-epf-vntb-irq.c), whose scheduling costs more
 * than the rest of the endpoint's answer. A host of ours that uses MSI
 * publishes its MSI message in the control region (NTB_EPF_CAP_MSI_DIRECT
 * in <linux/ntb_epf.h>): the endpoint maps that address once through an
 * outbound window and raises vector n with one write of data + n, in any
 * context, as the controller itself would.
 *
 * The message is written by the host, so it is checked like any value the
 * host writes; a refused one, a controller without an outbound window to
 * spare and a host that publishes nothing all keep the work item. (A host
 * on MSI-X needs to publish nothing: see -msix.c.)
 *
 * The mapping is made by cmd_work (CONFIGURE_DOORBELL, LINK_UP), under
 * vntb->lock with the controller ready; it goes at TEARDOWN_DOORBELL,
 * LINK_DOWN, a PCIe link down, epc_deinit and unbind. The raising side
 * sees it through @msi_reg under @msi_lock, a spinlock, so that no write
 * goes through a window that is being unmapped.
 */

#include <linux/log2.h>

#include "pci-epf-vntb.h"
#include "vntb_epf_trace.h"

/* The host's message as published, before any check */
struct epf_vntb_msi_msg {
	u64 addr;
	u32 data;
	u32 count;
};

static void epf_vntb_msi_read(struct epf_vntb *vntb,
			      struct epf_vntb_msi_msg *msg)
{
	msg->addr = (u64)epf_vntb_read32(vntb, NTB_EPF_MSI_ADDR_HI) << 32 |
		    epf_vntb_read32(vntb, NTB_EPF_MSI_ADDR_LO);
	msg->data = epf_vntb_read32(vntb, NTB_EPF_MSI_DATA);
	msg->count = epf_vntb_read32(vntb, NTB_EPF_MSI_COUNT);
}

/*
 * A message that the host's MSI capability could hold: a dword-aligned
 * address, 16-bit data whose low bits are free for the vector number, and
 * no more vectors than the host enabled (when the controller tells).
 */
static bool epf_vntb_msi_valid(struct epf_vntb *vntb,
			       const struct epf_vntb_msi_msg *msg)
{
	struct pci_epf *epf = vntb->epf;
	struct device *dev = &epf->dev;
	int enabled;

	if (!msg->addr || !IS_ALIGNED(msg->addr, sizeof(u32))) {
		dev_err(dev, "host MSI address %#llx is not a dword address: raising through the controller\n",
			msg->addr);
		return false;
	}
	if (!msg->count || msg->count > NTB_EPF_DB_SLOTS) {
		dev_err(dev, "host MSI count %u is not 1 to %u: raising through the controller\n",
			msg->count, NTB_EPF_DB_SLOTS);
		return false;
	}
	if (msg->data > U16_MAX ||
	    msg->data & (roundup_pow_of_two(msg->count) - 1)) {
		dev_err(dev, "host MSI data %#x cannot number %u vectors: raising through the controller\n",
			msg->data, msg->count);
		return false;
	}
	enabled = pci_epc_get_msi(epf->epc, epf->func_no, epf->vfunc_no);
	if (enabled > 0 && msg->count > enabled) {
		dev_err(dev, "host MSI count %u, but the host enabled %d: raising through the controller\n",
			msg->count, enabled);
		return false;
	}
	return true;
}

/* Takes the mapping away from the raising side; the caller holds lock */
static void epf_vntb_msi_unmap_locked(struct epf_vntb *vntb)
{
	struct pci_epf *epf = vntb->epf;
	unsigned long flags;

	lockdep_assert_held(&vntb->lock);

	if (!vntb->msi_mapped)
		return;
	spin_lock_irqsave(&vntb->msi_lock, flags);
	vntb->msi_reg = NULL;
	spin_unlock_irqrestore(&vntb->msi_lock, flags);
	pci_epc_mem_unmap(epf->epc, epf->func_no, epf->vfunc_no,
			  &vntb->msi_map);
	vntb->msi_mapped = false;
	dev_dbg(&epf->dev, "host MSI window unmapped\n");
}

/**
 * epf_vntb_msi_update() - map the host's MSI message if it published one
 * @vntb: the function
 *
 * Reads HOST_CAPS and the message; maps the address anew when it changed,
 * unmaps when the host no longer publishes one or it is refused. The
 * vectors raised directly are those the host published and configured
 * (CONFIGURE_DOORBELL), as for the work item.
 *
 * Context: cmd_work, after CONFIGURE_DOORBELL or LINK_UP.
 */
void epf_vntb_msi_update(struct epf_vntb *vntb)
{
	u32 caps = epf_vntb_read32(vntb, NTB_EPF_HOST_CAPS) &
		   epf_vntb_ctrl_ep_caps(vntb);
	u32 limit = READ_ONCE(vntb->host_db_vectors);
	struct pci_epf *epf = vntb->epf;
	struct device *dev = &epf->dev;
	struct epf_vntb_msi_msg msg;
	unsigned long flags;
	int ret;

	guard(mutex)(&vntb->lock);

	if (!(caps & NTB_EPF_CAP_MSI_DIRECT) || !vntb->epc_ready ||
	    READ_ONCE(vntb->host_irq_type) != PCI_IRQ_MSI) {
		epf_vntb_msi_unmap_locked(vntb);
		return;
	}
	epf_vntb_msi_read(vntb, &msg);
	if (!epf_vntb_msi_valid(vntb, &msg)) {
		atomic64_inc(&vntb->stats.msi_direct_refused);
		epf_vntb_msi_unmap_locked(vntb);
		return;
	}

	if (!vntb->msi_mapped || vntb->msi_map.pci_addr != msg.addr) {
		epf_vntb_msi_unmap_locked(vntb);
		ret = pci_epc_mem_map(epf->epc, epf->func_no, epf->vfunc_no,
				      msg.addr, sizeof(u32), &vntb->msi_map);
		if (!ret && vntb->msi_map.pci_size < sizeof(u32)) {
			pci_epc_mem_unmap(epf->epc, epf->func_no,
					  epf->vfunc_no, &vntb->msi_map);
			ret = -ERANGE;
		}
		if (ret) {
			atomic64_inc(&vntb->stats.msi_direct_refused);
			dev_info(dev, "no outbound window for the host's MSI address %#llx (%d): raising through the controller\n",
				 msg.addr, ret);
			return;
		}
		vntb->msi_mapped = true;
	}

	spin_lock_irqsave(&vntb->msi_lock, flags);
	vntb->msi_data = msg.data;
	vntb->msi_count = min(msg.count, limit);
	vntb->msi_reg = vntb->msi_map.virt_addr;
	spin_unlock_irqrestore(&vntb->msi_lock, flags);
	dev_info(dev, "raising the host's MSIs directly: %u vectors at %#llx\n",
		 min(msg.count, limit), msg.addr);
}

/**
 * epf_vntb_msi_stop() - no more direct MSIs; unmap the host's address
 * @vntb: the function
 *
 * Context: process context, with the controller still ready when the
 * address is mapped (the mapping never outlives epc_deinit).
 */
void epf_vntb_msi_stop(struct epf_vntb *vntb)
{
	guard(mutex)(&vntb->lock);
	epf_vntb_msi_unmap_locked(vntb);
}

/**
 * epf_vntb_msi_raise() - raise doorbell bits' MSIs directly, if mapped
 * @vntb: the function
 * @bits: valid doorbell bits
 *
 * Bits whose vector the host did not publish or configure are dropped and
 * counted, as the work item does.
 *
 * Context: any; never sleeps.
 * Return: false when nothing is mapped: the caller raises them otherwise.
 */
bool epf_vntb_msi_raise(struct epf_vntb *vntb, u64 bits)
{
	struct epf_vntb_stats *stats = &vntb->stats;
	unsigned long flags, b = bits;
	unsigned int bit;

	spin_lock_irqsave(&vntb->msi_lock, flags);
	if (!vntb->msi_reg) {
		spin_unlock_irqrestore(&vntb->msi_lock, flags);
		return false;
	}
	for_each_set_bit(bit, &b, BITS_PER_LONG) {
		unsigned int vector = NTB_EPF_DB_SLOT(bit);

		if (vector >= vntb->msi_count) {
			atomic64_inc(&stats->peer_db_dropped);
			continue;
		}
		writel(vntb->msi_data + vector, vntb->msi_reg);
		trace_vntb_epf_msi(vntb, false, EPF_VNTB_IRQ_NUM(vector), 0);
		atomic64_inc(&stats->peer_db_direct);
	}
	spin_unlock_irqrestore(&vntb->msi_lock, flags);
	return true;
}

/**
 * epf_vntb_msi_init() - nothing mapped yet
 * @vntb: the function
 */
void epf_vntb_msi_init(struct epf_vntb *vntb)
{
	spin_lock_init(&vntb->msi_lock);
	vntb->msi_reg = NULL;
	vntb->msi_mapped = false;
}
