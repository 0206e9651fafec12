// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual NTB endpoint function: the endpoint's NTB device
 *
 * One peer, the host. Doorbells: db_count - 2 bits, one vector each,
 * vector n for bit n (see pci-epf-vntb-doorbell.c). The link is the
 * host's to bring up and down: link_enable() and link_disable() have
 * nothing to do on this side.
 */

#include <linux/dma-mapping.h>
#include <linux/string.h>

#include "pci-epf-vntb.h"

static struct epf_vntb *epf_vntb_from_ntb(struct ntb_dev *ntb)
{
	return container_of(ntb, struct epf_vntb, ntb);
}

static bool epf_vntb_bad_peer(struct epf_vntb *vntb, int pidx)
{
	if (pidx == NTB_DEF_PEER_IDX)
		return false;
	dev_err_ratelimited(epf_vntb_dev(vntb), "no peer %d\n", pidx);
	return true;
}

static bool epf_vntb_bad_db(struct epf_vntb *vntb, u64 bits)
{
	if (!(bits & ~vntb->db_valid))
		return false;
	dev_err_ratelimited(epf_vntb_dev(vntb), "doorbell bits %#llx beyond %#llx\n",
			    bits, vntb->db_valid);
	return true;
}

static int epf_vntb_ntb_mw_count(struct ntb_dev *ntb, int pidx)
{
	return epf_vntb_from_ntb(ntb)->num_mws;
}

static int epf_vntb_ntb_mw_get_align(struct ntb_dev *ntb, int pidx, int idx,
				     resource_size_t *addr_align,
				     resource_size_t *size_align,
				     resource_size_t *size_max)
{
	struct epf_vntb *vntb = epf_vntb_from_ntb(ntb);
	resource_size_t size;

	if (epf_vntb_bad_peer(vntb, pidx))
		return -EINVAL;
	if (idx < 0 || idx >= vntb->num_mws)
		return -EINVAL;

	/* A BAR maps all of itself: the buffer is the BAR's size */
	size = vntb->mw[idx].size;
	if (addr_align)
		*addr_align = max_t(resource_size_t, vntb->features->align,
				    SZ_4K);
	if (size_align)
		*size_align = size;
	if (size_max)
		*size_max = size;
	return 0;
}

static int epf_vntb_ntb_mw_set_trans(struct ntb_dev *ntb, int pidx, int idx,
				     dma_addr_t addr, resource_size_t size)
{
	struct epf_vntb *vntb = epf_vntb_from_ntb(ntb);

	if (epf_vntb_bad_peer(vntb, pidx))
		return -EINVAL;
	return epf_vntb_mw_set_trans(vntb, idx, addr, size);
}

static int epf_vntb_ntb_mw_clear_trans(struct ntb_dev *ntb, int pidx, int idx)
{
	struct epf_vntb *vntb = epf_vntb_from_ntb(ntb);

	if (epf_vntb_bad_peer(vntb, pidx))
		return -EINVAL;
	return epf_vntb_mw_clear_trans(vntb, idx);
}

static int epf_vntb_ntb_peer_mw_count(struct ntb_dev *ntb)
{
	return epf_vntb_from_ntb(ntb)->num_mws;
}

static int epf_vntb_ntb_peer_mw_get_addr(struct ntb_dev *ntb, int idx,
					 phys_addr_t *base,
					 resource_size_t *size)
{
	struct epf_vntb *vntb = epf_vntb_from_ntb(ntb);

	if (idx < 0 || idx >= vntb->num_mws)
		return -EINVAL;
	if (base)
		*base = vntb->mw[idx].ob_phys;
	if (size)
		*size = vntb->mw[idx].size;
	return 0;
}

static u64 epf_vntb_ntb_link_is_up(struct ntb_dev *ntb,
				   enum ntb_speed *speed,
				   enum ntb_width *width)
{
	if (speed)
		*speed = NTB_SPEED_NONE;
	if (width)
		*width = NTB_WIDTH_NONE;
	return READ_ONCE(epf_vntb_from_ntb(ntb)->link_up);
}

