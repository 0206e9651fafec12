// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual NTB endpoint function: the EPF driver
 *
 * A drop-in replacement for Linux 6.12's pci-epf-vntb (same driver name,
 * same configfs attributes, same wire layout, so that an unmodified host
 * driver works with it) whose doorbells are interrupts: it takes them
 * from the doorbell layer (include/linux/pci-ep-doorbell.h), and polls
 * only what it cannot be told otherwise (commands of a host that does not
 * ring the command doorbell) or when no doorbell exists.
 *
 * Life cycle:
 *   probe        allocates the instance; configfs then fills its config
 *   bind         (controller linked as "primary") takes the doorbell,
 *                chooses the BARs, allocates the control region and the
 *                windows, creates the virtual bus and its NTB device
 *   epc_init     (the controller is ready) programs header, BARs, MSI
 *                and MSI-X, starts the command handler
 *   epc_deinit   stops the command handler, forgets HOST_CAPS, unmaps the
 *                host's MSI address and the outbound windows, clears the
 *                BARs, drops the host's
 *                pending interrupts: no controller access until epc_init
 *   unbind       tells the host the link is down, undoes bind
 */

#include <linux/err.h>
#include <linux/module.h>
#include <linux/pci_ids.h>
#include <linux/slab.h>
#include <linux/string.h>

#include "pci-epf-vntb.h"

struct workqueue_struct *epf_vntb_wq;

/*
 * Class "RAM memory", which ntb_hw_epf matches along with the IDs that
 * configfs sets; INTA as upstream's function declares.
 */
static const struct pci_epf_header epf_vntb_default_header = {
	.vendorid	= PCI_ANY_ID,
	.deviceid	= PCI_ANY_ID,
	.baseclass_code	= PCI_BASE_CLASS_MEMORY,
	.subclass_code	= PCI_CLASS_MEMORY_RAM & 0xff,
	.interrupt_pin	= PCI_INTERRUPT_INTA,
};

/* The configuration must be complete before bind can lay anything out */
static int epf_vntb_check_config(struct epf_vntb *vntb)
{
	const struct epf_vntb_config *cfg = &vntb->cfg;
	struct device *dev = epf_vntb_dev(vntb);
	unsigned int i;

	if (!cfg->vid) {
		dev_err(dev, "vntb_vid is not set\n");
		return -EINVAL;
	}
	for (i = 0; i < cfg->num_mws; i++) {
		if (!cfg->mw_size[i]) {
			dev_err(dev, "mw%u is not set (num_mws is %u)\n", i + 1,
				cfg->num_mws);
			return -EINVAL;
		}
	}
	return 0;
}

/* Take the configuration for this bind; configfs refuses changes now */
static int epf_vntb_take_config(struct epf_vntb *vntb)
{
	int ret;

	guard(mutex)(&vntb->cfg_lock);

	ret = epf_vntb_check_config(vntb);
	if (ret)
		return ret;

	vntb->bound = true;
	vntb->db_count = vntb->cfg.db_count;
	vntb->n_db = vntb->db_count - NTB_EPF_SLOT_DB_FIRST;
	vntb->db_valid = BIT_ULL(vntb->n_db) - 1;
	vntb->spad_count = vntb->cfg.spad_count;
	vntb->num_mws = vntb->cfg.num_mws;
	return 0;
}

static void epf_vntb_release_config(struct epf_vntb *vntb)
{
	guard(mutex)(&vntb->cfg_lock);
	vntb->bound = false;
}

static int epf_vntb_epc_init(struct pci_epf *epf)
{
	struct epf_vntb *vntb = epf_get_drvdata(epf);
	struct pci_epc *epc = epf->epc;
	struct device *dev = &epf->dev;
	int ret;

	if (epf->vfunc_no <= 1) {
		ret = pci_epc_write_header(epc, epf->func_no, epf->vfunc_no,
					   epf->header);
		if (ret) {
			dev_err(dev, "configuration header write failed: %d\n",
				ret);
			return ret;
		}
	}

	if (vntb->msix)
		epf_vntb_ctrl_msix_init(vntb);

	ret = epf_vntb_bars_set(vntb);
	if (ret)
		return ret;

	ret = epf_vntb_irq_configure(vntb);
	if (ret) {
		epf_vntb_bars_clear(vntb);
		return ret;
	}

	epf_vntb_cmd_start(vntb);

	/*
	 * A host that enabled MSI was using a previous bind of the function:
	 * its link vector makes a host driver of ours set itself up again
	 * (with MSI-X, through the table kept from that bind).
	 */
	epf_vntb_raise_link(vntb);
	return 0;
}

/*
 * The controller is going down, usually because the host asserted PERST#
 * (a reset that need not take the link down first). This is the last
 * moment to touch it: afterwards its clocks may be off, so every access
 * waits for the next epc_init (the BARs' epc_ready, the outbound windows,
 * the interrupts' work). What the host declared goes too: a legacy host
 * that takes over never writes HOST_CAPS, so a CMD_DB left from this one
 * would leave its commands unpolled after the next epc_init.
 */
