// SPDX-License-Identifier: GPL-2.0
/*
 * Endpoint controller driver for the lab's emulated PCIe endpoint link
 *
 * The lab joins two QEMU machines the way a cable joins two boards (see
 * Documentation/lab/emulated-link.rst). In the endpoint machine, the
 * endpoint controller ("lab-epc") is itself a PCI device: BAR0 holds its
 * registers, BAR2 is the outbound aperture through which the CPU reaches
 * host memory, its MSI vector 0 reports link and MSI configuration
 * changes and its MSI vector 1 is the embedded doorbell's interrupt.
 *
 * It is a PCI device rather than a platform device so that everything the
 * controller does with endpoint memory (host accesses to the BARs the
 * endpoint programmed) is DMA of that device: with an SMMU in the endpoint
 * machine, it is translated and permission-checked exactly like the
 * inbound traffic of a real controller. This is also why the EPC device is
 * created under the pci_dev's device: pci_epf_alloc_space() and
 * dma_map_resource() on epc->dev.parent then go through the IOMMU, and the
 * bus addresses they return are the ones the inbound BARs must target.
 */

#include <linux/bitfield.h>
#include <linux/bitmap.h>
#include <linux/delay.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/io-64-nonatomic-lo-hi.h>
#include <linux/log2.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/pci-ep-doorbell.h>
#include <linux/pci-epc.h>
#include <linux/sizes.h>

/*
 * BAR0 register map; every register is 32 bits wide and must be accessed
 * as such (64-bit quantities are split into _LO/_HI halves).
 *
 *   0x0000 +----------------------------------------+
 *          | identity, link control and status,     |
 *          | events, configuration header, MSI, INTx|
 *   0x0100 +----------------------------------------+
 *          | inbound BAR n = 0..5, 0x20 bytes each  |
 *   0x0300 +----------------------------------------+
 *          | outbound window n = 0..15, 0x20 each   |
 *   0x0500 +----------------------------------------+
 *          | unused                                 |
 *   0x1000 +----------------------------------------+
 *          | embedded doorbell: ring, clear         |
 *   0x2000 +----------------------------------------+
 */
#define LAB_EPC_ID			0x0000
#define  LAB_EPC_ID_MAGIC		0x4c455043	/* "LEPC" */
#define LAB_EPC_VERSION			0x0004
#define  LAB_EPC_VERSION_1		1
#define LAB_EPC_CAPS			0x0008
#define  LAB_EPC_CAPS_OB_WINDOWS	GENMASK(7, 0)
#define  LAB_EPC_CAPS_BAR_PAIRS		BIT(8)
#define  LAB_EPC_CAPS_DOORBELL		BIT(9)
#define  LAB_EPC_CAPS_DB_FIXED		BIT(10)	/* doorbell has a fixed BAR */
#define  LAB_EPC_CAPS_DB_BAR		GENMASK(14, 12)
#define LAB_EPC_APERTURE_LOG2		0x000c
#define LAB_EPC_CTRL			0x0010
#define  LAB_EPC_CTRL_LINK_ENABLE	BIT(0)
#define LAB_EPC_STATUS			0x0014
#define  LAB_EPC_STATUS_LINK_UP		BIT(0)
#define  LAB_EPC_STATUS_HOST_CONNECTED	BIT(1)
#define LAB_EPC_EVENT			0x0018	/* write 1 to clear */
#define LAB_EPC_EVENT_MASK		0x001c	/* 1: raise MSI vector 0 */
#define  LAB_EPC_EVENT_LINK_CHANGE	BIT(0)
#define  LAB_EPC_EVENT_HOST_MSI_CHANGE	BIT(1)
#define  LAB_EPC_EVENT_ALL		(LAB_EPC_EVENT_LINK_CHANGE | \
					 LAB_EPC_EVENT_HOST_MSI_CHANGE)
#define LAB_EPC_HDR_ID			0x0020
#define  LAB_EPC_HDR_ID_VENDOR		GENMASK(15, 0)
#define  LAB_EPC_HDR_ID_DEVICE		GENMASK(31, 16)
#define LAB_EPC_HDR_CLASS		0x0024
#define  LAB_EPC_HDR_CLASS_REVISION	GENMASK(7, 0)
#define  LAB_EPC_HDR_CLASS_PROGIF	GENMASK(15, 8)
#define  LAB_EPC_HDR_CLASS_SUB		GENMASK(23, 16)
#define  LAB_EPC_HDR_CLASS_BASE		GENMASK(31, 24)
#define LAB_EPC_HDR_SUBSYS		0x0028
#define  LAB_EPC_HDR_SUBSYS_VENDOR	GENMASK(15, 0)
#define  LAB_EPC_HDR_SUBSYS_ID		GENMASK(31, 16)
#define LAB_EPC_HDR_MISC		0x002c
#define  LAB_EPC_HDR_MISC_INT_PIN	GENMASK(7, 0)
#define LAB_EPC_MSI_CAP			0x0030
#define  LAB_EPC_MSI_CAP_LOG2		GENMASK(2, 0)
#define  LAB_EPC_MSI_MAX_LOG2		5	/* 32 vectors, as in PCI */
#define LAB_EPC_HOST_MSI		0x0034
#define  LAB_EPC_HOST_MSI_LOG2		GENMASK(2, 0)
#define  LAB_EPC_HOST_MSI_ENABLED	BIT(31)
#define LAB_EPC_MSI_RAISE		0x0038	/* 0-based vector number */
#define LAB_EPC_INTX			0x003c
#define  LAB_EPC_INTX_ASSERT		BIT(0)

/* Inbound BAR n: what host accesses to the function's BAR n reach */
#define LAB_EPC_IB(n)			(0x0100 + 0x20 * (n))
#define  LAB_EPC_IB_TARGET		0x00	/* _LO, then _HI at +4 */
#define  LAB_EPC_IB_SIZE		0x08	/* _LO, then _HI at +4 */
#define  LAB_EPC_IB_FLAGS		0x10	/* writing it commits the entry */
#define   LAB_EPC_IB_FLAGS_ENABLE	BIT(0)
#define   LAB_EPC_IB_FLAGS_MEM64	BIT(1)
#define   LAB_EPC_IB_FLAGS_PREFETCH	BIT(2)
#define  LAB_EPC_IB_SIZE_MIN		SZ_128
#define  LAB_EPC_IB_SIZE_MAX		SZ_1G
#define  LAB_EPC_IB_ALIGN		SZ_4K

