// SPDX-License-Identifier: GPL-2.0
/*
 * Host driver for the PCI endpoint NTB functions (pci-epf-vntb, and
 * pci-epf-ntb on TI J721E): PCI probe and remove, BARs, interrupts.
 *
 * The endpoint function presents a control region, doorbells and memory
 * windows in its BARs (<linux/ntb_epf.h>); this driver turns them into an
 * NTB device for the NTB clients (ntb_transport, ntb_tool, ...).
 *
 * Interrupt vectors keep the legacy numbering: vector 0 is the link event
 * (and, with the command doorbell, the end of a command), vector 1 is not
 * used, vector 2 + n is doorbell bit n.
 */

#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/module.h>

#include "ntb_hw_epf.h"
#include "ntb_hw_epf_trace.h"

/* vNTB as the lab (and i.MX8-style endpoints) present it. */
#define NTB_HW_EPF_FSL_VNTB	0x0809

/*
 * Has the NTB core taken the device? Before that, its context lock is not
 * set up and no event may go to it.
 */
static bool ntb_hw_epf_live(struct ntb_hw_epf *ndev)
{
	/* Pairs with the release in probe: the lock's set-up is seen. */
	return smp_load_acquire(&ndev->live);
}

static irqreturn_t ntb_hw_epf_link_isr(int irq, void *data)
{
	struct ntb_hw_epf *ndev = data;

	atomic64_inc(&ndev->stats.link_irqs);

	/* A command waiting for the endpoint's answer: that may be it. */
	wake_up(&ndev->cmd_wq);
	queue_work(system_wq, &ndev->event_work);

	return IRQ_HANDLED;
}

static irqreturn_t ntb_hw_epf_unused_isr(int irq, void *data)
{
	struct ntb_hw_epf *ndev = data;

	atomic64_inc(&ndev->stats.unused_irqs);
	dev_warn_ratelimited(ndev->dev, "interrupt on the unused vector %u\n",
			     NTB_EPF_SLOT_DB_FIRST - 1);

	return IRQ_HANDLED;
}

static irqreturn_t ntb_hw_epf_db_isr(int irq, void *data)
{
	struct ntb_hw_epf_db_vec *vec = data;
	struct ntb_hw_epf *ndev = vec->ndev;
	u64 bit = BIT_ULL(vec->bit);

	atomic64_inc(&ndev->stats.db_irqs[vec->bit]);
	trace_ntb_hw_epf_db_irq(ndev, vec->bit);

	/* Ordered against ntb_hw_epf_db_clear_mask(): see there. */
	atomic64_fetch_or(bit, &ndev->db_pending);
	if (!(atomic64_read(&ndev->db_mask) & bit) && ntb_hw_epf_live(ndev))
		ntb_db_event(&ndev->ntb, vec->bit);

	return IRQ_HANDLED;
}

static void ntb_hw_epf_db_replay(struct irq_work *work)
{
	struct ntb_hw_epf *ndev = container_of(work, struct ntb_hw_epf,
					       db_replay);
	u64 pending;

	if (!ntb_hw_epf_live(ndev))
		return;

	pending = atomic64_read(&ndev->db_pending) &
		  ~atomic64_read(&ndev->db_mask);
	while (pending) {
		ntb_db_event(&ndev->ntb, __ffs64(pending));
		pending &= pending - 1;
	}
}

/* Tell the client that the link changed. */
static void ntb_hw_epf_link_event(struct ntb_hw_epf *ndev)
{
	atomic64_inc(&ndev->stats.link_events);
	ntb_link_event(&ndev->ntb);
}

/* The endpoint was bound anew while the host had the link enabled. */
static bool ntb_hw_epf_rebound(struct ntb_hw_epf *ndev)
{
	return READ_ONCE(ndev->link_enabled) &&
	       !ntb_hw_epf_link_state(ndev) &&
	       ntb_hw_epf_fresh_endpoint(ndev);
}

