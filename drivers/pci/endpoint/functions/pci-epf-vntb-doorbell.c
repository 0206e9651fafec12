// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual NTB endpoint function: doorbells from the host
 *
 * Interrupt-driven: the function takes a doorbell per doorbell bit and
 * one for commands from the doorbell layer.
 *
 * MSI doorbells (a platform MSI controller such as the GIC ITS): each has
 * its own data and interrupt, all the same address. Slot n + 2 of the
 * control region carries doorbell bit n's data and the command doorbell
 * fields the command doorbell's, at the same offset with entry size 0,
 * so that an unmodified host, which writes DB_DATA(slot) at
 * DB_OFFSET(slot), rings exactly its bit: the interrupt says which bit
 * rang, and only that vector is delivered. The slots no bit owns carry
 * the command doorbell's data.
 *
 * The controller's embedded doorbell: every doorbell is the same register
 * raising the same interrupt, so all slots point at it, and a write to
 * any of them is a "kick" that says "something may have work", not which
 * doorbell rang. So a kick delivers every doorbell vector that is not
 * masked; ntb_transport looks at its rings and finds out. The command
 * doorbell is the same kick, so a kick also looks for a command.
 *
 * Where the host rings:
 * - the controller exposes the doorbell in a BAR of its own: that BAR, at
 *   the offset the doorbell layer gives;
 * - otherwise the function maps its doorbell BAR inbound onto the aligned
 *   block holding the doorbell's DMA address (an IOVA under an IOMMU).
 *
 * Polled (no doorbell to be had, or doorbell_mode "poll"): the doorbell
 * BAR is memory with one 32-bit entry per slot, upstream's layout, and
 * cmd_work scans it every EPF_VNTB_POLL_MS.
 *
 * Vectors: doorbell bit n (slot n + 2 on the wire) is vector n here,
 * 0-based, one bit per vector.
 *
 * Masks follow NTB hardware: a rung bit stays pending (ntb_db_read())
 * until cleared whatever the mask; a masked bit's event is held back and
 * delivered when the bit is unmasked.
 */

#include <linux/bitops.h>
#include <linux/err.h>
#include <linux/interrupt.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/sizes.h>
#include <linux/slab.h>

#include "pci-epf-vntb.h"
#include "vntb_epf_trace.h"

/* Smallest BAR mapped onto the doorbell: one page of the usual size */
#define EPF_VNTB_DB_BAR_SIZE	SZ_4K

/* ntb_db_event() for each vector in @vectors; no lock held */
static void epf_vntb_db_deliver(struct epf_vntb *vntb, u64 vectors)
{
	while (vectors) {
		unsigned int v = __ffs64(vectors);

		vectors &= vectors - 1;
		atomic64_inc(&vntb->stats.db_events[v]);
		trace_vntb_epf_db_event(vntb, v);
		ntb_db_event(&vntb->ntb, v);
	}
}

/*
 * Bits rung: pend them, deliver the unmasked ones, hold the others.
 * Returns the bits delivered.
 */
static u64 epf_vntb_db_ring(struct epf_vntb *vntb, u64 bits)
{
	unsigned long flags;
	u64 deliver;

	spin_lock_irqsave(&vntb->db_lock, flags);
	vntb->db_pending |= bits;
	deliver = bits & ~vntb->db_mask;
	vntb->db_missed |= bits & vntb->db_mask;
	spin_unlock_irqrestore(&vntb->db_lock, flags);

	epf_vntb_db_deliver(vntb, deliver);
	return deliver;
}

/*
 * The doorbell interrupt. Hard interrupt context is enough: reading two
 * words and ntb_db_event(), whose clients (ntb_transport) schedule their
 * work. The controller lowered the doorbell before this runs, so a ring
 * that this handler misses raises the interrupt again.
 */
static irqreturn_t epf_vntb_db_kick(int irq, void *data)
{
	struct epf_vntb *vntb = data;
	u64 delivered;
	bool cmd;

	atomic64_inc(&vntb->stats.kicks);
	delivered = epf_vntb_db_ring(vntb, vntb->db_valid);
	cmd = epf_vntb_cmd_kick(vntb);
	if (!delivered && !cmd)
		atomic64_inc(&vntb->stats.kicks_spurious);
	trace_vntb_epf_kick(vntb, delivered, vntb->db_valid & ~delivered, cmd);
	return IRQ_HANDLED;
}

/*
 * An MSI doorbell's interrupt: its own bit, or the command doorbell.
 * Context as epf_vntb_db_kick().
 */
