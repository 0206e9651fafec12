// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual NTB endpoint function: memory windows
 *
 * Each window has two directions:
 *
 * - inbound, the host's BAR: host writes land in endpoint memory that the
 *   endpoint's ntb_transport allocates and hands to mw_set_trans(). The
 *   BAR exists from the start (the host sizes it when it enumerates), so
 *   until then it targets a parking buffer of the function's: host writes
 *   that come too early land in memory nobody uses, not at address 0.
 *
 *   The inbound writes are the controller's DMA, and may go through an
 *   IOMMU: the NTB device names the controller's parent as the device to
 *   allocate for (get_dma_dev), so that ntb_transport's buffers are
 *   allocated and mapped for it, and mw_set_trans() aims the BAR at the
 *   DMA address it is given, as it is. A client that allocates with the
 *   device on the virtual bus instead (Linux 6.12's ntb_tool and
 *   ntb_perf) gives a CPU physical address: right only without an IOMMU
 *   or DMA offset between the controller and memory.
 *
 * - outbound, the endpoint's view of host memory: a window of the
 *   controller's outbound space that CONFIGURE_MW points at the host
 *   buffer the host's ntb_transport allocated.
 */

#include <linux/dma-mapping.h>

#include "pci-epf-vntb.h"

/**
 * epf_vntb_mw_init() - no window yet
 * @vntb: the function
 */
void epf_vntb_mw_init(struct epf_vntb *vntb)
{
	unsigned int i;

	for (i = 0; i < EPF_VNTB_MAX_MWS; i++) {
		vntb->mw[i].bar = NO_BAR;
		vntb->mw[i].xlat = DMA_MAPPING_ERROR;
	}
}

static void epf_vntb_mw_release(struct epf_vntb *vntb, struct epf_vntb_mw *mw)
{
	struct pci_epf *epf = vntb->epf;

	if (mw->ob_virt)
		pci_epc_mem_free_addr(epf->epc, mw->ob_phys, mw->ob_virt,
				      mw->size);
	mw->ob_virt = NULL;
	if (epf->bar[mw->bar].addr)
		pci_epf_free_space(epf, epf->bar[mw->bar].addr, mw->bar,
				   PRIMARY_INTERFACE);
}

static int epf_vntb_mw_setup(struct epf_vntb *vntb, struct epf_vntb_mw *mw,
			     unsigned int idx)
{
	struct pci_epf *epf = vntb->epf;
	struct device *dev = &epf->dev;

	mw->size = vntb->cfg.mw_size[idx];

	if (!pci_epf_alloc_space(epf, mw->size, mw->bar, vntb->features,
				 PRIMARY_INTERFACE)) {
		dev_err(dev, "mw%u: no memory for its parking buffer\n",
			idx + 1);
		return -ENOMEM;
	}
	/* A fixed-size BAR gets its own size: it must be the window's */
	if (epf->bar[mw->bar].size != mw->size) {
		dev_err(dev, "mw%u: BAR%d is %#zx bytes, not %#llx\n", idx + 1,
			mw->bar, epf->bar[mw->bar].size, mw->size);
		return -EINVAL;
	}
	mw->cur = epf->bar[mw->bar];
	mw->xlat = DMA_MAPPING_ERROR;

	mw->ob_virt = pci_epc_mem_alloc_addr(epf->epc, &mw->ob_phys, mw->size);
	if (!mw->ob_virt) {
		dev_err(dev, "mw%u: no outbound window of %#llx bytes\n",
			idx + 1, mw->size);
		return -ENOMEM;
	}
	mw->ob_mapped = false;
	return 0;
}

/**
 * epf_vntb_mw_alloc() - parking buffers and outbound windows
 * @vntb: the function, with its window BARs chosen
 *
 * Return: 0, -ENOMEM, or -EINVAL for a BAR of another size.
 */
int epf_vntb_mw_alloc(struct epf_vntb *vntb)
{
	unsigned int i;
	int ret;

	for (i = 0; i < vntb->num_mws; i++) {
		ret = epf_vntb_mw_setup(vntb, &vntb->mw[i], i);
		if (ret)
			goto release;
	}
	return 0;

release:
	do {
		epf_vntb_mw_release(vntb, &vntb->mw[i]);
	} while (i--);
	return ret;
}

/**
 * epf_vntb_mw_free() - undo epf_vntb_mw_alloc()
 * @vntb: the function, with its BARs cleared and its NTB device gone
 */
void epf_vntb_mw_free(struct epf_vntb *vntb)
{
	unsigned int i;

	for (i = 0; i < vntb->num_mws; i++) {
		struct epf_vntb_mw *mw = &vntb->mw[i];

		epf_vntb_mw_unmap_outbound(vntb, i);
		mw->xlat = DMA_MAPPING_ERROR;
		epf_vntb_mw_release(vntb, mw);
	}
}

/* Aim the BAR at @target; the caller holds vntb->lock */
static int epf_vntb_mw_retarget(struct epf_vntb *vntb, struct epf_vntb_mw *mw,
				dma_addr_t target)
{
	struct pci_epf *epf = vntb->epf;
	dma_addr_t old = mw->cur.phys_addr;
	int ret;

	lockdep_assert_held(&vntb->lock);

	mw->cur.phys_addr = target;
	if (!vntb->epc_ready)
		return 0;

	ret = pci_epc_set_bar(epf->epc, epf->func_no, epf->vfunc_no, &mw->cur);
	if (ret) {
		dev_err(&epf->dev, "BAR%d: cannot aim at %pad: %d\n", mw->bar,
			&target, ret);
		mw->cur.phys_addr = old;
	}
	return ret;
}