/*
 * ntb_transport cleans a lost link up in a work item of its own: it
 * releases its windows, then zeroes the scratchpads. A new endpoint
 * brought up before that would write its scratchpads at link up only to
 * have them wiped, and the link would never come back. So the set-up of
 * a rebound endpoint waits for the client to release its windows (a
 * client that keeps them only delays it).
 */
static void ntb_hw_epf_await_release(struct ntb_hw_epf *ndev)
{
	if (!wait_event_timeout(ndev->cmd_wq, !READ_ONCE(ndev->mw_live),
				msecs_to_jiffies(NTB_HW_EPF_RELEASE_TIMEOUT_MS)))
		dev_info(ndev->dev, "the client keeps its windows: setting the endpoint up regardless\n");
}

/*
 * The link vector fired: the link changed, a command ended, or the
 * endpoint was (re)bound. Set a rebound endpoint up again, then tell the
 * client when the link differs from what it last saw: not on every
 * command, which would have ntb_transport redo its handshake each time,
 * and not once the client has disabled the link.
 *
 * A client that took the link down itself is never told of it:
 * ntb_transport frees its context right after ntb_link_disable(), and an
 * event then would queue its link clean-up on freed memory. So every
 * event goes out under cmd_lock, checked against link_enabled there, and
 * no event crosses a link_disable().
 */
static void ntb_hw_epf_event_work(struct work_struct *work)
{
	struct ntb_hw_epf *ndev = container_of(work, struct ntb_hw_epf,
					       event_work);
	bool dropped, up;
	int ret;

	if (!ntb_hw_epf_live(ndev))
		return;

	/*
	 * The client drops the old link before it gets a new one; it lets
	 * its windows go with commands, so the wait is outside the lock.
	 */
	mutex_lock(&ndev->cmd_lock);
	dropped = ntb_hw_epf_rebound(ndev) && READ_ONCE(ndev->link_seen);
	if (dropped)
		ntb_hw_epf_link_event(ndev);
	mutex_unlock(&ndev->cmd_lock);
	if (dropped)
		ntb_hw_epf_await_release(ndev);

	mutex_lock(&ndev->cmd_lock);
	if (ntb_hw_epf_rebound(ndev)) {
		dev_info(ndev->dev, "endpoint rebound: setting it up again\n");
		ret = ntb_hw_epf_setup(ndev);
		if (!ret)
			ret = ntb_hw_epf_cmd_locked(ndev, NTB_EPF_CMD_LINK_UP, 0);
		if (ret)
			dev_err(ndev->dev,
				"cannot set the rebound endpoint up: %d\n", ret);
	}

	if (READ_ONCE(ndev->link_enabled)) {
		up = ntb_hw_epf_link_state(ndev);
		if (up != READ_ONCE(ndev->link_seen)) {
			/* A new link may come with new doorbells. */
			if (up)
				ntb_hw_epf_db_refresh(ndev);
			ntb_hw_epf_link_event(ndev);
		}
	}
	mutex_unlock(&ndev->cmd_lock);
}

/* Some while after a ring: is the endpoint still there? */
static void ntb_hw_epf_ring_check_work(struct work_struct *work)
{
	struct ntb_hw_epf *ndev = container_of(to_delayed_work(work),
					       struct ntb_hw_epf, ring_check);

	if (!ntb_hw_epf_link_state(ndev))
		queue_work(system_wq, &ndev->event_work);
}

static void *ntb_hw_epf_irq_data(struct ntb_hw_epf *ndev, unsigned int nr)
{
	if (nr < NTB_EPF_SLOT_DB_FIRST)
		return ndev;

	return &ndev->db_vec[nr - NTB_EPF_SLOT_DB_FIRST];
}

static void ntb_hw_epf_free_irqs(struct ntb_hw_epf *ndev, unsigned int count)
{
	struct pci_dev *pdev = ndev->ntb.pdev;

	while (count--)
		pci_free_irq(pdev, count, ntb_hw_epf_irq_data(ndev, count));
	pci_free_irq_vectors(pdev);
}