static irqreturn_t epf_vntb_db_msi(int irq, void *data)
{
	struct epf_vntb_db_vec *vec = data;
	struct epf_vntb *vntb = vec->vntb;
	u64 delivered = 0;
	bool cmd = false;

	atomic64_inc(&vntb->stats.kicks);
	if (vec->bits) {
		delivered = epf_vntb_db_ring(vntb, vec->bits);
	} else {
		cmd = epf_vntb_cmd_kick(vntb);
		if (!cmd)
			atomic64_inc(&vntb->stats.kicks_spurious);
	}
	trace_vntb_epf_kick(vntb, delivered, vec->bits & ~delivered, cmd);
	return IRQ_HANDLED;
}

/**
 * epf_vntb_db_poll() - scan the polled doorbell entries
 * @vntb: the function, with polled doorbells
 *
 * Context: cmd_work.
 * Return: whether a doorbell was rung.
 */
bool epf_vntb_db_poll(struct epf_vntb *vntb)
{
	u64 bits = 0;
	unsigned int n;

	for (n = 0; n < vntb->n_db; n++) {
		__le32 *entry = &vntb->db_poll_mem[NTB_EPF_DB_SLOT(n)];

		if (!READ_ONCE(*entry))
			continue;
		WRITE_ONCE(*entry, 0);
		bits |= BIT_ULL(n);
	}
	if (bits)
		epf_vntb_db_ring(vntb, bits);
	return bits;
}

/* Delivers what db_clear_mask() unmasked, away from its caller's locks */
static void epf_vntb_db_replay_work(struct work_struct *work)
{
	struct epf_vntb *vntb = container_of(work, struct epf_vntb,
					     db_replay_work);
	u64 deliver;

	scoped_guard(spinlock_irqsave, &vntb->db_lock) {
		deliver = vntb->db_replay & ~vntb->db_mask;
		/* Masked again meanwhile: held back again */
		vntb->db_missed |= vntb->db_replay & vntb->db_mask;
		vntb->db_replay = 0;
	}
	epf_vntb_db_deliver(vntb, deliver);
}

/**
 * epf_vntb_db_init() - set up the doorbell state
 * @vntb: the function
 */
void epf_vntb_db_init(struct epf_vntb *vntb)
{
	spin_lock_init(&vntb->db_lock);
	INIT_WORK(&vntb->db_replay_work, epf_vntb_db_replay_work);
	vntb->db_epf_bar.barno = NO_BAR;
}

/* Whether the host reaches every MSI doorbell of @dbs at one address */
static bool epf_vntb_db_msi_one_target(const struct pci_ep_doorbells *dbs)
{
	const struct pci_ep_doorbell *first = &dbs->db[0];
	unsigned int i;

	for (i = 1; i < dbs->count; i++) {
		const struct pci_ep_doorbell *db = &dbs->db[i];

		if (db->bar != first->bar || db->offset != first->offset ||
		    db->dma_addr != first->dma_addr || db->size != first->size)
			return false;
	}
	return true;
}

/**
 * epf_vntb_db_slot_data() - the data a host writes to ring a slot
 * @vntb: the function, with its doorbells taken
 * @slot: a slot of the control region, 0 to NTB_EPF_DB_SLOTS - 1
 *
 * Return: upstream's polled datum, the embedded doorbell's datum, or the
 * MSI doorbell's of the slot's bit (the command doorbell's for a slot no
 * bit owns).
 */
u32 epf_vntb_db_slot_data(struct epf_vntb *vntb, unsigned int slot)
{
	if (vntb->db_polled)
		return slot + 1;
	if (!vntb->db_msi)
		return vntb->db_data;
	if (slot >= NTB_EPF_SLOT_DB_FIRST &&
	    slot - NTB_EPF_SLOT_DB_FIRST < vntb->n_db)
		return vntb->dbs->db[slot - NTB_EPF_SLOT_DB_FIRST].data;
	return epf_vntb_db_cmd_data(vntb);
}

/**
 * epf_vntb_db_cmd_data() - the data a host writes to ring the command
 *	doorbell
 * @vntb: the function, with an interrupt-driven doorbell
 *
 * Return: the datum.
 */
u32 epf_vntb_db_cmd_data(struct epf_vntb *vntb)
{
	if (vntb->db_msi)
		return vntb->dbs->db[vntb->n_db].data;
	return vntb->db_data;
}

/**
 * epf_vntb_db_backend() - where the doorbells come from, for the log
 * @vntb: the function, with its doorbells taken
 *
 * Return: "msi", "embedded" or "polling".
 */