static int epf_vntb_ntb_link_enable(struct ntb_dev *ntb,
				    enum ntb_speed max_speed,
				    enum ntb_width max_width)
{
	return 0;
}

static int epf_vntb_ntb_link_disable(struct ntb_dev *ntb)
{
	return 0;
}

static u64 epf_vntb_ntb_db_valid_mask(struct ntb_dev *ntb)
{
	return epf_vntb_from_ntb(ntb)->db_valid;
}

static int epf_vntb_ntb_db_vector_count(struct ntb_dev *ntb)
{
	return epf_vntb_from_ntb(ntb)->n_db;
}

static u64 epf_vntb_ntb_db_vector_mask(struct ntb_dev *ntb, int db_vector)
{
	struct epf_vntb *vntb = epf_vntb_from_ntb(ntb);

	if (db_vector < 0 || db_vector >= vntb->n_db)
		return 0;
	return BIT_ULL(db_vector);
}

static u64 epf_vntb_ntb_db_read(struct ntb_dev *ntb)
{
	return epf_vntb_db_read(epf_vntb_from_ntb(ntb));
}

static int epf_vntb_ntb_db_clear(struct ntb_dev *ntb, u64 db_bits)
{
	struct epf_vntb *vntb = epf_vntb_from_ntb(ntb);

	if (epf_vntb_bad_db(vntb, db_bits))
		return -EINVAL;
	epf_vntb_db_clear(vntb, db_bits);
	return 0;
}

static u64 epf_vntb_ntb_db_read_mask(struct ntb_dev *ntb)
{
	return epf_vntb_db_read_mask(epf_vntb_from_ntb(ntb));
}

static int epf_vntb_ntb_db_set_mask(struct ntb_dev *ntb, u64 db_bits)
{
	struct epf_vntb *vntb = epf_vntb_from_ntb(ntb);

	if (epf_vntb_bad_db(vntb, db_bits))
		return -EINVAL;
	epf_vntb_db_set_mask(vntb, db_bits);
	return 0;
}

static int epf_vntb_ntb_db_clear_mask(struct ntb_dev *ntb, u64 db_bits)
{
	struct epf_vntb *vntb = epf_vntb_from_ntb(ntb);

	if (epf_vntb_bad_db(vntb, db_bits))
		return -EINVAL;
	epf_vntb_db_clear_mask(vntb, db_bits);
	return 0;
}

static int epf_vntb_ntb_peer_db_set(struct ntb_dev *ntb, u64 db_bits)
{
	struct epf_vntb *vntb = epf_vntb_from_ntb(ntb);

	if (epf_vntb_bad_db(vntb, db_bits))
		return -EINVAL;
	return epf_vntb_peer_db_set(vntb, db_bits);
}

static int epf_vntb_ntb_spad_count(struct ntb_dev *ntb)
{
	return epf_vntb_from_ntb(ntb)->spad_count;
}

static u32 epf_vntb_ntb_spad_read(struct ntb_dev *ntb, int sidx)
{
	return epf_vntb_spad_read(epf_vntb_from_ntb(ntb), false, sidx);
}

static int epf_vntb_ntb_spad_write(struct ntb_dev *ntb, int sidx, u32 val)
{
	return epf_vntb_spad_write(epf_vntb_from_ntb(ntb), false, sidx, val);
}

static u32 epf_vntb_ntb_peer_spad_read(struct ntb_dev *ntb, int pidx,
				       int sidx)
{
	struct epf_vntb *vntb = epf_vntb_from_ntb(ntb);

	if (epf_vntb_bad_peer(vntb, pidx))
		return 0;
	return epf_vntb_spad_read(vntb, true, sidx);
}

static int epf_vntb_ntb_peer_spad_write(struct ntb_dev *ntb, int pidx,
					int sidx, u32 val)
{
	struct epf_vntb *vntb = epf_vntb_from_ntb(ntb);

	if (epf_vntb_bad_peer(vntb, pidx))
		return -EINVAL;
	return epf_vntb_spad_write(vntb, true, sidx, val);
}