/**
 * epf_vntb_mw_set_trans() - aim a window's BAR at a client's buffer
 * @vntb: the function
 * @idx: the window
 * @addr: DMA address of the buffer for the controller (see get_dma_dev)
 * @size: its size: the BAR's, since a BAR cannot map less than itself
 *
 * Return: 0, -EINVAL for a bad window, size or address, or the
 * controller's error.
 */
int epf_vntb_mw_set_trans(struct epf_vntb *vntb, int idx, dma_addr_t addr,
			  resource_size_t size)
{
	struct device *dev = epf_vntb_dev(vntb);
	struct epf_vntb_mw *mw;
	int ret;

	if (idx < 0 || idx >= vntb->num_mws) {
		dev_err(dev, "no memory window %d\n", idx);
		return -EINVAL;
	}
	mw = &vntb->mw[idx];
	if (size != mw->size) {
		dev_err(dev, "mw%d: translation of %pa bytes for a %#llx-byte BAR\n",
			idx + 1, &size, mw->size);
		return -EINVAL;
	}
	if (addr == DMA_MAPPING_ERROR) {
		dev_err(dev, "mw%d: no address to translate to\n", idx + 1);
		return -EINVAL;
	}

	guard(mutex)(&vntb->lock);
	ret = epf_vntb_mw_retarget(vntb, mw, addr);
	if (!ret)
		mw->xlat = addr;
	return ret;
}

/**
 * epf_vntb_mw_clear_trans() - park a window's BAR again
 * @vntb: the function
 * @idx: the window
 *
 * Return: 0, -EINVAL for a bad window, or the controller's error (the
 * translation then stays).
 */
int epf_vntb_mw_clear_trans(struct epf_vntb *vntb, int idx)
{
	struct epf_vntb_mw *mw;
	int ret;

	if (idx < 0 || idx >= vntb->num_mws) {
		dev_err(epf_vntb_dev(vntb), "no memory window %d\n", idx);
		return -EINVAL;
	}
	mw = &vntb->mw[idx];

	guard(mutex)(&vntb->lock);
	if (mw->xlat == DMA_MAPPING_ERROR)
		return 0;
	ret = epf_vntb_mw_retarget(vntb, mw,
				   vntb->epf->bar[mw->bar].phys_addr);
	if (!ret)
		mw->xlat = DMA_MAPPING_ERROR;
	return ret;
}

/**
 * epf_vntb_mw_map_outbound() - CONFIGURE_MW: reach the host's buffer
 * @vntb: the function
 * @idx: the window, from the host
 *
 * The address and size come from the control region, written by the
 * host: both are checked.
 *
 * Context: cmd_work.
 * Return: 0, -EINVAL for a bad window or size, or the controller's error.
 */
int epf_vntb_mw_map_outbound(struct epf_vntb *vntb, u32 idx)
{
	struct pci_epf *epf = vntb->epf;
	struct device *dev = &epf->dev;
	struct epf_vntb_mw *mw;
	u64 addr, size;
	int ret;

	if (idx >= vntb->num_mws) {
		dev_err(dev, "CONFIGURE_MW: no memory window %u\n", idx);
		return -EINVAL;
	}
	mw = &vntb->mw[idx];

	addr = (u64)epf_vntb_read32(vntb, NTB_EPF_ADDR_HI) << 32 |
	       epf_vntb_read32(vntb, NTB_EPF_ADDR_LO);
	size = (u64)epf_vntb_read32(vntb, NTB_EPF_SIZE_HI) << 32 |
	       epf_vntb_read32(vntb, NTB_EPF_SIZE_LO);
	if (!size || size > mw->size) {
		dev_err(dev, "CONFIGURE_MW: window %u of %#llx bytes, at most %#llx\n",
			idx, size, mw->size);
		return -EINVAL;
	}

	epf_vntb_mw_unmap_outbound(vntb, idx);
	ret = pci_epc_map_addr(epf->epc, epf->func_no, epf->vfunc_no,
			       mw->ob_phys, addr, size);
	if (ret) {
		dev_err(dev, "CONFIGURE_MW: window %u to %#llx: %d\n", idx,
			addr, ret);
		return ret;
	}
	mw->ob_mapped = true;
	return 0;
}

/**
 * epf_vntb_mw_unmap_outbound() - TEARDOWN_MW
 * @vntb: the function
 * @idx: the window, from the host
 *
 * Context: cmd_work, or epc_deinit and unbind once cmd_work is stopped.
 * Only cmd_work maps, between epc_init and epc_deinit, and epc_deinit
 * unmaps everything (epf_vntb_mw_stop()): a mapped window means that the
 * controller is ready.
 * Return: 0, or -EINVAL for a bad window.
 */
int epf_vntb_mw_unmap_outbound(struct epf_vntb *vntb, u32 idx)
{
	struct pci_epf *epf = vntb->epf;
	struct epf_vntb_mw *mw;

	if (idx >= vntb->num_mws) {
		dev_err(&epf->dev, "TEARDOWN_MW: no memory window %u\n", idx);
		return -EINVAL;
	}
	mw = &vntb->mw[idx];

	if (mw->ob_mapped) {
		pci_epc_unmap_addr(epf->epc, epf->func_no, epf->vfunc_no,
				   mw->ob_phys);
		mw->ob_mapped = false;
	}
	return 0;
}

/**
 * epf_vntb_mw_stop() - unmap every outbound window
 * @vntb: the function, whose command handler is stopped
 *
 * At epc_deinit, while the controller can still be told: after it the
 * controller may have its clocks off, and the host that configured the
 * windows is being reset anyway. The next host configures its own.
 */
void epf_vntb_mw_stop(struct epf_vntb *vntb)
{
	unsigned int i;

	for (i = 0; i < vntb->num_mws; i++)
		epf_vntb_mw_unmap_outbound(vntb, i);
}