const char *epf_vntb_db_backend(struct epf_vntb *vntb)
{
	if (vntb->db_polled)
		return "polling";
	return vntb->db_msi ? "msi" : "embedded";
}

/**
 * epf_vntb_db_alloc() - take the doorbell, or decide to poll
 * @vntb: the function
 * @fixed: set to the BAR that the controller exposes the doorbell in, or
 *	NO_BAR; the doorbell BAR must be that one
 *
 * Return: 0, -ERANGE for a doorbell offset the control region cannot
 * carry, or -EINVAL for MSI doorbells that one BAR cannot reach.
 */
int epf_vntb_db_alloc(struct epf_vntb *vntb, enum pci_barno *fixed)
{
	struct device *dev = epf_vntb_dev(vntb);
	struct pci_ep_doorbells *dbs;
	const struct pci_ep_doorbell *db;

	*fixed = NO_BAR;
	vntb->db_epf_bar.barno = NO_BAR;
	vntb->db_msi = false;
	vntb->db_pending = 0;
	vntb->db_mask = 0;
	vntb->db_missed = 0;
	vntb->db_replay = 0;

	if (vntb->cfg.db_poll) {
		vntb->db_polled = true;
		dev_info(dev, "doorbell_mode poll: polling doorbells and commands every %u ms\n",
			 EPF_VNTB_POLL_MS);
		return 0;
	}

	/* One per doorbell bit and the command doorbell, last */
	dbs = pci_ep_doorbell_alloc(vntb->epf, vntb->n_db + 1);
	if (IS_ERR(dbs)) {
		vntb->db_polled = true;
		dev_info(dev, "no doorbell interrupt (%pe): polling doorbells and commands every %u ms\n",
			 dbs, EPF_VNTB_POLL_MS);
		return 0;
	}

	db = &dbs->db[0];
	vntb->db_msi = dbs->backend == PCI_EP_DOORBELL_MSI;
	if (vntb->db_msi && !epf_vntb_db_msi_one_target(dbs)) {
		dev_err(dev, "MSI doorbells at different addresses: one BAR cannot reach them; set doorbell_mode poll\n");
		pci_ep_doorbell_free(dbs);
		return -EINVAL;
	}
	if (db->bar != NO_BAR && db->offset > U32_MAX) {
		dev_err(dev, "doorbell at offset %pa of BAR%d: beyond a 32-bit offset\n",
			&db->offset, db->bar);
		pci_ep_doorbell_free(dbs);
		return -ERANGE;
	}

	vntb->dbs = dbs;
	vntb->db_polled = false;
	vntb->db_data = db->data;
	if (db->bar != NO_BAR) {
		*fixed = db->bar;
		vntb->db_offset = db->offset;
	}
	return 0;
}

/*
 * The window of a doorbell BAR mapped onto the block that holds the
 * doorbell register: @size bytes from *@window. The block must lie within
 * what the doorbell layer mapped (db->size from db->dma_addr): a larger
 * one would give the host the addresses around it, other IOVAs under an
 * IOMMU, the registers and memory next to the doorbell without one. A
 * BAR of fixed size smaller than the controller's alignment (R-Car S4's
 * 256-byte BAR4) starts at the aligned block and must reach the register.
 * Return: 0, or -ENOSPC, -EINVAL when no window of that BAR can do.
 */
static int epf_vntb_db_window(struct epf_vntb *vntb, enum pci_barno barno,
			      dma_addr_t *window, size_t *size, bool quiet)
{
	const struct pci_epc_features *features = vntb->features;
	const struct pci_ep_doorbell *db = &vntb->dbs->db[0];
	struct device *dev = epf_vntb_dev(vntb);
	size_t align = max_t(size_t, EPF_VNTB_DB_BAR_SIZE, features->align);
	dma_addr_t addr = db->dma_addr + db->offset;

	if (!is_power_of_2(align)) {
		if (!quiet)
			dev_err(dev, "controller alignment %#zx is not a power of two\n",
				features->align);
		return -EINVAL;
	}
	*size = align;
	if (features->bar[barno].type == BAR_FIXED) {
		*size = features->bar[barno].fixed_size;
		align = max_t(size_t, align, *size);
	}

	*window = ALIGN_DOWN(addr, align);
	if (addr + sizeof(u32) > *window + *size) {
		if (!quiet)
			dev_err(dev, "BAR%d: fixed size %#zx does not reach the doorbell at %#llx of its block\n",
				barno, *size, (u64)(addr - *window));
		return -ENOSPC;
	}
	if (*window < db->dma_addr || *window - db->dma_addr + *size > db->size) {
		if (!quiet)
			dev_err(dev, "BAR%d: a %#zx-byte window on the doorbell would expose more than the %pa bytes mapped for it; set doorbell_mode poll\n",
				barno, *size, &db->size);
		return -EINVAL;
	}
	return 0;
}

