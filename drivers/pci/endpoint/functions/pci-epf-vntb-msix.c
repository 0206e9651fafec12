// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual NTB endpoint function: the host's MSI-Xs raised directly
 *
 * As with MSI (-msi.c), peer_db_set() raises a doorbell's MSI-X with one
 * write of its own rather than through the work item. The host need not
 * publish anything: its MSI-X table is in the control BAR, the endpoint's
 * own memory, where the endpoint reads a vector's address, data and mask
 * as the controller does when it raises one. So it works for any host
 * driver, upstream's too; a controller that keeps the table elsewhere
 * offers no MSI-X here (vntb->msix), and nothing changes for it.
 *
 * cmd_work (CONFIGURE_DOORBELL, LINK_UP) maps one outbound window over
 * the addresses of the host's unmasked doorbell vectors, at most
 * EPF_VNTB_MSIX_WINDOW_MAX bytes (x86 gives each CPU its page of the
 * local APIC range): the lowest vectors first, a vector that would widen
 * it further stays outside. Each ring reads its entry again and writes
 * the data through the window when the vector is unmasked, its values
 * are ones an entry can hold and its address is in the window; any
 * other bit goes to the work item, which raises it through the
 * controller as before. A ring whose address has left the window (the
 * host moved the vector) has the work item map the window anew.
 *
 * The MSI-X enable bit is in the controller's configuration space, which
 * only calls that sleep read: it is checked when the window is mapped.
 * Afterwards the mask bits stand for it: Linux masks every vector before
 * it disables MSI-X, and masks a vector while it rewrites it; both host
 * drivers send TEARDOWN_DOORBELL before they free their vectors. The
 * function mask bit is not looked at, as DesignWare's raise does not.
 *
 * The window goes where the MSI one goes: TEARDOWN_DOORBELL, LINK_DOWN, a
 * PCIe link down, epc_deinit and unbind; the work item only ever moves a
 * window that is there. Writers take @msix_lock, a spinlock, so that no
 * write goes through a window being unmapped.
 */

#include <linux/bitops.h>
#include <linux/io.h>
#include <linux/minmax.h>
#include <linux/moduleparam.h>

#include "pci-epf-vntb.h"
#include "vntb_epf_trace.h"

static bool msix_direct = true;
module_param(msix_direct, bool, 0644);
MODULE_PARM_DESC(msix_direct,
		 "Raise the host's MSI-Xs with a write of our own when they allow (default: on; read when the window is mapped)");

/* The span of host addresses one window may cover */
#define EPF_VNTB_MSIX_WINDOW_MAX	SZ_64K

/* Vector Control: the mask bit; the others are reserved (no TPH here) */
#define EPF_VNTB_MSIX_CTRL_RESERVED	(~PCI_MSIX_ENTRY_CTRL_MASKBIT)

/* One entry of the host's table, as read */
struct epf_vntb_msix_entry {
	u64 addr;
	u32 data;
	u32 ctrl;
};

enum epf_vntb_msix_verdict {
	EPF_VNTB_MSIX_OK,
	EPF_VNTB_MSIX_MASKED,
	EPF_VNTB_MSIX_BAD,
};

/*
 * Reads entry @slot. The host masks an entry while it rewrites it: the
 * control word is read before and after the message, and either mask
 * makes the entry masked, so that a message caught halfway is not used.
 */
static void epf_vntb_msix_read(struct epf_vntb *vntb, unsigned int slot,
			       struct epf_vntb_msix_entry *e)
{
	unsigned int off = vntb->msix_offset + slot * PCI_MSIX_ENTRY_SIZE;

	e->ctrl = epf_vntb_read32(vntb, off + PCI_MSIX_ENTRY_VECTOR_CTRL);
	dma_rmb();
	e->addr = epf_vntb_read32(vntb, off + PCI_MSIX_ENTRY_UPPER_ADDR);
	e->addr = e->addr << 32 |
		  epf_vntb_read32(vntb, off + PCI_MSIX_ENTRY_LOWER_ADDR);
	e->data = epf_vntb_read32(vntb, off + PCI_MSIX_ENTRY_DATA);
	dma_rmb();
	e->ctrl |= epf_vntb_read32(vntb, off + PCI_MSIX_ENTRY_VECTOR_CTRL);
}

/*
 * An entry the host's driver could have written: reserved control bits
 * clear, a non-zero dword-aligned address. Any 32-bit data is valid.
 */
static enum epf_vntb_msix_verdict
epf_vntb_msix_check(const struct epf_vntb_msix_entry *e)
{
	if (e->ctrl & EPF_VNTB_MSIX_CTRL_RESERVED)
		return EPF_VNTB_MSIX_BAD;
	if (e->ctrl & PCI_MSIX_ENTRY_CTRL_MASKBIT)
		return EPF_VNTB_MSIX_MASKED;
	if (!e->addr || !IS_ALIGNED(e->addr, sizeof(u32)))
		return EPF_VNTB_MSIX_BAD;
	return EPF_VNTB_MSIX_OK;
}