/* Outbound window n: a slice of the aperture mapped onto host memory */
#define LAB_EPC_OB(n)			(0x0300 + 0x20 * (n))
#define  LAB_EPC_OB_APER		0x00	/* _LO, then _HI at +4 */
#define  LAB_EPC_OB_PCI			0x08	/* _LO, then _HI at +4 */
#define  LAB_EPC_OB_SIZE		0x10	/* _LO, then _HI at +4 */
#define  LAB_EPC_OB_CTRL		0x18	/* writing it commits the entry */
#define   LAB_EPC_OB_CTRL_ENABLE	BIT(0)
#define  LAB_EPC_OB_MAX			16	/* room in the register map */
#define  LAB_EPC_OB_PAGE_SIZE		SZ_4K	/* aperture allocation unit */

/*
 * The embedded doorbell, with the semantics of DesignWare's eDMA interrupt
 * emulation: any 32-bit write to DB_RING asserts a level interrupt (MSI
 * vector 1, sent when the level rises) and does nothing else; any write to
 * DB_CLEAR deasserts it. The host reaches DB_RING through a BAR: the
 * controller's fixed doorbell BAR (CAPS.DB_FIXED, at offset 0), or one
 * that a function maps inbound onto DB_RING's DMA address.
 */
#define LAB_EPC_DB_RING			0x1000
#define  LAB_EPC_DB_RING_ASSERTED	BIT(0)	/* read: the level */
#define LAB_EPC_DB_CLEAR		0x1004
#define  LAB_EPC_DB_DATA		0	/* any value rings */
#define  LAB_EPC_DB_BAR_OFFSET		0	/* of DB_RING in the fixed BAR */

/* PCI identity of the controller in the endpoint machine */
#define LAB_EPC_PCI_VENDOR_ID		0x1234	/* QEMU's, unnamed upstream */
#define LAB_EPC_PCI_DEVICE_ID		0xe9c1

#define LAB_EPC_REGS_BAR		0
#define LAB_EPC_APERTURE_BAR		2

/* MSI vectors of the controller itself, towards the endpoint's CPUs */
enum lab_epc_vector {
	LAB_EPC_VEC_EVENTS,		/* EVENT register */
	LAB_EPC_VEC_DOORBELL,		/* embedded doorbell, shared */
	LAB_EPC_NR_VECTORS,
};

/*
 * How long an INTx "edge" keeps the pin asserted: long enough for the
 * host to latch the level before the deassertion follows it on the link.
 */
#define LAB_EPC_INTX_PULSE_MIN_US	1000
#define LAB_EPC_INTX_PULSE_MAX_US	2000

/**
 * struct lab_epc - one lab endpoint controller
 * @pdev: the controller, a PCI device of the endpoint machine
 * @regs: BAR0 registers
 * @epc: the endpoint controller registered with the EPC core
 * @aperture: CPU physical address of the outbound aperture (BAR2)
 * @aperture_size: size of the aperture in bytes
 * @num_ob: number of outbound windows the controller implements
 * @features: what the functions may use; per device, since the BARs
 *	depend on the controller's configuration (CAPS)
 * @has_doorbell: the controller has the embedded doorbell
 * @db_bar: the BAR the controller fixes onto its doorbell, or NO_BAR
 * @db_res: the doorbell, as registered with the doorbell layer
 * @lock: serialises the programming of inbound and outbound entries,
 *	whose registers are staged and then committed by a single write,
 *	and protects @bar_flags, @ob_used and @ob_phys. The EPC core calls
 *	the ops with epc->lock held, but remove() resets the entries
 *	outside of it.
 * @bar_flags: FLAGS value committed for each inbound BAR, 0 when cleared
 * @ob_used: outbound windows in use
 * @ob_phys: aperture address at which each window in use starts
 * @link_up: link state last reported to the EPC core; only the event
 *	thread uses it once the event interrupt is requested
 */
struct lab_epc {
	struct pci_dev *pdev;
	void __iomem *regs;
	struct pci_epc *epc;
	phys_addr_t aperture;
	resource_size_t aperture_size;
	unsigned int num_ob;
	struct pci_epc_features features;
	bool has_doorbell;
	enum pci_barno db_bar;
	struct pci_ep_aux_resource db_res;

	/* staged entry registers and the tables below, see @lock */
	struct mutex lock;
	u32 bar_flags[PCI_STD_NUM_BARS];
	DECLARE_BITMAP(ob_used, LAB_EPC_OB_MAX);
	phys_addr_t ob_phys[LAB_EPC_OB_MAX];

	bool link_up;
};

static u32 lab_epc_readl(struct lab_epc *lab, u32 reg)
{
	return readl(lab->regs + reg);
}

static void lab_epc_writel(struct lab_epc *lab, u32 reg, u32 val)
{
	writel(val, lab->regs + reg);
}

/* 64-bit quantities: the controller takes 32-bit accesses only */
static void lab_epc_writeq(struct lab_epc *lab, u32 reg, u64 val)
{
	lo_hi_writeq(val, lab->regs + reg);
}

static struct device *lab_epc_dev(struct lab_epc *lab)
{
	return &lab->pdev->dev;
}

static int lab_epc_write_header(struct pci_epc *epc, u8 func_no, u8 vfunc_no,
				struct pci_epf_header *hdr)
{
	struct lab_epc *lab = epc_get_drvdata(epc);

	if (hdr->interrupt_pin > PCI_INTERRUPT_INTD) {
		dev_err(lab_epc_dev(lab), "invalid interrupt pin %d\n",
			hdr->interrupt_pin);
		return -EINVAL;
	}

	/* The controller has no cache line size register: it is not kept */
	lab_epc_writel(lab, LAB_EPC_HDR_ID,
		       FIELD_PREP(LAB_EPC_HDR_ID_VENDOR, hdr->vendorid) |
		       FIELD_PREP(LAB_EPC_HDR_ID_DEVICE, hdr->deviceid));
	lab_epc_writel(lab, LAB_EPC_HDR_CLASS,
		       FIELD_PREP(LAB_EPC_HDR_CLASS_REVISION, hdr->revid) |
		       FIELD_PREP(LAB_EPC_HDR_CLASS_PROGIF, hdr->progif_code) |
		       FIELD_PREP(LAB_EPC_HDR_CLASS_SUB, hdr->subclass_code) |
		       FIELD_PREP(LAB_EPC_HDR_CLASS_BASE, hdr->baseclass_code));
	lab_epc_writel(lab, LAB_EPC_HDR_SUBSYS,
		       FIELD_PREP(LAB_EPC_HDR_SUBSYS_VENDOR,
				  hdr->subsys_vendor_id) |
		       FIELD_PREP(LAB_EPC_HDR_SUBSYS_ID, hdr->subsys_id));
	lab_epc_writel(lab, LAB_EPC_HDR_MISC,
		       FIELD_PREP(LAB_EPC_HDR_MISC_INT_PIN, hdr->interrupt_pin));