/**
 * epf_vntb_db_bar_fits() - can this fixed-size BAR be the doorbell BAR?
 * @vntb: the function, its doorbell taken (epf_vntb_db_alloc())
 * @bar: a BAR of fixed size
 *
 * Return: true when it holds the polled doorbells, or can be mapped onto
 * the doorbell.
 */
bool epf_vntb_db_bar_fits(struct epf_vntb *vntb, enum pci_barno bar)
{
	dma_addr_t window;
	size_t size;

	if (vntb->db_polled)
		return vntb->features->bar[bar].fixed_size >=
		       NTB_EPF_DB_SLOTS * sizeof(u32);
	if (vntb->dbs->db[0].bar != NO_BAR)
		return false;
	return !epf_vntb_db_window(vntb, bar, &window, &size, true);
}

/* Map the doorbell BAR onto the block that holds the doorbell register */
static int epf_vntb_db_map_bar(struct epf_vntb *vntb)
{
	const struct pci_ep_doorbell *db = &vntb->dbs->db[0];
	struct pci_epf_bar *bar = &vntb->db_epf_bar;
	enum pci_barno barno = vntb->db_barno;
	dma_addr_t window;
	size_t size;
	int ret;

	ret = epf_vntb_db_window(vntb, barno, &window, &size, false);
	if (ret)
		return ret;

	bar->barno = barno;
	bar->phys_addr = window;
	bar->size = size;
	bar->flags = PCI_BASE_ADDRESS_SPACE_MEMORY;
	if (vntb->features->bar[barno].only_64bit)
		bar->flags |= PCI_BASE_ADDRESS_MEM_TYPE_64;
	vntb->db_offset = db->dma_addr + db->offset - window;
	return 0;
}

/**
 * epf_vntb_db_place() - give the doorbell BAR its content
 * @vntb: the function, with its doorbell BAR chosen
 *
 * Return: 0, -ENOMEM, or an error for a controller that cannot map the
 * doorbell, or only with a window larger than the doorbell's mapping
 * (-EINVAL).
 */
int epf_vntb_db_place(struct epf_vntb *vntb)
{
	struct pci_epf *epf = vntb->epf;

	if (!vntb->db_polled) {
		/* The controller's own BAR: nothing to program */
		if (vntb->dbs->db[0].bar != NO_BAR)
			return 0;
		return epf_vntb_db_map_bar(vntb);
	}

	/* One entry per slot, so that no slot a host rings is out of it */
	vntb->db_poll_mem = pci_epf_alloc_space(epf,
						NTB_EPF_DB_SLOTS * sizeof(u32),
						vntb->db_barno, vntb->features,
						PRIMARY_INTERFACE);
	if (!vntb->db_poll_mem) {
		dev_err(&epf->dev, "no memory for the polled doorbells\n");
		return -ENOMEM;
	}
	vntb->db_epf_bar = epf->bar[vntb->db_barno];
	return 0;
}

/**
 * epf_vntb_db_free() - undo epf_vntb_db_alloc() and epf_vntb_db_place()
 * @vntb: the function
 */
void epf_vntb_db_free(struct epf_vntb *vntb)
{
	if (vntb->db_poll_mem) {
		pci_epf_free_space(vntb->epf, vntb->db_poll_mem,
				   vntb->db_barno, PRIMARY_INTERFACE);
		vntb->db_poll_mem = NULL;
	}
	pci_ep_doorbell_free(vntb->dbs);
	vntb->dbs = NULL;
	vntb->db_msi = false;
	vntb->db_epf_bar.barno = NO_BAR;
}

/* Free the first @n MSI doorbell interrupts and their contexts */
static void epf_vntb_db_msi_free_irqs(struct epf_vntb *vntb, unsigned int n)
{
	while (n--)
		free_irq(vntb->dbs->db[n].irq, &vntb->db_vecs[n]);
	kfree(vntb->db_vecs);
	vntb->db_vecs = NULL;
	vntb->db_nirqs = 0;
}