/*
 * Whether a dword at @addr is in the window; the caller holds msix_lock
 * with @msix_win set, so @msix_map is not being changed
 */
static bool epf_vntb_msix_in_window(struct epf_vntb *vntb, u64 addr)
{
	const struct pci_epc_map *map = &vntb->msix_map;

	return addr >= map->pci_addr && map->pci_size >= sizeof(u32) &&
	       addr - map->pci_addr <= map->pci_size - sizeof(u32);
}

/* Takes the window away from the raising side; the caller holds lock */
static void epf_vntb_msix_unmap_locked(struct epf_vntb *vntb)
{
	struct pci_epf *epf = vntb->epf;
	unsigned long flags;

	lockdep_assert_held(&vntb->lock);

	if (!vntb->msix_mapped)
		return;
	spin_lock_irqsave(&vntb->msix_lock, flags);
	vntb->msix_win = NULL;
	spin_unlock_irqrestore(&vntb->msix_lock, flags);
	pci_epc_mem_unmap(epf->epc, epf->func_no, epf->vfunc_no,
			  &vntb->msix_map);
	vntb->msix_mapped = false;
	dev_dbg(&epf->dev, "host MSI-X window unmapped\n");
}

/*
 * The host addresses to cover, [*lo, *hi), from the unmasked doorbell
 * vectors below @count, lowest first, within EPF_VNTB_MSIX_WINDOW_MAX.
 * Returns how many vectors they hold; refused entries are counted.
 */
static unsigned int epf_vntb_msix_span(struct epf_vntb *vntb, u32 count,
				       u64 *lo, u64 *hi)
{
	struct epf_vntb_msix_entry e;
	unsigned int slot, n = 0;

	for (slot = NTB_EPF_SLOT_DB_FIRST; slot < count; slot++) {
		u64 new_lo, new_hi;

		epf_vntb_msix_read(vntb, slot, &e);
		switch (epf_vntb_msix_check(&e)) {
		case EPF_VNTB_MSIX_MASKED:
			continue;
		case EPF_VNTB_MSIX_BAD:
			atomic64_inc(&vntb->stats.msix_direct_refused);
			dev_err_ratelimited(epf_vntb_dev(vntb), "host MSI-X vector %u: address %#llx, control %#x: not an entry's values, raised through the controller\n",
					    slot, e.addr, e.ctrl);
			continue;
		case EPF_VNTB_MSIX_OK:
			break;
		}
		new_lo = n ? min(*lo, e.addr) : e.addr;
		new_hi = n ? max(*hi, e.addr + sizeof(u32)) :
			     e.addr + sizeof(u32);
		if (new_hi - new_lo > EPF_VNTB_MSIX_WINDOW_MAX)
			continue;
		*lo = new_lo;
		*hi = new_hi;
		n++;
	}
	return n;
}

/*
 * Maps or moves the window for the host's current table; the caller holds
 * lock. @moving: only move a window that is there (the work item), never
 * map one anew after it was taken away.
 */
static void epf_vntb_msix_map_locked(struct epf_vntb *vntb, bool moving)
{
	u32 limit = READ_ONCE(vntb->host_db_vectors);
	struct pci_epf *epf = vntb->epf;
	struct device *dev = &epf->dev;
	struct pci_epc_map *map = &vntb->msix_map;
	unsigned int vectors;
	unsigned long flags;
	u64 lo = 0, hi = 0;
	int table, ret;

	lockdep_assert_held(&vntb->lock);

	if (moving && !vntb->msix_mapped)
		return;
	if (!READ_ONCE(msix_direct) || !vntb->msix || !vntb->msix_live ||
	    !vntb->epc_ready ||
	    READ_ONCE(vntb->host_irq_type) != PCI_IRQ_MSIX) {
		epf_vntb_msix_unmap_locked(vntb);
		return;
	}
	table = pci_epc_get_msix(epf->epc, epf->func_no, epf->vfunc_no);
	if (table <= 0) {
		epf_vntb_msix_unmap_locked(vntb);
		return;
	}
	limit = min3(limit, (u32)table, vntb->db_count);

	vectors = epf_vntb_msix_span(vntb, limit, &lo, &hi);
	if (!vectors) {
		dev_dbg(dev, "no unmasked MSI-X doorbell vector: raising through the controller\n");
		epf_vntb_msix_unmap_locked(vntb);
		return;
	}

	if (!vntb->msix_mapped || lo < map->pci_addr ||
	    hi - map->pci_addr > map->pci_size) {
		epf_vntb_msix_unmap_locked(vntb);
		ret = pci_epc_mem_map(epf->epc, epf->func_no, epf->vfunc_no,
				      lo, hi - lo, map);
		if (!ret && map->pci_size < hi - lo) {
			pci_epc_mem_unmap(epf->epc, epf->func_no,
					  epf->vfunc_no, map);
			ret = -ERANGE;
		}
		if (ret) {
			atomic64_inc(&vntb->stats.msix_direct_refused);
			dev_info(dev, "no outbound window for the host's MSI-X addresses %#llx-%#llx (%d): raising through the controller\n",
				 lo, hi - 1, ret);
			return;
		}
		vntb->msix_mapped = true;
		dev_info(dev, "raising the host's MSI-Xs directly: %u vectors, addresses %#llx-%#llx\n",
			 vectors, lo, hi - 1);
	}

	spin_lock_irqsave(&vntb->msix_lock, flags);
	vntb->msix_count = limit;
	vntb->msix_win = map->virt_addr;
	spin_unlock_irqrestore(&vntb->msix_lock, flags);
}

