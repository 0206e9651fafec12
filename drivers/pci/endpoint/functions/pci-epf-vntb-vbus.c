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
 *
 * A root bus's sysdata is the architecture's: x86 reads its PCI domain
 * and NUMA node there, arm64 and RISC-V under ACPI read the host
 * bridge's ACPI companion there. So the bus gets the type each expects
 * (struct epf_vntb_sysdata), and a PCI domain that no other bus uses:
 * under device tree the PCI core allocates one (generic PCI domains) and
 * frees it with the bus; on x86 and under ACPI the function takes the
 * lowest free one from EPF_VNTB_VBUS_DOMAIN_FIRST on, past the 16-bit
 * segment numbers of ACPI firmware. Other architectures, which read
 * sysdata as types of their own, get no virtual bus.
 */

#include <linux/acpi.h>
#include <linux/mutex.h>
#include <linux/pci.h>

#include "pci-epf-vntb.h"

#define EPF_VNTB_VBUS_DOMAIN_FIRST	0x10000
#define EPF_VNTB_VBUS_DOMAINS		0x10000

/* A free domain stays free until the bus that chose it is registered */
static DEFINE_MUTEX(epf_vntb_vbus_lock);

static struct epf_vntb *epf_vntb_vbus_of(struct pci_bus *bus)
{
	return container_of(bus->sysdata, struct epf_vntb, vbus_sd);
}

#define EPF_VNTB_VBUS_CLASS	(PCI_CLASS_BRIDGE_OTHER << 8)
#define EPF_VNTB_VBUS_OVERRIDE	"pci-epf-vntb"

static int epf_vntb_vbus_read(struct pci_bus *bus, unsigned int devfn,
			      int where, int size, u32 *val)
{
	struct epf_vntb *vntb = epf_vntb_vbus_of(bus);
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

/* Is @domain any root bus's (and so any bus's)? */
static bool epf_vntb_vbus_domain_used(int domain)
{
	struct pci_bus *bus = NULL;

	while ((bus = pci_find_next_bus(bus)))
		if (pci_domain_nr(bus) == domain)
			return true;
	return false;
}

/*
 * Chooses the bus's PCI domain where the function has to (see the top of
 * the file) and puts it where the architecture reads it.
 */
static int epf_vntb_vbus_domain(struct epf_vntb *vntb,
				struct pci_host_bridge *bridge)
{
	struct device *dev = epf_vntb_dev(vntb);
	int domain;

	lockdep_assert_held(&epf_vntb_vbus_lock);

	if (IS_ENABLED(CONFIG_PCI_DOMAINS_GENERIC) && acpi_disabled)
		return 0;
#if !defined(EPF_VNTB_SYSDATA_X86) && !defined(EPF_VNTB_SYSDATA_ECAM)
	dev_err(dev, "no virtual PCI bus on this architecture%s: its PCI code reads a root bus's sysdata as its own\n",
		acpi_disabled ? "" : " under ACPI");
	return -EOPNOTSUPP;
#endif

	for (domain = EPF_VNTB_VBUS_DOMAIN_FIRST;
	     domain < EPF_VNTB_VBUS_DOMAIN_FIRST + EPF_VNTB_VBUS_DOMAINS;
	     domain++)
		if (!epf_vntb_vbus_domain_used(domain))
			break;
	if (domain == EPF_VNTB_VBUS_DOMAIN_FIRST + EPF_VNTB_VBUS_DOMAINS) {
		dev_err(dev, "no free PCI domain for the virtual bus\n");
		return -ENOSPC;
	}

#if defined(EPF_VNTB_SYSDATA_X86)
	vntb->vbus_sd.sd.domain = domain;
	vntb->vbus_sd.sd.node = dev_to_node(vntb->epf->epc->dev.parent);
#else
	bridge->domain_nr = domain;
#endif
	return 0;
}

/* The host bridge of the virtual bus, registered and scanned */
static struct pci_bus *epf_vntb_vbus_scan(struct epf_vntb *vntb)
{
	struct epf_vntb_sysdata *sd = &vntb->vbus_sd;
	struct device *dev = epf_vntb_dev(vntb);
	struct pci_host_bridge *bridge;
	int ret;

	bridge = pci_alloc_host_bridge(0);
	if (!bridge)
		return NULL;

	memset(sd, 0, sizeof(*sd));
	sd->busn.name = dev_name(dev);
	sd->busn.start = vntb->cfg.vbus_number;
	sd->busn.end = vntb->cfg.vbus_number;
	sd->busn.flags = IORESOURCE_BUS;
	pci_add_resource(&bridge->windows, &sd->busn);
	bridge->sysdata = sd;
	bridge->ops = &epf_vntb_vbus_ops;

	guard(mutex)(&epf_vntb_vbus_lock);
	ret = epf_vntb_vbus_domain(vntb, bridge);
	if (!ret)
		ret = pci_scan_root_bus_bridge(bridge);
	if (ret) {
		pci_free_host_bridge(bridge);
		return NULL;
	}
	return bridge->bus;
}

/*
 * pci_remove_root_bus() deletes the host bridge but leaves its creator's
 * reference, which holds the bridge and its resource windows until put.
 * A domain the PCI core allocated is freed with the bus; one the function
 * chose is free once the bus is gone from the list of buses.
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
 * Return: 0, -ENODEV when the bus or its device cannot be created (no
 * free PCI domain, an architecture without sysdata for it, or no memory),
 * or the NTB core's error.
 */
int epf_vntb_vbus_create(struct epf_vntb *vntb)
{
	struct device *dev = epf_vntb_dev(vntb);
	struct pci_dev *pdev;
	int ret;

	epf_vntb_vbus_fill_config(vntb);

	vntb->vbus = epf_vntb_vbus_scan(vntb);
	if (!vntb->vbus) {
		dev_err(dev, "cannot create virtual PCI bus %#x\n",
			vntb->cfg.vbus_number);
		return -ENODEV;
	}
	dev_info(dev, "virtual PCI bus %04x:%02x\n", pci_domain_nr(vntb->vbus),
		 vntb->vbus->number);

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