static void epf_vntb_epc_deinit(struct pci_epf *epf)
{
	struct epf_vntb *vntb = epf_get_drvdata(epf);

	epf_vntb_cmd_stop(vntb);
	/* Under epf->lock, as bind and unbind: the region is there or not */
	if (vntb->ctrl)
		epf_vntb_write32(vntb, NTB_EPF_HOST_CAPS, 0);
	epf_vntb_msi_stop(vntb);
	epf_vntb_msix_stop(vntb);
	epf_vntb_mw_stop(vntb);
	epf_vntb_bars_clear(vntb);
	/* PERST#: the host is going; some controllers report nothing else */
	if (vntb->ctrl)
		epf_vntb_ctrl_set_link(vntb, false);
	epf_vntb_irq_stop(vntb);
}

/*
 * The PCIe link went down: the host's view of the NTB link goes down with
 * it, and so does what the host declared: the next host (a rebooted one,
 * maybe an older driver) may not ring the command doorbell, so commands
 * are polled again until a host sets HOST_CAPS anew, and its interrupt
 * vectors and their type are its own to configure. The endpoint's NTB
 * clients are told, so that they stop sending into a link that leads
 * nowhere; a host driver that loads brings the link up again. (Linux
 * 6.12's ntb_transport needs patches/linux-6.12 to survive that.)
 */
static int epf_vntb_link_down(struct pci_epf *epf)
{
	struct epf_vntb *vntb = epf_get_drvdata(epf);

	/* Under epf->lock, as bind and unbind: the region is there or not */
	epf_vntb_ctrl_msix_host_gone(vntb);
	if (!vntb->ctrl)
		return 0;
	dev_info(&epf->dev, "PCIe link down: the host is gone, so is the NTB link\n");
	epf_vntb_ctrl_set_link(vntb, false);
	epf_vntb_write32(vntb, NTB_EPF_HOST_CAPS, 0);
	/* Its MSI(-X) addresses are no one's now: nothing is written there */
	epf_vntb_msi_stop(vntb);
	epf_vntb_msix_stop(vntb);
	epf_vntb_cmd_host_gone(vntb);
	epf_vntb_cmd_kick(vntb);
	return 0;
}

/*
 * The PCIe link came up: when the function was bound with the link down
 * (the controller stopped), the link vector of epc_init reached no one.
 * Raise it now for a host that kept MSI or MSI-X enabled, so that a host
 * driver of ours sets the function up again.
 */
static int epf_vntb_link_up(struct pci_epf *epf)
{
	epf_vntb_raise_link(epf_get_drvdata(epf));
	return 0;
}

static const struct pci_epc_event_ops epf_vntb_event_ops = {
	.epc_init	= epf_vntb_epc_init,
	.epc_deinit	= epf_vntb_epc_deinit,
	.link_up	= epf_vntb_link_up,
	.link_down	= epf_vntb_link_down,
};

static int epf_vntb_bind(struct pci_epf *epf)
{
	struct epf_vntb *vntb = epf_get_drvdata(epf);
	struct device *dev = &epf->dev;
	enum pci_barno db_fixed;
	int ret;

	if (!epf->epc) {
		dev_err(dev, "no controller linked as primary\n");
		return -EINVAL;
	}

	ret = epf_vntb_take_config(vntb);
	if (ret)
		return ret;

	/* Nothing counts yet: the interrupt and the work items are off */
	memset(&vntb->stats, 0, sizeof(vntb->stats));
	/* The NTB device is new: its clients start with the link down */
	vntb->clients_link_up = false;

	vntb->features = pci_epc_get_features(epf->epc, epf->func_no,
					      epf->vfunc_no);
	if (!vntb->features) {
		dev_err(dev, "the controller reports no features\n");
		ret = -EOPNOTSUPP;
		goto release_config;
	}
	if (!vntb->features->msi_capable) {
		dev_err(dev, "the controller cannot raise MSIs\n");
		ret = -EOPNOTSUPP;
		goto release_config;
	}

	ret = epf_vntb_db_alloc(vntb, &db_fixed);
	if (ret)
		goto release_config;

	ret = epf_vntb_bars_assign(vntb, db_fixed);
	if (ret)
		goto free_db;

	ret = epf_vntb_ctrl_alloc(vntb);
	if (ret)
		goto free_db;

	ret = epf_vntb_db_place(vntb);
	if (ret)
		goto free_ctrl;

	ret = epf_vntb_mw_alloc(vntb);
	if (ret)
		goto free_ctrl;

	epf_vntb_ctrl_publish(vntb);

	ret = epf_vntb_vbus_create(vntb);
	if (ret)
		goto free_mw;

	ret = epf_vntb_db_request_irq(vntb);
	if (ret)
		goto remove_vbus;

	epf_vntb_debugfs_add(vntb);

	dev_info(dev, "control BAR%d, doorbells BAR%d%s, %u doorbell(s), %u window(s), doorbell backend %s\n",
		 vntb->ctrl_bar, vntb->db_barno,
		 vntb->db_epf_bar.barno == NO_BAR ? " (controller's)" : "",
		 vntb->n_db, vntb->num_mws, epf_vntb_db_backend(vntb));
	if (!epf_vntb_bars_upstream(vntb))
		dev_info(dev, "windows in BAR%d%s: not the BAR0, BAR2, BAR4 layout of Linux's ntb_hw_epf, which cannot use it; a host driver reading the published BAR map (this project's ntb_hw_epf) can\n",
			 vntb->mw[0].bar, vntb->num_mws > 1 ? " and on" : "");
	return 0;

remove_vbus:
	epf_vntb_vbus_remove(vntb);
free_mw:
	epf_vntb_mw_free(vntb);
free_ctrl:
	epf_vntb_ctrl_free(vntb);
free_db:
	epf_vntb_db_free(vntb);
release_config:
	epf_vntb_release_config(vntb);
	return ret;
}

