// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual NTB endpoint function: the control region
 *
 * The control BAR, as the host sees it (offsets in include/linux/ntb_epf.h):
 *
 *   0x000 +------------------------------+
 *         | control, legacy layout       | command, status, link, layout
 *   0x134 +------------------------------+
 *         | extension                    | magic, caps, command doorbell
 *   0x14c +------------------------------+
 *         | other extension groups       |
 *   0x170 +------------------------------+
 *         | BAR map                      | BAR, offset, size of each role
 *   0x1f0 +------------------------------+
 *         | zero                         |
 *   0x200 +------------------------------+ SPAD_OFFSET
 *         | host's scratchpads           | endpoint's peer_spad_*()
 *         +------------------------------+ + 4 * SPAD_COUNT
 *         | endpoint's scratchpads       | endpoint's spad_*(), host's
 *         +------------------------------+   peer_spad_*()
 *         | zero                         |
 *         +------------------------------+ next 4 KiB (8 bytes if the BAR
 *         | MSI-X table                  |   is too small): MSI-X only,
 *         |                              |   one 16-byte entry per slot
 *         +------------------------------+
 *         | MSI-X PBA                    | one bit per slot, in u64s
 *         +------------------------------+
 *
 * The MSI-X table comes last so that nothing an unmodified host reads at
 * a fixed offset moves: the control region, and the scratchpads where
 * SPAD_OFFSET says. It is there only when the controller offers MSI-X
 * (and has the capability in its configuration space); the controller's
 * MSI-X capability points the host at it (epf_vntb_irq_configure()).
 *
 * The region is normal endpoint memory that the host reads and writes by
 * DMA through the BAR. The endpoint writes the layout fields once at bind
 * and LINK_STATUS on link changes; it never reads a layout field back: a
 * host (or the test knob) that overwrites one changes nothing here. The
 * MSI-X table is the host's to write; the controller reads it when it
 * raises an MSI-X.
 */

#include <linux/bug.h>
#include <linux/lockdep.h>
#include <linux/math.h>
#include <linux/pci-epf.h>
#include <linux/pci_regs.h>
#include <linux/string.h>

#include "pci-epf-vntb.h"

static_assert(NTB_EPF_EXT_END <= EPF_VNTB_SPAD_OFFSET);

/* The end of the scratchpads: two sets, the host's, then the endpoint's */
static size_t epf_vntb_spad_end(struct epf_vntb *vntb)
{
	return EPF_VNTB_SPAD_OFFSET + 2 * vntb->spad_count * sizeof(u32);
}

/* Bytes of the MSI-X table and of its PBA, which follows the table */
static size_t epf_vntb_msix_table_size(struct epf_vntb *vntb)
{
	return vntb->db_count * PCI_MSIX_ENTRY_SIZE;
}

static size_t epf_vntb_msix_pba_size(struct epf_vntb *vntb)
{
	return ALIGN(DIV_ROUND_UP(vntb->db_count, BITS_PER_BYTE), sizeof(u64));
}

static size_t epf_vntb_ctrl_size(struct epf_vntb *vntb)
{
	if (!vntb->msix)
		return epf_vntb_spad_end(vntb);
	return vntb->msix_offset + epf_vntb_msix_table_size(vntb) +
	       epf_vntb_msix_pba_size(vntb);
}

/**
 * epf_vntb_ctrl_min_size() - the fewest bytes a control BAR can have
 * @vntb: the function, with its counts and the controller's features
 *
 * Return: the control region, the scratchpads and, with MSI-X, the table
 * packed right after them: what a fixed-size BAR must hold.
 */
size_t epf_vntb_ctrl_min_size(struct epf_vntb *vntb)
{
	size_t end = epf_vntb_spad_end(vntb);

	if (!vntb->features->msix_capable)
		return end;
	return ALIGN(end, EPF_VNTB_MSIX_MIN_ALIGN) +
	       epf_vntb_msix_table_size(vntb) + epf_vntb_msix_pba_size(vntb);
}

/*
 * Where the MSI-X table goes, if the controller offers MSI-X: after the
 * scratchpads, on a page of its own unless the control BAR has a fixed
 * size too small for that.
 */
