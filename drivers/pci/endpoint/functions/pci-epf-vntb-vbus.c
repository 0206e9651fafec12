// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual NTB endpoint function: the virtual PCI bus
 *
 * NTB clients find their device through the NTB bus, whose devices hang
 * under a PCI device (struct ntb_dev has a pci_dev). So each function
 * instance creates a root bus of its own, numbered vbus_number in a PCI
 * domain of its own, with one device at 00.0 whose configuration space
 * this file answers from memory:
 *
 *   vendor/device  vntb_vid / vntb_pid (also as subsystem IDs)
 *   class          0x068000, "other bridge", as NTB devices report
 *   BARs, caps     none: the NTB device reaches nothing through the bus
 *
 * Writes are ignored, so the PCI core sizes no BAR and enables nothing.
 * The device gets a driver_override that no PCI driver matches: the
 * function drives it, no PCI driver must bind it.
 */

#include <linux/pci.h>

#include "pci-epf-vntb.h"

#define EPF_VNTB_VBUS_CLASS	(PCI_CLASS_BRIDGE_OTHER << 8)
#define EPF_VNTB_VBUS_OVERRIDE	"pci-epf-vntb"

static int epf_vntb_vbus_read(struct pci_bus *bus, unsigned int devfn,
			      int where, int size, u32 *val)
{
	struct epf_vntb *vntb = bus->sysdata;
	u32 word = 0;

	if (devfn != PCI_DEVFN(0, 0)) {
		PCI_SET_ERROR_RESPONSE(val);
		return PCIBIOS_DEVICE_NOT_FOUND;
	}
	if (where < 0 || where + size > PCI_CFG_SPACE_SIZE) {
		PCI_SET_ERROR_RESPONSE(val);
		return PCIBIOS_BAD_REGISTER_NUMBER;
	}

	/* Beyond the header: zero (no capabilities) */
	if (where < sizeof(vntb->vcfg))
		word = vntb->vcfg[where / sizeof(u32)];
	word >>= 8 * (where & 3);
	*val = size == 4 ? word : word & (BIT(8 * size) - 1);
	return PCIBIOS_SUCCESSFUL;
}

static int epf_vntb_vbus_write(struct pci_bus *bus, unsigned int devfn,
			       int where, int size, u32 val)
{
	if (devfn != PCI_DEVFN(0, 0))
		return PCIBIOS_DEVICE_NOT_FOUND;
	return PCIBIOS_SUCCESSFUL;
}

static struct pci_ops epf_vntb_vbus_ops = {
	.read	= epf_vntb_vbus_read,
	.write	= epf_vntb_vbus_write,
};

static void epf_vntb_vbus_fill_config(struct epf_vntb *vntb)
{
	u32 ids = vntb->cfg.pid << 16 | vntb->cfg.vid;

	memset(vntb->vcfg, 0, sizeof(vntb->vcfg));
	vntb->vcfg[PCI_VENDOR_ID / sizeof(u32)] = ids;
	vntb->vcfg[PCI_CLASS_REVISION / sizeof(u32)] = EPF_VNTB_VBUS_CLASS << 8;
	vntb->vcfg[PCI_CACHE_LINE_SIZE / sizeof(u32)] =
		PCI_HEADER_TYPE_NORMAL << 16;
	vntb->vcfg[PCI_SUBSYSTEM_VENDOR_ID / sizeof(u32)] = ids;
}

/*
 * pci_remove_root_bus() deletes the host bridge that pci_scan_bus() made
 * but leaves its creator's reference, which holds the bridge and its
 * resource windows until put.
 */
static void epf_vntb_vbus_destroy(struct pci_bus *bus)
{
	struct pci_host_bridge *bridge = pci_find_host_bridge(bus);

	pci_lock_rescan_remove();
	pci_stop_root_bus(bus);
	pci_remove_root_bus(bus);
	pci_unlock_rescan_remove();
	pci_free_host_bridge(bridge);
}

/**
 * epf_vntb_vbus_create() - create the virtual bus and its NTB device
 * @vntb: the function, with everything the NTB operations use ready
 *
 * Registering the NTB device probes its clients (ntb_transport) at once.
 *
 * Return: 0, -ENODEV when the bus or its device cannot be created (a bus
 * number already in use, say), or the NTB core's error.
 */
int epf_vntb_vbus_create(struct epf_vntb *vntb)
{
	struct device *dev = epf_vntb_dev(vntb);
	struct pci_dev *pdev;
	int ret;

	epf_vntb_vbus_fill_config(vntb);

	vntb->vbus = pci_scan_bus(vntb->cfg.vbus_number, &epf_vntb_vbus_ops,
				  vntb);
	if (!vntb->vbus) {
		dev_err(dev, "cannot create virtual PCI bus %#x\n",
			vntb->cfg.vbus_number);
		return -ENODEV;
	}

	pdev = pci_get_slot(vntb->vbus, PCI_DEVFN(0, 0));
	if (!pdev) {
		dev_err(dev, "no NTB device found on the virtual bus\n");
		ret = -ENODEV;
		goto destroy;
	}

	ret = device_set_driver_override(&pdev->dev, EPF_VNTB_VBUS_OVERRIDE);
	if (ret) {
		dev_err(dev, "driver_override of %s: %d\n", pci_name(pdev), ret);
		goto put;
	}
	pci_bus_add_devices(vntb->vbus);

	ret = epf_vntb_ntb_register(vntb, pdev);
	if (ret)
		goto put;

	dev_dbg(dev, "NTB device %s on the virtual bus\n", pci_name(pdev));
	return 0;

put:
	pci_dev_put(pdev);
destroy:
	epf_vntb_vbus_destroy(vntb->vbus);
	vntb->vbus = NULL;
	return ret;
}

/**
 * epf_vntb_vbus_remove() - undo epf_vntb_vbus_create()
 * @vntb: the function
 *
 * The NTB clients detach before the bus goes.
 */
void epf_vntb_vbus_remove(struct epf_vntb *vntb)
{
	epf_vntb_ntb_unregister(vntb);
	epf_vntb_vbus_destroy(vntb->vbus);
	vntb->vbus = NULL;
}