static int ntb_hw_epf_request_irq(struct ntb_hw_epf *ndev, unsigned int nr)
{
	struct pci_dev *pdev = ndev->ntb.pdev;
	irq_handler_t handler;

	if (nr == NTB_EPF_SLOT_LINK) {
		handler = ntb_hw_epf_link_isr;
	} else if (nr < NTB_EPF_SLOT_DB_FIRST) {
		handler = ntb_hw_epf_unused_isr;
	} else {
		ndev->db_vec[nr - NTB_EPF_SLOT_DB_FIRST] =
			(struct ntb_hw_epf_db_vec) {
				.ndev = ndev,
				.bit = nr - NTB_EPF_SLOT_DB_FIRST,
			};
		handler = ntb_hw_epf_db_isr;
	}

	return pci_request_irq(pdev, nr, handler, NULL,
			       ntb_hw_epf_irq_data(ndev, nr), "%s:%s:%u",
			       KBUILD_MODNAME, pci_name(pdev), nr);
}

/*
 * One vector per slot, as many as the endpoint offers up to one per
 * doorbell slot; MSI-X when it has it, else MSI.
 */
static int ntb_hw_epf_init_irqs(struct ntb_hw_epf *ndev)
{
	struct pci_dev *pdev = ndev->ntb.pdev;
	unsigned int nr;
	int nvec, ret;

	nvec = pci_alloc_irq_vectors(pdev, NTB_HW_EPF_MIN_VECTORS,
				     NTB_HW_EPF_MAX_VECTORS,
				     PCI_IRQ_MSIX | PCI_IRQ_MSI);
	if (nvec < 0) {
		dev_err(ndev->dev, "cannot get %u to %u MSI(-X) vectors: %d\n",
			NTB_HW_EPF_MIN_VECTORS, NTB_HW_EPF_MAX_VECTORS, nvec);
		return nvec;
	}

	ndev->nr_vectors = nvec;
	ndev->db_count = nvec - NTB_EPF_SLOT_DB_FIRST;
	ndev->db_valid_mask = GENMASK_ULL(ndev->db_count - 1, 0);

	for (nr = 0; nr < ndev->nr_vectors; nr++) {
		ret = ntb_hw_epf_request_irq(ndev, nr);
		if (ret) {
			dev_err(ndev->dev, "cannot request vector %u: %d\n",
				nr, ret);
			ntb_hw_epf_free_irqs(ndev, nr);
			return ret;
		}
	}

	dev_dbg(ndev->dev, "%u %s vectors, %u doorbells\n", ndev->nr_vectors,
		pdev->msix_enabled ? "MSI-X" : "MSI", ndev->db_count);

	return 0;
}

/* A memory BAR of the map, or -ENODEV. */
static int ntb_hw_epf_bar(struct ntb_hw_epf *ndev, enum ntb_hw_epf_region r)
{
	struct pci_dev *pdev = ndev->ntb.pdev;
	int bar = ndev->map.bar[r];

	if (bar == NTB_HW_EPF_NO_BAR ||
	    !(pci_resource_flags(pdev, bar) & IORESOURCE_MEM) ||
	    !pci_resource_len(pdev, bar))
		return -ENODEV;

	return bar;
}

/*
 * Map region @r: its BAR, once for all the regions in it, from the
 * region's offset on (a published map) or whole (the other maps).
 */
static int ntb_hw_epf_iomap(struct ntb_hw_epf *ndev, enum ntb_hw_epf_region r,
			    void __iomem **base, resource_size_t *len)
{
	struct pci_dev *pdev = ndev->ntb.pdev;
	int bar = ntb_hw_epf_bar(ndev, r);

	if (bar < 0) {
		dev_err(ndev->dev, "BAR %d of region %d is missing\n",
			ndev->map.bar[r], r);
		return bar;
	}

	if (!ndev->bar_va[bar]) {
		void __iomem *va = pcim_iomap_region(pdev, bar, KBUILD_MODNAME);

		if (IS_ERR(va)) {
			dev_err(ndev->dev, "cannot map BAR %d\n", bar);
			return PTR_ERR(va);
		}
		ndev->bar_va[bar] = va;
	}

	*base = ndev->bar_va[bar];
	*len = pci_resource_len(pdev, bar);
	if (ndev->map.published && ndev->map.size[r]) {
		/* ntb_hw_epf_bar_map_read() checked it against the BAR */
		*base += ndev->map.off[r];
		*len = ndev->map.size[r];
	}

	return 0;
}