static void epf_vntb_ctrl_place_msix(struct epf_vntb *vntb)
{
	const struct pci_epc_bar_desc *bar;
	size_t end = epf_vntb_spad_end(vntb);
	size_t msix_size;

	vntb->msix = vntb->features->msix_capable;
	vntb->msix_offset = 0;
	if (!vntb->msix)
		return;

	bar = &vntb->features->bar[vntb->ctrl_bar];
	msix_size = epf_vntb_msix_table_size(vntb) +
		    epf_vntb_msix_pba_size(vntb);
	vntb->msix_offset = ALIGN(end, EPF_VNTB_MSIX_ALIGN);
	if (bar->type == BAR_FIXED && bar->fixed_size &&
	    vntb->msix_offset + msix_size > bar->fixed_size)
		vntb->msix_offset = ALIGN(end, EPF_VNTB_MSIX_MIN_ALIGN);
}

/**
 * epf_vntb_ctrl_alloc() - allocate the control region in the control BAR
 * @vntb: the function, with the controller's features and its BARs chosen
 *
 * The region is followed by the MSI-X table and PBA when the controller
 * offers MSI-X.
 *
 * Return: 0 or -ENOMEM.
 */
int epf_vntb_ctrl_alloc(struct epf_vntb *vntb)
{
	struct pci_epf *epf = vntb->epf;

	epf_vntb_ctrl_place_msix(vntb);
	vntb->ctrl = pci_epf_alloc_space(epf, epf_vntb_ctrl_size(vntb),
					 vntb->ctrl_bar, vntb->features,
					 PRIMARY_INTERFACE);
	if (!vntb->ctrl) {
		dev_err(&epf->dev, "no memory for the control region (%zu bytes)\n",
			epf_vntb_ctrl_size(vntb));
		return -ENOMEM;
	}
	if (vntb->msix)
		dev_dbg(&epf->dev, "MSI-X table at BAR%d + %#x, %u vectors\n",
			vntb->ctrl_bar, vntb->msix_offset, vntb->db_count);
	return 0;
}

/* Every entry zero and masked, as the PCI specification has them at reset */
static void epf_vntb_ctrl_msix_mask_all(struct epf_vntb *vntb)
{
	unsigned int i, entry;

	for (i = 0; i < vntb->db_count; i++) {
		entry = vntb->msix_offset + i * PCI_MSIX_ENTRY_SIZE;
		epf_vntb_write32(vntb, entry + PCI_MSIX_ENTRY_LOWER_ADDR, 0);
		epf_vntb_write32(vntb, entry + PCI_MSIX_ENTRY_UPPER_ADDR, 0);
		epf_vntb_write32(vntb, entry + PCI_MSIX_ENTRY_DATA, 0);
		epf_vntb_write32(vntb, entry + PCI_MSIX_ENTRY_VECTOR_CTRL,
				 PCI_MSIX_ENTRY_CTRL_MASKBIT);
	}
}

/**
 * epf_vntb_ctrl_msix_init() - set the MSI-X table up for a new bind
 * @vntb: the function, with MSI-X
 *
 * The table is the host's: it programmed it when it enabled MSI-X, and
 * the controller reads it to raise an MSI-X. A host that kept MSI-X
 * enabled while the function was unbound and bound again, on a
 * controller that kept the BAR addresses the host assigned, does not
 * program it again, so the table kept at unbind (epf_vntb_ctrl_free())
 * goes back in place. (A DesignWare core rewrites those BAR registers at
 * bind: there the host must enumerate the function again, and programs a
 * new table.) Without a kept table, every entry is zero and masked: a
 * controller that honours the mask bit (DesignWare's does) then refuses
 * to raise a vector that the host has not programmed, rather than write
 * to host address 0. Nothing is pending either way.
 *
 * Context: epc_init, before the BARs are set, so before the host or a
 * raise can reach the table.
 */