	dev_dbg(lab_epc_dev(lab), "header %04x:%04x class %02x%02x%02x pin %d\n",
		hdr->vendorid, hdr->deviceid, hdr->baseclass_code,
		hdr->subclass_code, hdr->progif_code, hdr->interrupt_pin);

	return 0;
}

/*
 * Check that a 64-bit BAR and its upper half do not collide with another
 * enabled BAR. Called with lab->lock held.
 */
static int lab_epc_check_bar_pair(struct lab_epc *lab, enum pci_barno bar,
				  bool mem64)
{
	struct device *dev = lab_epc_dev(lab);

	if (mem64 && bar == BAR_5) {
		dev_err(dev, "BAR%d cannot be 64-bit: it is the last one\n", bar);
		return -EINVAL;
	}

	if (bar > BAR_0 &&
	    (lab->bar_flags[bar - 1] & LAB_EPC_IB_FLAGS_MEM64)) {
		dev_err(dev, "BAR%d is the upper half of 64-bit BAR%d\n",
			bar, bar - 1);
		return -EINVAL;
	}

	if (mem64 && lab->bar_flags[bar + 1]) {
		dev_err(dev, "64-bit BAR%d needs BAR%d, which is in use\n",
			bar, bar + 1);
		return -EINVAL;
	}

	return 0;
}

static int lab_epc_set_bar(struct pci_epc *epc, u8 func_no, u8 vfunc_no,
			   struct pci_epf_bar *epf_bar)
{
	struct lab_epc *lab = epc_get_drvdata(epc);
	struct device *dev = lab_epc_dev(lab);
	enum pci_barno bar = epf_bar->barno;
	bool mem64 = epf_bar->flags & PCI_BASE_ADDRESS_MEM_TYPE_64;
	u32 flags = LAB_EPC_IB_FLAGS_ENABLE;
	u32 reg;
	int ret;

	if (bar < BAR_0 || bar > BAR_5) {
		dev_err(dev, "invalid BAR number %d\n", bar);
		return -EINVAL;
	}

	if (lab->features.bar[bar].type == BAR_RESERVED) {
		dev_err(dev, "BAR%d is reserved on this controller\n", bar);
		return -EINVAL;
	}

	if (epf_bar->flags & PCI_BASE_ADDRESS_SPACE_IO) {
		dev_err(dev, "BAR%d: I/O BARs are not supported\n", bar);
		return -EINVAL;
	}

	if (!is_power_of_2(epf_bar->size) ||
	    epf_bar->size < LAB_EPC_IB_SIZE_MIN ||
	    epf_bar->size > LAB_EPC_IB_SIZE_MAX) {
		dev_err(dev, "BAR%d: invalid size %#zx\n", bar, epf_bar->size);
		return -EINVAL;
	}

	if (lab->features.bar[bar].type == BAR_FIXED &&
	    epf_bar->size != lab->features.bar[bar].fixed_size) {
		dev_err(dev, "BAR%d: size %#zx, but the BAR is fixed at %#llx\n",
			bar, epf_bar->size, lab->features.bar[bar].fixed_size);
		return -EINVAL;
	}

	if (!IS_ALIGNED(epf_bar->phys_addr, LAB_EPC_IB_ALIGN)) {
		dev_err(dev, "BAR%d: target %pad is not %#x aligned\n", bar,
			&epf_bar->phys_addr, LAB_EPC_IB_ALIGN);
		return -EINVAL;
	}

	/*
	 * On a controller with 64-bit BARs only, the BAR's type is fixed by
	 * the hardware whatever the function asked for (pci-epf-vntb asks
	 * for 32-bit memory windows when they are small).
	 */
	if (lab->features.bar[bar].only_64bit)
		mem64 = true;

	reg = LAB_EPC_IB(bar);
	if (mem64)
		flags |= LAB_EPC_IB_FLAGS_MEM64;
	if (epf_bar->flags & PCI_BASE_ADDRESS_MEM_PREFETCH)
		flags |= LAB_EPC_IB_FLAGS_PREFETCH;

	mutex_lock(&lab->lock);

	ret = lab_epc_check_bar_pair(lab, bar, mem64);
	if (ret)
		goto unlock;

	/*
	 * Rewriting an enabled BAR moves it: the EPF drivers call set_bar()
	 * again with a new target (e.g. pci-epf-vntb's memory windows).
	 */
	lab_epc_writeq(lab, reg + LAB_EPC_IB_TARGET, epf_bar->phys_addr);
	lab_epc_writeq(lab, reg + LAB_EPC_IB_SIZE, epf_bar->size);
	lab_epc_writel(lab, reg + LAB_EPC_IB_FLAGS, flags);

	/*
	 * FLAGS reads back the committed state, and a refused commit leaves
	 * the entry as it was. The checks above match the controller's, so
	 * this only catches a controller that disagrees with the driver.
	 */
	if (lab_epc_readl(lab, reg + LAB_EPC_IB_FLAGS) != flags) {
		dev_err(dev, "BAR%d: controller refused target %pad size %#zx flags %#x\n",
			bar, &epf_bar->phys_addr, epf_bar->size, flags);
		ret = -EIO;
		goto unlock;
	}

	lab->bar_flags[bar] = flags;
	dev_dbg(dev, "BAR%d: %#zx bytes at %pad, flags %#x\n", bar,
		epf_bar->size, &epf_bar->phys_addr, flags);

unlock:
	mutex_unlock(&lab->lock);
	return ret;
}

static void lab_epc_disable_bar(struct lab_epc *lab, enum pci_barno bar)
{
	lab_epc_writel(lab, LAB_EPC_IB(bar) + LAB_EPC_IB_FLAGS, 0);
	lab->bar_flags[bar] = 0;
}

static void lab_epc_clear_bar(struct pci_epc *epc, u8 func_no, u8 vfunc_no,
			      struct pci_epf_bar *epf_bar)
{
	struct lab_epc *lab = epc_get_drvdata(epc);