/**
 * epf_vntb_msix_update() - map the window onto the host's MSI-X addresses
 * @vntb: the function
 *
 * When the host declared MSI-X doorbells and has MSI-X enabled, maps a
 * window over the addresses of its unmasked doorbell vectors, or moves
 * it when they left it; else takes it away.
 *
 * Context: cmd_work, after CONFIGURE_DOORBELL or LINK_UP.
 */
void epf_vntb_msix_update(struct epf_vntb *vntb)
{
	guard(mutex)(&vntb->lock);
	epf_vntb_msix_map_locked(vntb, false);
}

/**
 * epf_vntb_msix_remap() - move the window after the host moved a vector
 * @vntb: the function
 *
 * Does nothing when no window is mapped: it was taken away since.
 *
 * Context: the work item, which a ring found outside the window queued.
 */
void epf_vntb_msix_remap(struct epf_vntb *vntb)
{
	guard(mutex)(&vntb->lock);
	epf_vntb_msix_map_locked(vntb, true);
}

/**
 * epf_vntb_msix_stop() - no more direct MSI-Xs; unmap the window
 * @vntb: the function
 *
 * Context: process context, with the controller still ready when the
 * window is mapped (it never outlives epc_deinit).
 */
void epf_vntb_msix_stop(struct epf_vntb *vntb)
{
	guard(mutex)(&vntb->lock);
	epf_vntb_msix_unmap_locked(vntb);
}

/*
 * Raises @slot's MSI-X with one write if its entry allows; the caller
 * holds msix_lock with a window mapped. Returns whether it did.
 */
static bool epf_vntb_msix_raise_one(struct epf_vntb *vntb, unsigned int slot)
{
	struct epf_vntb_msix_entry e;

	if (slot >= vntb->msix_count)
		return false;
	epf_vntb_msix_read(vntb, slot, &e);
	switch (epf_vntb_msix_check(&e)) {
	case EPF_VNTB_MSIX_MASKED:
		return false;
	case EPF_VNTB_MSIX_BAD:
		atomic64_inc(&vntb->stats.msix_direct_refused);
		dev_err_ratelimited(epf_vntb_dev(vntb), "host MSI-X vector %u: address %#llx, control %#x: not an entry's values, raised through the controller\n",
				    slot, e.addr, e.ctrl);
		return false;
	case EPF_VNTB_MSIX_OK:
		break;
	}
	if (!epf_vntb_msix_in_window(vntb, e.addr)) {
		WRITE_ONCE(vntb->msix_remap, true);
		return false;
	}
	writel(e.data, vntb->msix_win + (e.addr - vntb->msix_map.pci_addr));
	trace_vntb_epf_msi(vntb, true, EPF_VNTB_IRQ_NUM(slot), 0);
	atomic64_inc(&vntb->stats.peer_db_direct);
	return true;
}

/**
 * epf_vntb_msix_raise() - raise doorbell bits' MSI-Xs directly, if mapped
 * @vntb: the function
 * @bits: valid doorbell bits
 *
 * Context: any; never sleeps.
 * Return: the bits not raised, for the caller to raise otherwise: all of
 * them when no window is mapped.
 */
u64 epf_vntb_msix_raise(struct epf_vntb *vntb, u64 bits)
{
	unsigned long flags, b = bits;
	unsigned int bit;
	u64 rest = 0;

	spin_lock_irqsave(&vntb->msix_lock, flags);
	if (!vntb->msix_win) {
		spin_unlock_irqrestore(&vntb->msix_lock, flags);
		return bits;
	}
	for_each_set_bit(bit, &b, BITS_PER_LONG) {
		if (!epf_vntb_msix_raise_one(vntb, NTB_EPF_DB_SLOT(bit)))
			rest |= BIT_ULL(bit);
	}
	spin_unlock_irqrestore(&vntb->msix_lock, flags);

	if (rest)
		atomic64_add(hweight64(rest),
			     &vntb->stats.msix_direct_fallback);
	return rest;
}

/**
 * epf_vntb_msix_init() - nothing mapped yet
 * @vntb: the function
 */
void epf_vntb_msix_init(struct epf_vntb *vntb)
{
	spin_lock_init(&vntb->msix_lock);
	vntb->msix_win = NULL;
	vntb->msix_mapped = false;
	vntb->msix_remap = false;
}