void epf_vntb_ctrl_msix_init(struct epf_vntb *vntb)
{
	size_t table = epf_vntb_msix_table_size(vntb);

	memset(vntb->ctrl + vntb->msix_offset + table, 0,
	       epf_vntb_msix_pba_size(vntb));

	if (vntb->msix_kept == vntb->db_count &&
	    vntb->msix_kept_offset == vntb->msix_offset)
		memcpy(vntb->ctrl + vntb->msix_offset, vntb->msix_table_kept,
		       table);
	else
		epf_vntb_ctrl_msix_mask_all(vntb);
	vntb->msix_kept = 0;
	vntb->msix_live = true;
}

/**
 * epf_vntb_ctrl_msix_host_gone() - forget the host's MSI-X table
 * @vntb: the function
 *
 * After a PCIe link down the host enumerates the function again and
 * programs a new table: the kept one is stale, and so are the entries of
 * the live one, masked until the host programs them again.
 *
 * Context: under epf->lock, as bind and unbind.
 */
void epf_vntb_ctrl_msix_host_gone(struct epf_vntb *vntb)
{
	vntb->msix_kept = 0;
	if (vntb->ctrl && vntb->msix_live)
		epf_vntb_ctrl_msix_mask_all(vntb);
}

/**
 * epf_vntb_ctrl_free() - free the control region
 * @vntb: the function
 *
 * With MSI-X, a table that the host had since epc_init is kept for the
 * next bind (see epf_vntb_ctrl_msix_init()); a bind that ended before
 * epc_init leaves none.
 */
void epf_vntb_ctrl_free(struct epf_vntb *vntb)
{
	vntb->msix_kept = 0;
	if (vntb->msix_live) {
		memcpy(vntb->msix_table_kept, vntb->ctrl + vntb->msix_offset,
		       epf_vntb_msix_table_size(vntb));
		vntb->msix_kept = vntb->db_count;
		vntb->msix_kept_offset = vntb->msix_offset;
	}
	vntb->msix_live = false;
	pci_epf_free_space(vntb->epf, vntb->ctrl, vntb->ctrl_bar,
			   PRIMARY_INTERFACE);
	vntb->ctrl = NULL;
}

/**
 * epf_vntb_ctrl_ep_caps() - what the endpoint offers in NTB_EPF_EP_CAPS
 * @vntb: the function
 *
 * Return: the capabilities. Command sequence numbers and the BAR map
 * always; neither interrupt-driven doorbells nor the command doorbell
 * when the doorbells are polled, since the command doorbell would then
 * be polled too.
 */
u32 epf_vntb_ctrl_ep_caps(struct epf_vntb *vntb)
{
	if (vntb->db_polled)
		return NTB_EPF_CAP_CMD_SEQ | NTB_EPF_CAP_BAR_MAP;
	return NTB_EPF_CAP_DB_IRQ | NTB_EPF_CAP_CMD_DB | NTB_EPF_CAP_CMD_SEQ |
	       NTB_EPF_CAP_MSI_DIRECT | NTB_EPF_CAP_BAR_MAP;
}

static void epf_vntb_ctrl_write_doorbells(struct epf_vntb *vntb)
{
	unsigned int slot;

	/*
	 * Interrupt layout: entry size 0, and every slot - even those the
	 * host should not ring - points at the doorbell, so that whatever
	 * slot a host rings lands on the doorbell; each slot's data says
	 * which MSI doorbell it rings. Polled layout, upstream's: entry size
	 * 4, slot i at 4 * i, data i + 1.
	 */
	epf_vntb_write32(vntb, NTB_EPF_DB_ENTRY_SIZE,
			 vntb->db_polled ? sizeof(u32) : 0);
	for (slot = 0; slot < NTB_EPF_DB_SLOTS; slot++) {
		epf_vntb_write32(vntb, NTB_EPF_DB_DATA(slot),
				 epf_vntb_db_slot_data(vntb, slot));
		epf_vntb_write32(vntb, NTB_EPF_DB_OFFSET(slot),
				 vntb->db_polled ? 0 : vntb->db_offset);
	}
}

static void epf_vntb_ctrl_write_role(struct epf_vntb *vntb, unsigned int role,
				     enum pci_barno bar, u32 offset, u64 size)
{
	unsigned int entry = NTB_EPF_BAR_MAP(role);