	if (epf_bar->barno < BAR_0 || epf_bar->barno > BAR_5 ||
	    lab->features.bar[epf_bar->barno].type == BAR_RESERVED) {
		dev_err(lab_epc_dev(lab), "cannot clear BAR%d\n",
			epf_bar->barno);
		return;
	}

	mutex_lock(&lab->lock);
	lab_epc_disable_bar(lab, epf_bar->barno);
	mutex_unlock(&lab->lock);

	dev_dbg(lab_epc_dev(lab), "BAR%d: cleared\n", epf_bar->barno);
}

static int lab_epc_map_addr(struct pci_epc *epc, u8 func_no, u8 vfunc_no,
			    phys_addr_t addr, u64 pci_addr, size_t size)
{
	struct lab_epc *lab = epc_get_drvdata(epc);
	struct device *dev = lab_epc_dev(lab);
	u64 offset = addr - lab->aperture;
	unsigned int win;
	u32 reg;
	int ret = 0;

	if (addr < lab->aperture || offset >= lab->aperture_size || !size ||
	    size > lab->aperture_size - offset) {
		dev_err(dev, "outbound range %pa+%#zx is not in the aperture\n",
			&addr, size);
		return -EINVAL;
	}

	mutex_lock(&lab->lock);

	win = find_first_zero_bit(lab->ob_used, lab->num_ob);
	if (win >= lab->num_ob) {
		dev_err(dev, "all %u outbound windows are in use\n",
			lab->num_ob);
		ret = -ENOSPC;
		goto unlock;
	}

	reg = LAB_EPC_OB(win);
	lab_epc_writeq(lab, reg + LAB_EPC_OB_APER, offset);
	lab_epc_writeq(lab, reg + LAB_EPC_OB_PCI, pci_addr);
	lab_epc_writeq(lab, reg + LAB_EPC_OB_SIZE, size);
	lab_epc_writel(lab, reg + LAB_EPC_OB_CTRL, LAB_EPC_OB_CTRL_ENABLE);

	/* The window was free: a refused commit leaves it disabled */
	if (!(lab_epc_readl(lab, reg + LAB_EPC_OB_CTRL) &
	      LAB_EPC_OB_CTRL_ENABLE)) {
		dev_err(dev, "window %u: controller refused %pa -> %#llx size %#zx\n",
			win, &addr, pci_addr, size);
		ret = -EIO;
		goto unlock;
	}

	set_bit(win, lab->ob_used);
	lab->ob_phys[win] = addr;
	dev_dbg(dev, "window %u: %pa -> %#llx, %#zx bytes\n", win, &addr,
		pci_addr, size);

unlock:
	mutex_unlock(&lab->lock);
	return ret;
}

static void lab_epc_unmap_addr(struct pci_epc *epc, u8 func_no, u8 vfunc_no,
			       phys_addr_t addr)
{
	struct lab_epc *lab = epc_get_drvdata(epc);
	unsigned int win;

	mutex_lock(&lab->lock);
	for_each_set_bit(win, lab->ob_used, lab->num_ob) {
		if (lab->ob_phys[win] != addr)
			continue;

		lab_epc_writel(lab, LAB_EPC_OB(win) + LAB_EPC_OB_CTRL, 0);
		clear_bit(win, lab->ob_used);
		mutex_unlock(&lab->lock);
		dev_dbg(lab_epc_dev(lab), "window %u: unmapped\n", win);
		return;
	}
	mutex_unlock(&lab->lock);

	dev_err(lab_epc_dev(lab), "no outbound window maps %pa\n", &addr);
}

/* The EPC core passes and expects log2 of the number of vectors */
static int lab_epc_set_msi(struct pci_epc *epc, u8 func_no, u8 vfunc_no,
			   u8 log2_vectors)
{
	struct lab_epc *lab = epc_get_drvdata(epc);

	if (log2_vectors > LAB_EPC_MSI_MAX_LOG2) {
		dev_err(lab_epc_dev(lab), "cannot offer 2^%u MSI vectors\n",
			log2_vectors);
		return -EINVAL;
	}

	lab_epc_writel(lab, LAB_EPC_MSI_CAP,
		       FIELD_PREP(LAB_EPC_MSI_CAP_LOG2, log2_vectors));
	dev_dbg(lab_epc_dev(lab), "offering %u MSI vectors\n",
		1U << log2_vectors);

	return 0;
}

static int lab_epc_get_msi(struct pci_epc *epc, u8 func_no, u8 vfunc_no)
{
	struct lab_epc *lab = epc_get_drvdata(epc);
	u32 host_msi = lab_epc_readl(lab, LAB_EPC_HOST_MSI);

	if (!(host_msi & LAB_EPC_HOST_MSI_ENABLED))
		return -EINVAL;

	return FIELD_GET(LAB_EPC_HOST_MSI_LOG2, host_msi);
}

static int lab_epc_raise_intx(struct lab_epc *lab)
{
	u32 misc = lab_epc_readl(lab, LAB_EPC_HDR_MISC);

	if (!FIELD_GET(LAB_EPC_HDR_MISC_INT_PIN, misc)) {
		dev_err(lab_epc_dev(lab), "no INTx pin in the header\n");
		return -EINVAL;
	}

	lab_epc_writel(lab, LAB_EPC_INTX, LAB_EPC_INTX_ASSERT);
	usleep_range(LAB_EPC_INTX_PULSE_MIN_US, LAB_EPC_INTX_PULSE_MAX_US);
	lab_epc_writel(lab, LAB_EPC_INTX, 0);

	return 0;
}

static int lab_epc_raise_msi(struct lab_epc *lab, u16 interrupt_num)
{
	u32 host_msi = lab_epc_readl(lab, LAB_EPC_HOST_MSI);
	unsigned int count;

	if (!(host_msi & LAB_EPC_HOST_MSI_ENABLED)) {
		dev_err_ratelimited(lab_epc_dev(lab),
				    "MSI %u: the host has not enabled MSI\n",
				    interrupt_num);
		return -EINVAL;
	}

	/* The core numbers vectors from 1, the controller from 0 */
	count = 1U << FIELD_GET(LAB_EPC_HOST_MSI_LOG2, host_msi);
	if (!interrupt_num || interrupt_num > count) {
		dev_err_ratelimited(lab_epc_dev(lab),
				    "MSI %u out of range 1..%u\n",
				    interrupt_num, count);
		return -EINVAL;
	}

	lab_epc_writel(lab, LAB_EPC_MSI_RAISE, interrupt_num - 1);

	return 0;
}