/*
 * Map the control BAR, read the BAR map the endpoint may publish there,
 * then map the peer scratchpad and doorbell regions. The peer's
 * scratchpads share the control BAR on some SoCs; a published map may
 * put the doorbells in a BAR shared with windows.
 */
static int ntb_hw_epf_map_bars(struct ntb_hw_epf *ndev, bool need_map)
{
	const struct ntb_hw_epf_map *map = &ndev->map;
	int ret;

	ret = ntb_hw_epf_iomap(ndev, NTB_HW_EPF_CTRL, &ndev->ctrl,
			       &ndev->ctrl_len);
	if (ret)
		return ret;

	/* The legacy control region is the least the host needs. */
	if (ndev->ctrl_len < NTB_EPF_EXT_BASE) {
		dev_err(ndev->dev, "control BAR of %#llx bytes is too small\n",
			(u64)ndev->ctrl_len);
		return -ENODEV;
	}

	ret = ntb_hw_epf_bar_map_read(ndev, need_map);
	if (ret)
		return ret;

	if (map->bar[NTB_HW_EPF_PEER_SPAD] != map->bar[NTB_HW_EPF_CTRL]) {
		ret = ntb_hw_epf_iomap(ndev, NTB_HW_EPF_PEER_SPAD,
				       &ndev->peer_spad, &ndev->peer_spad_len);
		if (ret)
			return ret;
	}

	return ntb_hw_epf_iomap(ndev, NTB_HW_EPF_DB, &ndev->db, &ndev->db_len);
}

/*
 * Take the counts the endpoint reports, checked against what the BARs
 * hold. They stay as taken: clients size themselves by them once.
 */
static int ntb_hw_epf_read_layout(struct ntb_hw_epf *ndev)
{
	u32 mws = readl(ndev->ctrl + NTB_EPF_MW_COUNT);
	u32 spads = readl(ndev->ctrl + NTB_EPF_SPAD_COUNT);
	u32 off = readl(ndev->ctrl + NTB_EPF_SPAD_OFFSET);
	u64 bytes = (u64)spads * sizeof(u32);
	unsigned int avail = 0;
	bool fits;

	if (readw(ndev->ctrl + NTB_EPF_LINK_STATUS) == NTB_HW_EPF_GONE16) {
		dev_err(ndev->dev, "endpoint does not answer\n");
		return -ENODEV;
	}

	while (avail < NTB_HW_EPF_MAX_MW &&
	       ntb_hw_epf_bar(ndev, NTB_HW_EPF_MW1 + avail) >= 0)
		avail++;
	if (mws > avail) {
		dev_err(ndev->dev, "endpoint reports %u memory windows, %u BARs for them\n",
			mws, avail);
		return -EIO;
	}

	if (ndev->peer_spad)
		fits = ntb_hw_epf_fits(ndev->ctrl_len, off, bytes) &&
		       ntb_hw_epf_fits(ndev->peer_spad_len, 0, bytes);
	else
		fits = ntb_hw_epf_fits(ndev->ctrl_len, off, 2 * bytes);
	if (off < NTB_EPF_EXT_BASE || !IS_ALIGNED(off, sizeof(u32)) || !fits) {
		dev_err(ndev->dev, "endpoint reports %u scratchpads at %#x: not in the %#llx byte BAR\n",
			spads, off, (u64)ndev->ctrl_len);
		return -EIO;
	}

	ndev->mw_count = mws;
	ndev->spad_count = spads;

	return 0;
}