/*
 * The controller writes the inbound windows' buffers, through its IOMMU
 * if it has one: buffers for them are allocated and mapped for it.
 */
static struct device *epf_vntb_ntb_get_dma_dev(struct ntb_dev *ntb)
{
	return epf_vntb_from_ntb(ntb)->epf->epc->dev.parent;
}

static const struct ntb_dev_ops epf_vntb_ntb_ops = {
	.mw_count		= epf_vntb_ntb_mw_count,
	.mw_get_align		= epf_vntb_ntb_mw_get_align,
	.mw_set_trans		= epf_vntb_ntb_mw_set_trans,
	.mw_clear_trans		= epf_vntb_ntb_mw_clear_trans,
	.peer_mw_count		= epf_vntb_ntb_peer_mw_count,
	.peer_mw_get_addr	= epf_vntb_ntb_peer_mw_get_addr,
	.link_is_up		= epf_vntb_ntb_link_is_up,
	.link_enable		= epf_vntb_ntb_link_enable,
	.link_disable		= epf_vntb_ntb_link_disable,
	.db_valid_mask		= epf_vntb_ntb_db_valid_mask,
	.db_vector_count	= epf_vntb_ntb_db_vector_count,
	.db_vector_mask		= epf_vntb_ntb_db_vector_mask,
	.db_read		= epf_vntb_ntb_db_read,
	.db_clear		= epf_vntb_ntb_db_clear,
	.db_read_mask		= epf_vntb_ntb_db_read_mask,
	.db_set_mask		= epf_vntb_ntb_db_set_mask,
	.db_clear_mask		= epf_vntb_ntb_db_clear_mask,
	.peer_db_set		= epf_vntb_ntb_peer_db_set,
	.spad_count		= epf_vntb_ntb_spad_count,
	.spad_read		= epf_vntb_ntb_spad_read,
	.spad_write		= epf_vntb_ntb_spad_write,
	.peer_spad_read		= epf_vntb_ntb_peer_spad_read,
	.peer_spad_write	= epf_vntb_ntb_peer_spad_write,
	.get_dma_dev		= epf_vntb_ntb_get_dma_dev,
};

/**
 * epf_vntb_ntb_register() - register the NTB device of the virtual bus
 * @vntb: the function
 * @pdev: the device on the virtual bus; the NTB device keeps the caller's
 *	reference
 *
 * Clients that ask (ntb_transport) allocate their window buffers for
 * the controller's device (get_dma_dev). The device on the virtual bus
 * gets the controller's DMA mask too, for those that allocate with it.
 *
 * Return: 0 or an error; on error the caller keeps its reference.
 */
int epf_vntb_ntb_register(struct epf_vntb *vntb, struct pci_dev *pdev)
{
	struct device *dev = epf_vntb_dev(vntb);
	u64 mask = dma_get_mask(vntb->epf->epc->dev.parent);
	int ret;

	ret = dma_set_mask_and_coherent(&pdev->dev, mask);
	if (ret) {
		dev_err(dev, "DMA mask %#llx for %s: %d\n", mask,
			pci_name(pdev), ret);
		return ret;
	}

	/* A device that was registered before is re-initialised from zero */
	memset(&vntb->ntb, 0, sizeof(vntb->ntb));
	vntb->ntb.pdev = pdev;
	vntb->ntb.topo = NTB_TOPO_NONE;
	vntb->ntb.ops = &epf_vntb_ntb_ops;

	ret = ntb_register_device(&vntb->ntb);
	if (ret) {
		dev_err(dev, "NTB device registration failed: %d\n", ret);
		return ret;
	}
	return 0;
}

/**
 * epf_vntb_ntb_unregister() - undo epf_vntb_ntb_register()
 * @vntb: the function
 *
 * Drops the reference to the device on the virtual bus.
 */
void epf_vntb_ntb_unregister(struct epf_vntb *vntb)
{
	struct pci_dev *pdev = vntb->ntb.pdev;

	ntb_unregister_device(&vntb->ntb);
	pci_dev_put(pdev);
}