static int lab_epc_raise_irq(struct pci_epc *epc, u8 func_no, u8 vfunc_no,
			     unsigned int type, u16 interrupt_num)
{
	struct lab_epc *lab = epc_get_drvdata(epc);

	switch (type) {
	case PCI_IRQ_INTX:
		return lab_epc_raise_intx(lab);
	case PCI_IRQ_MSI:
		return lab_epc_raise_msi(lab, interrupt_num);
	default:
		/* MSI-X is not modelled by the controller */
		dev_err(lab_epc_dev(lab), "unsupported IRQ type %u\n", type);
		return -EINVAL;
	}
}

static int lab_epc_start(struct pci_epc *epc)
{
	struct lab_epc *lab = epc_get_drvdata(epc);

	/* The link comes up once a host connects: the event tells us */
	lab_epc_writel(lab, LAB_EPC_CTRL, LAB_EPC_CTRL_LINK_ENABLE);
	dev_dbg(lab_epc_dev(lab), "link enabled\n");

	return 0;
}

static void lab_epc_stop(struct pci_epc *epc)
{
	struct lab_epc *lab = epc_get_drvdata(epc);

	lab_epc_writel(lab, LAB_EPC_CTRL, 0);
	dev_dbg(lab_epc_dev(lab), "link disabled\n");
}

/*
 * The two shapes of the controller, copied into each device's features at
 * probe, where the fixed doorbell BAR, if any, is marked reserved.
 *
 * Every BAR is programmable, 32- or 64-bit, with any power-of-two size
 * from LAB_EPC_IB_SIZE_MIN to LAB_EPC_IB_SIZE_MAX (set_bar() refuses the
 * others: the core has no field to express those bounds).
 */
static const struct pci_epc_features lab_epc_features = {
	.linkup_notifier = true,
	.msi_capable = true,
	.msix_capable = false,
	.bar = {
		[BAR_0] = { .type = BAR_PROGRAMMABLE },
		[BAR_1] = { .type = BAR_PROGRAMMABLE },
		[BAR_2] = { .type = BAR_PROGRAMMABLE },
		[BAR_3] = { .type = BAR_PROGRAMMABLE },
		[BAR_4] = { .type = BAR_PROGRAMMABLE },
		[BAR_5] = { .type = BAR_PROGRAMMABLE },
	},
	.align = LAB_EPC_IB_ALIGN,
};

/*
 * The same controller built with 64-bit BARs only (CAPS.BAR_PAIRS), like
 * the i.MX8 and R-Car S4 ones: BAR0, BAR2 and BAR4, each with the next
 * BAR as its upper half. Upstream's pci-epf-vntb and ntb_hw_epf agree on
 * their BAR layout only on such a controller.
 */
static const struct pci_epc_features lab_epc_features_bar_pairs = {
	.linkup_notifier = true,
	.msi_capable = true,
	.msix_capable = false,
	.bar = {
		[BAR_0] = { .type = BAR_PROGRAMMABLE, .only_64bit = true },
		[BAR_1] = { .type = BAR_RESERVED },
		[BAR_2] = { .type = BAR_PROGRAMMABLE, .only_64bit = true },
		[BAR_3] = { .type = BAR_RESERVED },
		[BAR_4] = { .type = BAR_PROGRAMMABLE, .only_64bit = true },
		[BAR_5] = { .type = BAR_RESERVED },
	},
	.align = LAB_EPC_IB_ALIGN,
};

/*
 * Board personalities (the board parameter): the BARs of a real
 * controller's Linux 6.12 feature table (drivers/pci/controller/dwc/),
 * so that functions meet its reserved and fixed-size BARs and its
 * alignment in the lab. Only the BARs and the alignment are the board's:
 * link notification and MSI stay the lab's (no MSI-X, which RK3588 has).
 * set_bar() refuses a fixed-size BAR of another size, as such hardware
 * cannot size it otherwise.
 */
struct lab_epc_board {
	const char *name;
	struct pci_epc_bar_desc bar[PCI_STD_NUM_BARS];
	size_t align;
	bool doorbell;		/* the board's controller has one */
	enum pci_barno db_bar;	/* the reserved BAR it sits in, or NO_BAR */
};

#define LAB_EPC_RSVD	{ .type = BAR_RESERVED }
#define LAB_EPC_FIXED(sz)	{ .type = BAR_FIXED, .fixed_size = (sz) }

static const struct lab_epc_board lab_epc_boards[] = {
	{	/* pcie-rcar-gen4.c; eDMA doorbell, mapped */
		.name = "rcar-s4",
		.bar = { [BAR_1] = LAB_EPC_RSVD, [BAR_3] = LAB_EPC_RSVD,
			 [BAR_4] = LAB_EPC_FIXED(SZ_256),
			 [BAR_5] = LAB_EPC_RSVD },
		.align = SZ_4K, .doorbell = true, .db_bar = NO_BAR,
	}, {	/* pcie-dw-rockchip.c; its registers, doorbell too, in BAR4 */
		.name = "rk3588",
		.bar = { [BAR_0] = LAB_EPC_FIXED(SZ_1M),
			 [BAR_1] = LAB_EPC_FIXED(SZ_1M),
			 [BAR_2] = LAB_EPC_FIXED(SZ_1M),
			 [BAR_3] = LAB_EPC_FIXED(SZ_1M),
			 [BAR_4] = LAB_EPC_RSVD,
			 [BAR_5] = LAB_EPC_FIXED(SZ_1M) },
		.align = SZ_64K, .doorbell = true, .db_bar = BAR_4,
	}, {	/* pci-imx6.c, imx8m_pcie_epc_features; no eDMA block */
		.name = "imx8mm",
		.bar = { [BAR_1] = LAB_EPC_RSVD, [BAR_3] = LAB_EPC_RSVD,
			 [BAR_4] = LAB_EPC_FIXED(SZ_256),
			 [BAR_5] = LAB_EPC_RSVD },
		.align = SZ_64K, .doorbell = false, .db_bar = NO_BAR,
	}, {	/* the same table as i.MX8MM */
		.name = "imx8mp",
		.bar = { [BAR_1] = LAB_EPC_RSVD, [BAR_3] = LAB_EPC_RSVD,
			 [BAR_4] = LAB_EPC_FIXED(SZ_256),
			 [BAR_5] = LAB_EPC_RSVD },
		.align = SZ_64K, .doorbell = false, .db_bar = NO_BAR,
	}, {	/* pci-imx6.c, imx95_pcie_epc_features; eDMA doorbell */
		.name = "imx95",
		.bar = { [BAR_1] = LAB_EPC_FIXED(SZ_64K) },
		.align = SZ_4K, .doorbell = true, .db_bar = NO_BAR,
	},
};