/* A device without a map of its own: the control region in BAR0 */
static const struct ntb_hw_epf_map ntb_hw_epf_bar0_map = {
	.bar = {
		[NTB_HW_EPF_CTRL]	= 0,
		[NTB_HW_EPF_PEER_SPAD]	= 0,
		[NTB_HW_EPF_DB]		= NTB_HW_EPF_NO_BAR,
		[NTB_HW_EPF_MW1]	= NTB_HW_EPF_NO_BAR,
		[NTB_HW_EPF_MW1 + 1]	= NTB_HW_EPF_NO_BAR,
		[NTB_HW_EPF_MW1 + 2]	= NTB_HW_EPF_NO_BAR,
		[NTB_HW_EPF_MW1 + 3]	= NTB_HW_EPF_NO_BAR,
	},
};

static int ntb_hw_epf_probe(struct pci_dev *pdev,
			    const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct ntb_hw_epf *ndev;
	unsigned int i;
	bool need_map;
	int ret;

	ndev = devm_kzalloc(dev, sizeof(*ndev), GFP_KERNEL);
	if (!ndev)
		return -ENOMEM;

	ndev->dev = dev;
	/*
	 * A device given to the driver by driver_override has no map of its
	 * own: its control region is read in BAR0, and the rest must be
	 * published there.
	 */
	need_map = !id->driver_data;
	ndev->map = need_map ? ntb_hw_epf_bar0_map :
		    *(const struct ntb_hw_epf_map *)id->driver_data;
	if (ntb_hw_epf_bar_map(&ndev->map))
		dev_info(dev, "BARs as bar_map says: control BAR%d, doorbells BAR%d, window 1 BAR%d\n",
			 ndev->map.bar[NTB_HW_EPF_CTRL],
			 ndev->map.bar[NTB_HW_EPF_DB],
			 ndev->map.bar[NTB_HW_EPF_MW1]);
	ndev->ntb.pdev = pdev;
	ndev->ntb.topo = NTB_TOPO_NONE;
	ndev->ntb.ops = &ntb_hw_epf_ops;
	atomic64_set(&ndev->db_pending, 0);
	atomic64_set(&ndev->db_mask, 0);
	init_irq_work(&ndev->db_replay, ntb_hw_epf_db_replay);
	for (i = 0; i < ARRAY_SIZE(ndev->db_ring); i++)
		atomic64_set(&ndev->db_ring[i], NTB_HW_EPF_DB_BAD);
	INIT_DELAYED_WORK(&ndev->ring_check, ntb_hw_epf_ring_check_work);
	init_waitqueue_head(&ndev->cmd_wq);
	INIT_WORK(&ndev->event_work, ntb_hw_epf_event_work);
	ret = devm_mutex_init(dev, &ndev->cmd_lock);
	if (ret)
		return ret;
	pci_set_drvdata(pdev, ndev);

	ret = pcim_enable_device(pdev);
	if (ret)
		return dev_err_probe(dev, ret, "cannot enable the device\n");
	pci_set_master(pdev);

	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (ret)
		ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(32));
	if (ret)
		return dev_err_probe(dev, ret, "no usable DMA mask\n");

	ret = ntb_hw_epf_map_bars(ndev, need_map);
	if (ret)
		return ret;

	ret = ntb_hw_epf_read_layout(ndev);
	if (ret)
		return ret;

	ret = ntb_hw_epf_init_irqs(ndev);
	if (ret)
		return ret;

	mutex_lock(&ndev->cmd_lock);
	ret = ntb_hw_epf_setup(ndev);
	mutex_unlock(&ndev->cmd_lock);
	if (ret) {
		dev_err(dev, "endpoint refused the doorbell set-up: %d\n", ret);
		goto err_teardown;
	}

	ret = ntb_register_device(&ndev->ntb);
	if (ret) {
		dev_err(dev, "cannot register the NTB device: %d\n", ret);
		goto err_teardown;
	}

	/*
	 * Events may reach the NTB core from now on (see ntb_hw_epf_live());
	 * catch up on any that came before.
	 */
	smp_store_release(&ndev->live, true);
	queue_work(system_wq, &ndev->event_work);

	ntb_hw_epf_debugfs_add(ndev);

	return 0;