	/* The BAR byte shares its word with three reserved zero bytes */
	epf_vntb_write32(vntb, entry + NTB_EPF_BAR_MAP_BAR,
			 bar == NO_BAR ? NTB_EPF_BAR_MAP_NONE : bar);
	epf_vntb_write32(vntb, entry + NTB_EPF_BAR_MAP_OFFSET, offset);
	epf_vntb_write32(vntb, entry + NTB_EPF_BAR_MAP_SIZE_LO,
			 lower_32_bits(size));
	epf_vntb_write32(vntb, entry + NTB_EPF_BAR_MAP_SIZE_HI,
			 upper_32_bits(size));
}

/*
 * The BAR map: the doorbell role is the BAR the function programs for
 * it, or, in the controller's own BAR, what reaches the doorbell.
 */
static void epf_vntb_ctrl_write_bar_map(struct epf_vntb *vntb)
{
	u64 db_size = vntb->db_epf_bar.barno == NO_BAR ?
		      (u64)vntb->db_offset + sizeof(u32) : vntb->db_epf_bar.size;
	unsigned int i;

	epf_vntb_ctrl_write_role(vntb, NTB_EPF_ROLE_CTRL, vntb->ctrl_bar, 0,
				 EPF_VNTB_SPAD_OFFSET);
	epf_vntb_ctrl_write_role(vntb, NTB_EPF_ROLE_SPAD, vntb->ctrl_bar,
				 EPF_VNTB_SPAD_OFFSET,
				 2 * vntb->spad_count * sizeof(u32));
	epf_vntb_ctrl_write_role(vntb, NTB_EPF_ROLE_DB, vntb->db_barno, 0,
				 db_size);
	for (i = 0; i < EPF_VNTB_MAX_MWS; i++) {
		bool mw = i < vntb->num_mws;

		epf_vntb_ctrl_write_role(vntb, NTB_EPF_ROLE_MW1 + i,
					 mw ? vntb->mw[i].bar : NO_BAR, 0,
					 mw ? vntb->mw[i].size : 0);
	}
	epf_vntb_write32(vntb, NTB_EPF_BAR_MAP_COUNT,
			 NTB_EPF_ROLE_MW1 + vntb->num_mws);
}

static void epf_vntb_ctrl_write_ext(struct epf_vntb *vntb)
{
	bool cmd_db = epf_vntb_ctrl_ep_caps(vntb) & NTB_EPF_CAP_CMD_DB;

	epf_vntb_write16(vntb, NTB_EPF_EXT_VERSION, NTB_EPF_EXT_VERSION_1);
	epf_vntb_write16(vntb, NTB_EPF_EXT_SIZE,
			 NTB_EPF_EXT_END - NTB_EPF_EXT_BASE);
	epf_vntb_write32(vntb, NTB_EPF_EP_CAPS, epf_vntb_ctrl_ep_caps(vntb));
	epf_vntb_write32(vntb, NTB_EPF_CMD_DB_OFFSET,
			 cmd_db ? vntb->db_offset : 0);
	epf_vntb_write32(vntb, NTB_EPF_CMD_DB_DATA,
			 cmd_db ? epf_vntb_db_cmd_data(vntb) : 0);
	epf_vntb_ctrl_write_bar_map(vntb);
	/* A host that reads the magic may trust the fields above */
	dma_wmb();
	epf_vntb_write32(vntb, NTB_EPF_EXT_MAGIC_REG, NTB_EPF_EXT_MAGIC);
}

/**
 * epf_vntb_ctrl_publish() - write every field the endpoint owns
 * @vntb: the function, with its BARs, doorbells and windows chosen
 *
 * Leaves alone what the host writes: COMMAND, ARGUMENT, the window
 * address and size, HOST_CAPS, and CMD_STATUS, which the host clears.
 * The test knob, when set, then corrupts its field again.
 */