static char *board;
module_param(board, charp, 0444);
MODULE_PARM_DESC(board,
		 "give the controller the BARs of a board's 6.12 feature table: rcar-s4, rk3588, imx8mm, imx8mp or imx95 (default: the lab's own)");

/* The board the parameter names, NULL for none; ERR_PTR for a bad name */
static const struct lab_epc_board *lab_epc_find_board(void)
{
	unsigned int i;

	if (!board || !*board)
		return NULL;
	for (i = 0; i < ARRAY_SIZE(lab_epc_boards); i++)
		if (!strcmp(board, lab_epc_boards[i].name))
			return &lab_epc_boards[i];
	return ERR_PTR(-EINVAL);
}

/*
 * Put the board's BARs in @lab->features. The board's doorbell must be
 * where the controller (QEMU's db-bar) puts it, or it has none.
 */
static int lab_epc_apply_board(struct lab_epc *lab,
			       const struct lab_epc_board *b, u32 caps)
{
	struct device *dev = lab_epc_dev(lab);
	enum pci_barno db_bar = NO_BAR;

	if (caps & LAB_EPC_CAPS_DB_FIXED)
		db_bar = FIELD_GET(LAB_EPC_CAPS_DB_BAR, caps);
	if (b->doorbell && db_bar != b->db_bar) {
		dev_err(dev, "board %s: the controller's doorbell BAR is %d, the board's %d\n",
			b->name, db_bar, b->db_bar);
		return -ENODEV;
	}
	if (caps & LAB_EPC_CAPS_BAR_PAIRS) {
		dev_err(dev, "board %s: the controller has 64-bit BARs only, the board does not\n",
			b->name);
		return -ENODEV;
	}

	memcpy(lab->features.bar, b->bar, sizeof(b->bar));
	lab->features.align = b->align;
	lab->has_doorbell = b->doorbell && (caps & LAB_EPC_CAPS_DOORBELL);
	lab->db_bar = lab->has_doorbell ? db_bar : NO_BAR;
	dev_info(dev, "board %s: BARs and alignment of its Linux 6.12 feature table, %s\n",
		 b->name, lab->has_doorbell ? "with its doorbell" :
		 "no doorbell");
	return 0;
}

static const struct pci_epc_features *
lab_epc_get_features(struct pci_epc *epc, u8 func_no, u8 vfunc_no)
{
	struct lab_epc *lab = epc_get_drvdata(epc);

	return &lab->features;
}

static const struct pci_epc_ops lab_epc_ops = {
	.write_header	= lab_epc_write_header,
	.set_bar	= lab_epc_set_bar,
	.clear_bar	= lab_epc_clear_bar,
	.map_addr	= lab_epc_map_addr,
	.unmap_addr	= lab_epc_unmap_addr,
	.set_msi	= lab_epc_set_msi,
	.get_msi	= lab_epc_get_msi,
	.raise_irq	= lab_epc_raise_irq,
	.start		= lab_epc_start,
	.stop		= lab_epc_stop,
	.get_features	= lab_epc_get_features,
	.owner		= THIS_MODULE,
};

/* Tell the functions about a change of STATUS.LINK_UP */
static void lab_epc_link_event(struct lab_epc *lab)
{
	struct device *dev = lab_epc_dev(lab);
	u32 status = lab_epc_readl(lab, LAB_EPC_STATUS);
	bool up = status & LAB_EPC_STATUS_LINK_UP;

	if (up == lab->link_up) {
		/*
		 * The link went down and up again before we read STATUS:
		 * the functions must still see it go down (they reset their
		 * state then), unless they already believe it is down.
		 */
		if (!up)
			return;
		dev_dbg(dev, "link bounced (status %#x)\n", status);
		pci_epc_linkdown(lab->epc);
		pci_epc_linkup(lab->epc);
		return;
	}

	lab->link_up = up;
	dev_dbg(dev, "link %s (status %#x)\n", up ? "up" : "down", status);
	if (up)
		pci_epc_linkup(lab->epc);
	else
		pci_epc_linkdown(lab->epc);
}

/*
 * Threaded: the EPC core's notifiers take mutexes and the functions'
 * link handlers may sleep.
 */
static irqreturn_t lab_epc_event_thread(int irq, void *data)
{
	struct lab_epc *lab = data;
	irqreturn_t ret = IRQ_NONE;
	u32 events;

	/*
	 * Acknowledge before handling: a change that happens after we read
	 * the state sets the event again and raises a new interrupt.
	 */
	for (;;) {
		events = lab_epc_readl(lab, LAB_EPC_EVENT);
		if (PCI_POSSIBLE_ERROR(events)) {
			dev_err(lab_epc_dev(lab), "controller not responding\n");
			break;
		}
		events &= LAB_EPC_EVENT_ALL;
		if (!events)
			break;

		lab_epc_writel(lab, LAB_EPC_EVENT, events);
		ret = IRQ_HANDLED;

		if (events & LAB_EPC_EVENT_LINK_CHANGE)
			lab_epc_link_event(lab);

		if (events & LAB_EPC_EVENT_HOST_MSI_CHANGE)
			dev_dbg(lab_epc_dev(lab), "host MSI now %#x\n",
				lab_epc_readl(lab, LAB_EPC_HOST_MSI));
	}

	return ret;
}