/* One interrupt per MSI doorbell: bit n's raises vector n only */
static int epf_vntb_db_msi_request_irqs(struct epf_vntb *vntb)
{
	struct device *dev = epf_vntb_dev(vntb);
	const struct pci_ep_doorbell *db;
	unsigned int i;
	int ret;

	vntb->db_vecs = kcalloc(vntb->dbs->count, sizeof(*vntb->db_vecs),
				GFP_KERNEL);
	if (!vntb->db_vecs)
		return -ENOMEM;

	for (i = 0; i < vntb->dbs->count; i++) {
		db = &vntb->dbs->db[i];
		vntb->db_vecs[i].vntb = vntb;
		vntb->db_vecs[i].bits = i < vntb->n_db ? BIT_ULL(i) : 0;
		ret = request_irq(db->irq, epf_vntb_db_msi, db->irq_flags,
				  dev_name(dev), &vntb->db_vecs[i]);
		if (ret) {
			dev_err(dev, "MSI doorbell %u, IRQ %d: %d\n", i,
				db->irq, ret);
			epf_vntb_db_msi_free_irqs(vntb, i);
			return ret;
		}
	}
	vntb->db_nirqs = i;
	return 0;
}

/**
 * epf_vntb_db_request_irq() - take the doorbell interrupts
 * @vntb: the function, with its NTB device registered (the interrupts
 *	deliver events to it)
 *
 * Return: 0 (also when polled), -ENOMEM or request_irq()'s error.
 */
int epf_vntb_db_request_irq(struct epf_vntb *vntb)
{
	const struct pci_ep_doorbell *db;
	struct device *dev = epf_vntb_dev(vntb);
	int ret;

	if (vntb->db_polled)
		return 0;
	if (vntb->db_msi)
		return epf_vntb_db_msi_request_irqs(vntb);

	db = &vntb->dbs->db[0];
	ret = request_irq(db->irq, epf_vntb_db_kick, db->irq_flags,
			  dev_name(dev), vntb);
	if (ret) {
		dev_err(dev, "doorbell IRQ %d: %d\n", db->irq, ret);
		return ret;
	}
	vntb->db_irq = db->irq;
	return 0;
}

/**
 * epf_vntb_db_free_irq() - free the doorbell interrupts, if taken
 * @vntb: the function
 */
void epf_vntb_db_free_irq(struct epf_vntb *vntb)
{
	if (vntb->db_vecs)
		epf_vntb_db_msi_free_irqs(vntb, vntb->db_nirqs);
	if (!vntb->db_irq)
		return;
	free_irq(vntb->db_irq, vntb);
	vntb->db_irq = 0;
}

/**
 * epf_vntb_db_stop() - wait for a pending replay
 * @vntb: the function, whose NTB device is gone: nothing queues one again
 */
void epf_vntb_db_stop(struct epf_vntb *vntb)
{
	cancel_work_sync(&vntb->db_replay_work);
}

/**
 * epf_vntb_db_read() - doorbell bits rung and not cleared
 * @vntb: the function
 *
 * Return: the bits.
 */
u64 epf_vntb_db_read(struct epf_vntb *vntb)
{
	guard(spinlock_irqsave)(&vntb->db_lock);
	return vntb->db_pending;
}

/**
 * epf_vntb_db_clear() - clear rung doorbell bits
 * @vntb: the function
 * @bits: valid doorbell bits
 */
void epf_vntb_db_clear(struct epf_vntb *vntb, u64 bits)
{
	guard(spinlock_irqsave)(&vntb->db_lock);
	vntb->db_pending &= ~bits;
}

/**
 * epf_vntb_db_read_mask() - masked doorbell bits
 * @vntb: the function
 *
 * Return: the bits.
 */
u64 epf_vntb_db_read_mask(struct epf_vntb *vntb)
{
	guard(spinlock_irqsave)(&vntb->db_lock);
	return vntb->db_mask;
}

/**
 * epf_vntb_db_set_mask() - hold back the events of doorbell bits
 * @vntb: the function
 * @bits: valid doorbell bits
 */
void epf_vntb_db_set_mask(struct epf_vntb *vntb, u64 bits)
{
	guard(spinlock_irqsave)(&vntb->db_lock);
	vntb->db_mask |= bits;
}

/**
 * epf_vntb_db_clear_mask() - deliver the events of doorbell bits again
 * @vntb: the function
 * @bits: valid doorbell bits
 *
 * A bit that was rung while masked gets its event now, from the module's
 * workqueue: the caller may hold locks that ntb_db_event() takes.
 */
void epf_vntb_db_clear_mask(struct epf_vntb *vntb, u64 bits)
{
	bool replay;

	scoped_guard(spinlock_irqsave, &vntb->db_lock) {
		vntb->db_mask &= ~bits;
		vntb->db_replay |= vntb->db_missed & bits;
		vntb->db_missed &= ~bits;
		replay = vntb->db_replay;
	}
	if (replay)
		queue_work(epf_vntb_wq, &vntb->db_replay_work);
}