static void epf_vntb_unbind(struct pci_epf *epf)
{
	struct epf_vntb *vntb = epf_get_drvdata(epf);

	epf_vntb_debugfs_remove(vntb);

	/*
	 * The host learns of the link going down from LINK_STATUS and MSI 1,
	 * and tears down through the control BAR: answer it before the BARs
	 * go. The endpoint's NTB clients hear of it from the host's
	 * LINK_DOWN, or when their device goes.
	 */
	if (READ_ONCE(vntb->link_up))
		epf_vntb_ctrl_link_status(vntb, false);
	if (epf_vntb_raise_link(vntb) && vntb->cmd_enabled)
		epf_vntb_cmd_drain(vntb);
	epf_vntb_cmd_stop(vntb);
	epf_vntb_msi_stop(vntb);
	epf_vntb_msix_stop(vntb);

	epf_vntb_db_free_irq(vntb);
	epf_vntb_vbus_remove(vntb);
	epf_vntb_db_stop(vntb);
	epf_vntb_irq_stop(vntb);
	epf_vntb_bars_clear(vntb);
	epf_vntb_mw_free(vntb);
	epf_vntb_ctrl_free(vntb);
	epf_vntb_db_free(vntb);
	epf_vntb_release_config(vntb);
}

static int epf_vntb_probe(struct pci_epf *epf,
			  const struct pci_epf_device_id *id)
{
	struct epf_vntb *vntb;

	vntb = devm_kzalloc(&epf->dev, sizeof(*vntb), GFP_KERNEL);
	if (!vntb)
		return -ENOMEM;

	vntb->epf = epf;
	vntb->header = epf_vntb_default_header;
	mutex_init(&vntb->cfg_lock);
	mutex_init(&vntb->ctrl_lock);
	mutex_init(&vntb->lock);
	epf_vntb_config_init(&vntb->cfg);
	epf_vntb_db_init(vntb);
	epf_vntb_irq_init(vntb);
	epf_vntb_msi_init(vntb);
	epf_vntb_msix_init(vntb);
	epf_vntb_cmd_init(vntb);
	epf_vntb_mw_init(vntb);

	epf->header = &vntb->header;
	epf->event_ops = &epf_vntb_event_ops;
	epf_set_drvdata(epf, vntb);
	return 0;
}

static const struct pci_epf_device_id epf_vntb_ids[] = {
	{ .name = "pci_epf_vntb" },
	{}
};

static const struct pci_epf_ops epf_vntb_ops = {
	.bind		= epf_vntb_bind,
	.unbind		= epf_vntb_unbind,
	.add_cfs	= epf_vntb_add_cfs,
};

static struct pci_epf_driver epf_vntb_driver = {
	.driver.name	= "pci_epf_vntb",
	.probe		= epf_vntb_probe,
	.id_table	= epf_vntb_ids,
	.ops		= &epf_vntb_ops,
	.owner		= THIS_MODULE,
};

static int __init epf_vntb_init(void)
{
	int ret;

	/* High priority: it carries doorbells, on the network's path */
	epf_vntb_wq = alloc_workqueue("pci_epf_vntb",
				      WQ_HIGHPRI | WQ_MEM_RECLAIM, 0);
	if (!epf_vntb_wq)
		return -ENOMEM;

	epf_vntb_debugfs_module_init();

	ret = pci_epf_register_driver(&epf_vntb_driver);
	if (ret) {
		pr_err("pci_epf_vntb: driver registration failed: %d\n", ret);
		epf_vntb_debugfs_module_exit();
		destroy_workqueue(epf_vntb_wq);
	}
	return ret;
}
module_init(epf_vntb_init);

static void __exit epf_vntb_exit(void)
{
	pci_epf_unregister_driver(&epf_vntb_driver);
	epf_vntb_debugfs_module_exit();
	destroy_workqueue(epf_vntb_wq);
}
module_exit(epf_vntb_exit);

MODULE_DESCRIPTION("PCI endpoint function: virtual NTB with interrupt-driven doorbells");
MODULE_LICENSE("GPL");
MODULE_VERSION(VNTB_VERSION);