static int lab_epc_read_caps(struct lab_epc *lab)
{
	const struct lab_epc_board *b;
	struct device *dev = lab_epc_dev(lab);
	u32 id = lab_epc_readl(lab, LAB_EPC_ID);
	u32 version = lab_epc_readl(lab, LAB_EPC_VERSION);
	u32 caps;

	if (id != LAB_EPC_ID_MAGIC) {
		dev_err(dev, "unexpected ID %#x (expected %#x)\n", id,
			LAB_EPC_ID_MAGIC);
		return -ENODEV;
	}

	if (version != LAB_EPC_VERSION_1) {
		dev_err(dev, "unsupported version %u (expected %u)\n", version,
			LAB_EPC_VERSION_1);
		return -ENODEV;
	}

	caps = lab_epc_readl(lab, LAB_EPC_CAPS);
	lab->features = caps & LAB_EPC_CAPS_BAR_PAIRS ?
			lab_epc_features_bar_pairs : lab_epc_features;
	b = lab_epc_find_board();
	if (IS_ERR(b)) {
		dev_err(dev, "board=%s: not one of rcar-s4, rk3588, imx8mm, imx8mp, imx95\n",
			board);
		return -EINVAL;
	}
	lab->num_ob = FIELD_GET(LAB_EPC_CAPS_OB_WINDOWS, caps);
	if (!lab->num_ob || lab->num_ob > LAB_EPC_OB_MAX) {
		dev_err(dev, "invalid number of outbound windows %u\n",
			lab->num_ob);
		return -ENODEV;
	}

	if (b)
		return lab_epc_apply_board(lab, b, caps);

	lab->has_doorbell = caps & LAB_EPC_CAPS_DOORBELL;
	lab->db_bar = NO_BAR;
	if (lab->has_doorbell && (caps & LAB_EPC_CAPS_DB_FIXED)) {
		lab->db_bar = FIELD_GET(LAB_EPC_CAPS_DB_BAR, caps);
		if (lab->db_bar > BAR_5 ||
		    lab->features.bar[lab->db_bar].type == BAR_RESERVED) {
			dev_err(dev, "invalid fixed doorbell BAR%d (caps %#x)\n",
				lab->db_bar, caps);
			return -ENODEV;
		}
		/* The function drivers must leave it alone */
		lab->features.bar[lab->db_bar].type = BAR_RESERVED;
	}

	return 0;
}

/* Claim the aperture and check it against what the controller reports */
static int lab_epc_init_aperture(struct lab_epc *lab)
{
	struct pci_dev *pdev = lab->pdev;
	struct device *dev = &pdev->dev;
	u32 log2_size = lab_epc_readl(lab, LAB_EPC_APERTURE_LOG2);
	int ret;

	ret = pcim_request_region(pdev, LAB_EPC_APERTURE_BAR, KBUILD_MODNAME);
	if (ret) {
		dev_err(dev, "cannot claim the aperture: %d\n", ret);
		return ret;
	}

	lab->aperture = pci_resource_start(pdev, LAB_EPC_APERTURE_BAR);
	lab->aperture_size = pci_resource_len(pdev, LAB_EPC_APERTURE_BAR);
	if (!is_power_of_2(lab->aperture_size) ||
	    ilog2(lab->aperture_size) != log2_size) {
		dev_err(dev, "aperture of %pa bytes, controller says 2^%u\n",
			&lab->aperture_size, log2_size);
		return -ENODEV;
	}

	return 0;
}

/* Put the controller in its reset state: link down, nothing mapped */
static void lab_epc_reset(struct lab_epc *lab)
{
	enum pci_barno bar;
	unsigned int win;

	lab_epc_writel(lab, LAB_EPC_EVENT_MASK, 0);
	lab_epc_writel(lab, LAB_EPC_CTRL, 0);
	lab_epc_writel(lab, LAB_EPC_INTX, 0);

	mutex_lock(&lab->lock);
	for (bar = BAR_0; bar < PCI_STD_NUM_BARS; bar++) {
		if (bar != lab->db_bar)
			lab_epc_disable_bar(lab, bar);
	}
	/*
	 * The fixed doorbell BAR stays enabled; recording its flags makes
	 * lab_epc_check_bar_pair() refuse a 64-bit BAR that overlaps it.
	 */
	if (lab->db_bar != NO_BAR)
		lab->bar_flags[lab->db_bar] =
			lab_epc_readl(lab, LAB_EPC_IB(lab->db_bar) +
				      LAB_EPC_IB_FLAGS);
	for (win = 0; win < lab->num_ob; win++)
		lab_epc_writel(lab, LAB_EPC_OB(win) + LAB_EPC_OB_CTRL, 0);
	bitmap_zero(lab->ob_used, LAB_EPC_OB_MAX);
	mutex_unlock(&lab->lock);

	lab_epc_writel(lab, LAB_EPC_EVENT, LAB_EPC_EVENT_ALL);
	if (lab->has_doorbell)
		lab_epc_writel(lab, LAB_EPC_DB_CLEAR, 0);
}

/*
 * The doorbell's interrupt: MSI vector 1, sent each time the doorbell's
 * level rises. The functions that allocated a doorbell request the same
 * vector with IRQF_SHARED; this handler was requested before the doorbell
 * was registered with the doorbell layer, so it is first in the vector's
 * chain and lowers the level before any function looks for work.
 *
 * That order is what loses no kick: a ring that comes after the clear
 * raises the level again and sends a new MSI, which runs the chain again
 * (the irqchip replays an MSI that arrives while the chain runs); a ring
 * that comes before the clear sends nothing, but the function's handler,
 * which runs after the clear, sees the work it announced.
 *
 * Only this handler lowers the level, so every MSI finds it raised and is
 * claimed here: the functions' handlers may return IRQ_NONE when a kick
 * brought no new work, and the vector still never looks like one that
 * nobody cares about.
 */
static irqreturn_t lab_epc_db_irq(int irq, void *data)
{
	struct lab_epc *lab = data;
	u32 ring = lab_epc_readl(lab, LAB_EPC_DB_RING);

	if (PCI_POSSIBLE_ERROR(ring) || !(ring & LAB_EPC_DB_RING_ASSERTED))
		return IRQ_NONE;

	lab_epc_writel(lab, LAB_EPC_DB_CLEAR, 0);
	/*
	 * Flush the posted clear before the functions look for work, so that
	 * a ring their look misses reaches a low level and sends a new MSI.
	 * readl() also orders their memory reads after the clear.
	 */
	lab_epc_readl(lab, LAB_EPC_DB_RING);

	return IRQ_HANDLED;
}

/*
 * Acknowledge the doorbell, and describe it to the doorbell layer: the
 * functions learn from it where the host rings (the fixed BAR, or the
 * register's address to map a BAR onto) and which interrupt follows.
 * pci_ep_aux_register() names this module as the doorbell's owner: the
 * layer keeps it loaded while a function holds the doorbell, so that
 * lab_epc_db_irq() stays in the chain as long as the function's handler.
 */