void epf_vntb_ctrl_publish(struct epf_vntb *vntb)
{
	guard(mutex)(&vntb->ctrl_lock);

	epf_vntb_write32(vntb, NTB_EPF_TOPOLOGY, 0);
	epf_vntb_write32(vntb, NTB_EPF_MW_COUNT, vntb->num_mws);
	epf_vntb_write32(vntb, NTB_EPF_MW1_OFFSET, 0);
	epf_vntb_write32(vntb, NTB_EPF_SPAD_OFFSET, EPF_VNTB_SPAD_OFFSET);
	epf_vntb_write32(vntb, NTB_EPF_SPAD_COUNT, vntb->spad_count);
	epf_vntb_ctrl_write_doorbells(vntb);
	epf_vntb_write16(vntb, NTB_EPF_LINK_STATUS,
			 vntb->link_up ? NTB_EPF_LINK_UP : 0);
	epf_vntb_ctrl_write_ext(vntb);
	epf_vntb_hostile_apply(vntb);
}

/* LINK_STATUS and @link_up; the caller holds ctrl_lock */
static void epf_vntb_ctrl_write_link(struct epf_vntb *vntb, bool up)
{
	lockdep_assert_held(&vntb->ctrl_lock);
	WRITE_ONCE(vntb->link_up, up);
	epf_vntb_write16(vntb, NTB_EPF_LINK_STATUS, up ? NTB_EPF_LINK_UP : 0);
	epf_vntb_hostile_apply(vntb);
}

/**
 * epf_vntb_ctrl_link_status() - update LINK_STATUS for the host only
 * @vntb: the function
 * @up: the new state
 *
 * Context: process context.
 */
void epf_vntb_ctrl_link_status(struct epf_vntb *vntb, bool up)
{
	guard(mutex)(&vntb->ctrl_lock);
	epf_vntb_ctrl_write_link(vntb, up);
}

/**
 * epf_vntb_ctrl_set_link() - the NTB link goes up or down
 * @vntb: the function, with its NTB device registered
 * @up: the new state
 *
 * Updates LINK_STATUS and tells the endpoint's NTB clients, but a link
 * down only once: a host sends LINK_DOWN more than once as it goes (its
 * client's ntb_link_disable(), then its own teardown), and a PCIe link
 * down may come on top, while ntb_transport cleans up at every link-down
 * event. ctrl_lock orders the host's commands and the controller's link
 * events, so that the clients' last event is the link's state.
 *
 * Context: process context.
 */
void epf_vntb_ctrl_set_link(struct epf_vntb *vntb, bool up)
{
	guard(mutex)(&vntb->ctrl_lock);
	epf_vntb_ctrl_write_link(vntb, up);
	if (!up && !vntb->clients_link_up)
		return;
	vntb->clients_link_up = up;
	dev_dbg(epf_vntb_dev(vntb), "NTB link %s\n", up ? "up" : "down");
	ntb_link_event(&vntb->ntb);
}

/* Offset of a scratchpad: the host's set first, then the endpoint's */
static int epf_vntb_spad_offset(struct epf_vntb *vntb, bool peer, int idx)
{
	if (idx < 0 || idx >= vntb->spad_count) {
		dev_err_ratelimited(epf_vntb_dev(vntb), "no scratchpad %d (%u per side)\n",
				    idx, vntb->spad_count);
		return -EINVAL;
	}
	return EPF_VNTB_SPAD_OFFSET +
	       (peer ? 0 : vntb->spad_count * sizeof(u32)) +
	       idx * sizeof(u32);
}

/**
 * epf_vntb_spad_read() - read a scratchpad
 * @vntb: the function
 * @peer: the host's scratchpad, else the endpoint's
 * @idx: its index
 *
 * Return: its value, 0 for a bad index.
 */
u32 epf_vntb_spad_read(struct epf_vntb *vntb, bool peer, int idx)
{
	int off = epf_vntb_spad_offset(vntb, peer, idx);

	return off < 0 ? 0 : epf_vntb_read32(vntb, off);
}

/**
 * epf_vntb_spad_write() - write a scratchpad
 * @vntb: the function
 * @peer: the host's scratchpad, else the endpoint's
 * @idx: its index
 * @val: the value
 *
 * Return: 0 or -EINVAL for a bad index.
 */
int epf_vntb_spad_write(struct epf_vntb *vntb, bool peer, int idx, u32 val)
{
	int off = epf_vntb_spad_offset(vntb, peer, idx);

	if (off < 0)
		return off;
	epf_vntb_write32(vntb, off, val);
	return 0;
}