err_teardown:
	disable_delayed_work_sync(&ndev->ring_check);
	disable_work_sync(&ndev->event_work);
	ntb_hw_epf_teardown(ndev);
	ntb_hw_epf_free_irqs(ndev, ndev->nr_vectors);

	return ret;
}

static void ntb_hw_epf_remove(struct pci_dev *pdev)
{
	struct ntb_hw_epf *ndev = pci_get_drvdata(pdev);

	ntb_hw_epf_debugfs_remove(ndev);

	/* The client is gone after this; events find no one to go to. */
	ntb_unregister_device(&ndev->ntb);
	/* Before event_work, which it queues */
	disable_delayed_work_sync(&ndev->ring_check);
	disable_work_sync(&ndev->event_work);
	irq_work_sync(&ndev->db_replay);

	/* The link vector still wakes the teardown's commands. */
	ntb_hw_epf_teardown(ndev);
	ntb_hw_epf_free_irqs(ndev, ndev->nr_vectors);
}

static const struct ntb_hw_epf_map ntb_hw_epf_j721e_map = {
	.bar = {
		[NTB_HW_EPF_CTRL]	= 0,
		[NTB_HW_EPF_PEER_SPAD]	= 1,
		[NTB_HW_EPF_DB]		= 2,
		[NTB_HW_EPF_MW1]	= 2,	/* from MW1_OFFSET on */
		[NTB_HW_EPF_MW1 + 1]	= 3,
		[NTB_HW_EPF_MW1 + 2]	= 4,
		[NTB_HW_EPF_MW1 + 3]	= 5,
	},
};

/* 64-bit BARs: a window's BAR takes two BAR numbers. */
static const struct ntb_hw_epf_map ntb_hw_epf_mx8_map = {
	.bar = {
		[NTB_HW_EPF_CTRL]	= 0,
		[NTB_HW_EPF_PEER_SPAD]	= 0,
		[NTB_HW_EPF_DB]		= 2,
		[NTB_HW_EPF_MW1]	= 4,
		[NTB_HW_EPF_MW1 + 1]	= 5,
		[NTB_HW_EPF_MW1 + 2]	= NTB_HW_EPF_NO_BAR,
		[NTB_HW_EPF_MW1 + 3]	= NTB_HW_EPF_NO_BAR,
	},
};

static const struct pci_device_id ntb_hw_epf_ids[] = {
	{
		PCI_DEVICE(PCI_VENDOR_ID_TI, PCI_DEVICE_ID_TI_J721E),
		.class = PCI_CLASS_MEMORY_RAM << 8, .class_mask = 0xffff00,
		.driver_data = (kernel_ulong_t)&ntb_hw_epf_j721e_map,
	},
	{
		PCI_DEVICE(PCI_VENDOR_ID_FREESCALE, NTB_HW_EPF_FSL_VNTB),
		.class = PCI_CLASS_MEMORY_RAM << 8, .class_mask = 0xffff00,
		.driver_data = (kernel_ulong_t)&ntb_hw_epf_mx8_map,
	},
	{ }
};
MODULE_DEVICE_TABLE(pci, ntb_hw_epf_ids);

static struct pci_driver ntb_hw_epf_driver = {
	.name		= KBUILD_MODNAME,
	.id_table	= ntb_hw_epf_ids,
	.probe		= ntb_hw_epf_probe,
	.remove		= ntb_hw_epf_remove,
};

/* The debugfs root outlives every device's directory. */
static int __init ntb_hw_epf_init(void)
{
	int ret;

	ntb_hw_epf_debugfs_init();
	ret = pci_register_driver(&ntb_hw_epf_driver);
	if (ret)
		ntb_hw_epf_debugfs_exit();

	return ret;
}
module_init(ntb_hw_epf_init);

static void __exit ntb_hw_epf_exit(void)
{
	pci_unregister_driver(&ntb_hw_epf_driver);
	ntb_hw_epf_debugfs_exit();
}
module_exit(ntb_hw_epf_exit);

MODULE_DESCRIPTION("NTB host driver for PCI endpoint NTB functions");
MODULE_LICENSE("GPL");
MODULE_VERSION(VNTB_VERSION);