static int lab_epc_init_doorbell(struct lab_epc *lab)
{
	struct pci_dev *pdev = lab->pdev;
	struct device *dev = &pdev->dev;
	struct pci_ep_aux_resource *res = &lab->db_res;
	int irq = pci_irq_vector(pdev, LAB_EPC_VEC_DOORBELL);
	int ret;

	if (!lab->has_doorbell)
		return 0;

	if (irq < 0)
		return irq;

	ret = request_irq(irq, lab_epc_db_irq, IRQF_SHARED, dev_name(dev), lab);
	if (ret) {
		dev_err(dev, "cannot request the doorbell interrupt: %d\n", ret);
		return ret;
	}

	res->type = PCI_EP_AUX_DOORBELL_MMIO;
	res->phys_addr = pci_resource_start(pdev, LAB_EPC_REGS_BAR) +
			 LAB_EPC_DB_RING;
	res->size = sizeof(u32);
	res->bar = lab->db_bar;
	res->bar_offset = LAB_EPC_DB_BAR_OFFSET;
	res->u.db.irq = irq;
	res->u.db.irq_flags = IRQF_SHARED;
	res->u.db.data = LAB_EPC_DB_DATA;

	ret = pci_ep_aux_register(dev, res, 1);
	if (ret) {
		dev_err(dev, "cannot register the doorbell: %d\n", ret);
		free_irq(irq, lab);
		return ret;
	}

	dev_dbg(dev, "doorbell at %pa, irq %d, fixed BAR %d\n",
		&res->phys_addr, irq, lab->db_bar);

	return 0;
}

static void lab_epc_exit_doorbell(struct lab_epc *lab)
{
	if (!lab->has_doorbell)
		return;

	pci_ep_aux_unregister(&lab->pdev->dev);
	free_irq(lab->db_res.u.db.irq, lab);
}

static int lab_epc_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct device *dev = &pdev->dev;
	struct lab_epc *lab;
	int ret;

	lab = devm_kzalloc(dev, sizeof(*lab), GFP_KERNEL);
	if (!lab)
		return -ENOMEM;

	lab->pdev = pdev;
	ret = devm_mutex_init(dev, &lab->lock);
	if (ret)
		return ret;

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;

	lab->regs = pcim_iomap_region(pdev, LAB_EPC_REGS_BAR, KBUILD_MODNAME);
	if (IS_ERR(lab->regs)) {
		dev_err(dev, "cannot map the registers\n");
		return PTR_ERR(lab->regs);
	}

	ret = lab_epc_read_caps(lab);
	if (ret)
		return ret;

	ret = lab_epc_init_aperture(lab);
	if (ret)
		return ret;

	/* The controller performs inbound accesses as its own DMA */
	ret = dma_set_mask_and_coherent(dev, DMA_BIT_MASK(64));
	if (ret) {
		dev_err(dev, "cannot use 64-bit DMA: %d\n", ret);
		return ret;
	}
	pci_set_master(pdev);

	lab_epc_reset(lab);

	/* Vector 1 is the embedded doorbell's, also used by the functions */
	ret = pci_alloc_irq_vectors(pdev, LAB_EPC_NR_VECTORS,
				    LAB_EPC_NR_VECTORS, PCI_IRQ_MSI);
	if (ret < 0) {
		dev_err(dev, "cannot allocate %d MSI vectors: %d\n",
			LAB_EPC_NR_VECTORS, ret);
		return ret;
	}

	/*
	 * A function can be bound from the moment the EPC exists: register
	 * the doorbell first, so that it finds it.
	 */
	ret = lab_epc_init_doorbell(lab);
	if (ret)
		goto free_vectors;

	lab->epc = devm_pci_epc_create(dev, &lab_epc_ops);
	if (IS_ERR(lab->epc)) {
		ret = PTR_ERR(lab->epc);
		dev_err(dev, "cannot create the EPC: %d\n", ret);
		goto exit_doorbell;
	}
	lab->epc->max_functions = 1;
	epc_set_drvdata(lab->epc, lab);

	ret = pci_epc_mem_init(lab->epc, lab->aperture, lab->aperture_size,
			       LAB_EPC_OB_PAGE_SIZE);
	if (ret) {
		dev_err(dev, "cannot manage the aperture: %d\n", ret);
		goto exit_doorbell;
	}

	ret = request_threaded_irq(pci_irq_vector(pdev, LAB_EPC_VEC_EVENTS),
				   NULL, lab_epc_event_thread, IRQF_ONESHOT,
				   dev_name(dev), lab);
	if (ret) {
		dev_err(dev, "cannot request the event interrupt: %d\n", ret);
		goto exit_mem;
	}

	lab_epc_writel(lab, LAB_EPC_EVENT_MASK, LAB_EPC_EVENT_ALL);

	pci_set_drvdata(pdev, lab);
	pci_epc_init_notify(lab->epc);
	dev_dbg(dev, "%u outbound windows, aperture %pa+%pa\n", lab->num_ob,
		&lab->aperture, &lab->aperture_size);

	return 0;

exit_mem:
	pci_epc_mem_exit(lab->epc);
exit_doorbell:
	lab_epc_exit_doorbell(lab);
free_vectors:
	pci_free_irq_vectors(pdev);
	return ret;
}

static void lab_epc_remove(struct pci_dev *pdev)
{
	struct lab_epc *lab = pci_get_drvdata(pdev);

	pci_epc_deinit_notify(lab->epc);
	lab_epc_exit_doorbell(lab);
	lab_epc_writel(lab, LAB_EPC_EVENT_MASK, 0);
	free_irq(pci_irq_vector(pdev, LAB_EPC_VEC_EVENTS), lab);
	pci_epc_mem_exit(lab->epc);
	pci_free_irq_vectors(pdev);
	lab_epc_reset(lab);
}

static const struct pci_device_id lab_epc_ids[] = {
	{ PCI_DEVICE(LAB_EPC_PCI_VENDOR_ID, LAB_EPC_PCI_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, lab_epc_ids);

static struct pci_driver lab_epc_driver = {
	.name		= "pcie-lab-epc",
	.id_table	= lab_epc_ids,
	.probe		= lab_epc_probe,
	.remove		= lab_epc_remove,
};
module_pci_driver(lab_epc_driver);

MODULE_DESCRIPTION("Endpoint controller driver for the lab's emulated PCIe link");
MODULE_LICENSE("GPL");
MODULE_VERSION(VNTB_VERSION);
