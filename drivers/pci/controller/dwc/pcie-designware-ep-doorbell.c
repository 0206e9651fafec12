// SPDX-License-Identifier: GPL-2.0
/*
 * Embedded doorbell for the DesignWare PCIe endpoint controllers of a stock
 * Linux 6.12 kernel, without a kernel patch
 *
 * A DesignWare controller with an integrated eDMA (v0, unrolled register
 * map) has a doorbell built in: a 32-bit write to the eDMA's RD_INT_STATUS
 * (or WR_INT_STATUS) register asserts the eDMA's level interrupt without
 * any DMA being done ("interrupt emulation"), and a write of 0 to
 * RD_INT_CLEAR (WR_INT_CLEAR) lowers it again. The host writes the register
 * through a BAR; the endpoint gets an interrupt instead of polling.
 *
 * Linux 6.12's dw-edma requests the eDMA interrupt(s) IRQF_SHARED but only
 * looks at DONE/ABORT bits, so it neither claims nor lowers an emulated
 * interrupt: alone, one ring gets the line disabled as one that "nobody
 * cared" about. This module therefore, for each supported controller that
 * is bound to its driver:
 *
 * 1. finds the eDMA register block where 6.12's DesignWare core finds it
 *    (the core keeps no physical address, so the device tree is read
 *    again) and checks that it is an eDMA v0 unrolled map;
 * 2. requests every eDMA interrupt IRQF_SHARED with a handler that lowers
 *    emulated interrupts and touches nothing else;
 * 3. describes the doorbell to the doorbell layer with
 *    pci_ep_aux_register(), which pins this module while functions hold
 *    the doorbell.
 *
 * A platform bus notifier picks up controllers bound after the module
 * loads and releases them before their driver unbinds them.
 *
 * Documentation/PCI/endpoint-doorbell.rst has the parameters, the messages
 * and what is known per board.
 */

/* The devices are the glue driver's: say who speaks. */
#define pr_fmt(fmt)	KBUILD_MODNAME ": " fmt
#define dev_fmt(fmt)	pr_fmt(fmt)

#include <linux/bitfield.h>
#include <linux/bits.h>
#include <linux/device.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/moduleparam.h>
#include <linux/mutex.h>
#include <linux/notifier.h>
#include <linux/of.h>
#include <linux/pci-ep-doorbell.h>
#include <linux/platform_device.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/string.h>

/*
 * Global registers of an eDMA v0 block, unrolled map: the part this
 * module maps. The channel contexts from 0x200 on are dw-edma's.
 *
 *   0x0000 +------------------------------+
 *   0x0008 | CTRL: channels per direction |
 *          | write engine, doorbell, ...  |
 *   0x004c | WR_INT_STATUS                | a write asserts (emulation)
 *   0x0054 | WR_INT_MASK                  |
 *   0x0058 | WR_INT_CLEAR                 | 0 lowers the emulated level
 *          | write error, IMWr, ...       |
 *   0x00a0 | RD_INT_STATUS                | the doorbell
 *   0x00a8 | RD_INT_MASK                  |
 *   0x00ac | RD_INT_CLEAR                 | 0 lowers the emulated level
 *          | read error, IMWr, ...        |
 *   0x0100 +------------------------------+
 *
 * In both INT_STATUS, INT_MASK and INT_CLEAR registers, bit n of DONE and
 * of ABORT is channel n; the other bits are reserved. A non-zero write to
 * INT_CLEAR clears those bits (write 1 to clear) and is dw-edma's to make.
 */
#define DW_EP_DB_CTRL			0x0008
#define  DW_EP_DB_CTRL_WR_CH		GENMASK(3, 0)
#define  DW_EP_DB_CTRL_RD_CH		GENMASK(19, 16)
#define DW_EP_DB_WR_INT_STATUS		0x004c
#define DW_EP_DB_WR_INT_MASK		0x0054
#define DW_EP_DB_WR_INT_CLEAR		0x0058
#define DW_EP_DB_RD_INT_STATUS		0x00a0
#define DW_EP_DB_RD_INT_MASK		0x00a8
#define DW_EP_DB_RD_INT_CLEAR		0x00ac
#define  DW_EP_DB_INT_DONE		GENMASK(7, 0)
#define  DW_EP_DB_INT_ABORT		GENMASK(23, 16)
#define DW_EP_DB_REGS_SIZE		0x0100

/* Channels per direction an eDMA v0 can have (the CTRL fields' range) */
#define DW_EP_DB_MAX_CH			8

/* The doorbell: the host writes this value to this register */
#define DW_EP_DB_RING			DW_EP_DB_RD_INT_STATUS
#define DW_EP_DB_RING_DATA		0

/*
 * Without a "dma" range, 6.12's DesignWare core looks for the eDMA this
 * far into the "atu" range, provided that range is large enough to hold
 * both (its DEFAULT_DBI_DMA_OFFSET).
 */
#define DW_EP_DB_ATU_EDMA_OFFSET	0x80000
#define DW_EP_DB_ATU_MIN_SIZE		SZ_1M

/* "dma0" to "dma15", one per channel, when there is no single "dma" */
#define DW_EP_DB_IRQ_NAME_LEN		sizeof("dma15")
#define DW_EP_DB_MAX_LINES		(2 * DW_EP_DB_MAX_CH)

/**
 * struct dw_ep_db_soc - what a glue's compatible says about the doorbell
 * @refuse: why such a controller gets no embedded doorbell, or NULL
 * @edma_bar: the BAR through which the controller exposes its eDMA block
 *	to the host whatever the functions program, or NO_BAR
 * @edma_bar_offset: offset of the eDMA block within @edma_bar
 */
struct dw_ep_db_soc {
	const char *refuse;
	enum pci_barno edma_bar;
	resource_size_t edma_bar_offset;
};

/* Functions map one of their BARs onto the register's page. */
static const struct dw_ep_db_soc dw_ep_db_mapped = {
	.edma_bar = NO_BAR,
};

/*
 * RK3588: BAR4 exposes the eDMA block from offset 0, 8 KiB. 6.12's
 * rockchip glue disables BAR4 when it resets the BARs at probe, so the
 * host may not see it: see the documentation, and edma_bar=none.
 */
static const struct dw_ep_db_soc dw_ep_db_rk3588 = {
	.edma_bar = BAR_4,
	.edma_bar_offset = 0,
};

static const struct dw_ep_db_soc dw_ep_db_qcom_hdma = {
	.refuse = "its DMA is an HDMA, whose interrupt emulation is unknown",
	.edma_bar = NO_BAR,
};

static const struct dw_ep_db_soc dw_ep_db_qcom_none = {
	.refuse = "6.12 gives it no eDMA",
	.edma_bar = NO_BAR,
};

/*
 * The endpoint glues of 6.12 whose controllers this module knows. Not a
 * MODULE_DEVICE_TABLE: the module drives none of these devices, and is
 * loaded on purpose, not whenever such a node exists.
 */
static const struct of_device_id dw_ep_db_of_match[] = {
	{ .compatible = "snps,dw-pcie-ep", .data = &dw_ep_db_mapped },
	{ .compatible = "renesas,r8a779f0-pcie-ep", .data = &dw_ep_db_mapped },
	{ .compatible = "renesas,rcar-gen4-pcie-ep", .data = &dw_ep_db_mapped },
	{ .compatible = "rockchip,rk3588-pcie-ep", .data = &dw_ep_db_rk3588 },
	{ .compatible = "rockchip,rk3568-pcie-ep", .data = &dw_ep_db_mapped },
	{ .compatible = "fsl,imx8mm-pcie-ep", .data = &dw_ep_db_mapped },
	{ .compatible = "fsl,imx8mp-pcie-ep", .data = &dw_ep_db_mapped },
	{ .compatible = "fsl,imx8mq-pcie-ep", .data = &dw_ep_db_mapped },
	{ .compatible = "fsl,imx95-pcie-ep", .data = &dw_ep_db_mapped },
	{ .compatible = "qcom,sa8775p-pcie-ep", .data = &dw_ep_db_qcom_hdma },
	{ .compatible = "qcom,sdx55-pcie-ep", .data = &dw_ep_db_qcom_none },
	{ .compatible = "qcom,sm8450-pcie-ep", .data = &dw_ep_db_qcom_none },
	{ }
};

static char *controllers;
module_param(controllers, charp, 0444);
MODULE_PARM_DESC(controllers,
		 "Comma-separated controllers (platform device names, e.g. c000000.pcie-ep) to give a doorbell; default: all supported");

static char *edma_bar;
module_param(edma_bar, charp, 0444);
MODULE_PARM_DESC(edma_bar,
		 "BAR (0-5) that exposes the eDMA block at offset 0 on every controller, or \"none\"; default: per compatible");

/* edma_bar, parsed at load time */
static bool dw_ep_db_bar_forced;
static enum pci_barno dw_ep_db_forced_bar;

/* The DONE and ABORT bits of channel @ch in an INT_STATUS register */
static u32 dw_ep_db_int_ch(unsigned int ch)
{
	return FIELD_PREP(DW_EP_DB_INT_DONE, BIT(ch)) |
	       FIELD_PREP(DW_EP_DB_INT_ABORT, BIT(ch));
}

struct dw_ep_db;

/**
 * struct dw_ep_db_line - one eDMA interrupt line and its handler
 * @db: the controller
 * @irq: the Linux IRQ
 * @name: its interrupt-names entry, for messages
 * @wr_bits: WR_INT_STATUS DONE/ABORT bits signalled on @irq
 * @rd_bits: RD_INT_STATUS DONE/ABORT bits signalled on @irq
 */
struct dw_ep_db_line {
	struct dw_ep_db *db;
	int irq;
	char name[DW_EP_DB_IRQ_NAME_LEN];
	u32 wr_bits;
	u32 rd_bits;
};

/**
 * struct dw_ep_db - the embedded doorbell of one controller
 * @node: entry in dw_ep_db_list
 * @pdev: the controller's platform device, referenced
 * @regs: the eDMA's global registers, mapped by this module
 * @edma: physical address of the eDMA block
 * @wr_ch: write channels, from CTRL
 * @rd_ch: read channels, from CTRL
 * @nr_lines: number of entries of @lines in use
 * @lines: the eDMA interrupt lines, this module's handler on each
 * @res: the doorbell as registered with the doorbell layer
 */
struct dw_ep_db {
	struct list_head node;
	struct platform_device *pdev;
	void __iomem *regs;
	phys_addr_t edma;
	unsigned int wr_ch;
	unsigned int rd_ch;
	unsigned int nr_lines;
	struct dw_ep_db_line lines[DW_EP_DB_MAX_LINES];
	struct pci_ep_aux_resource res;
};

/*
 * Protects the list, and serialises attaching and detaching controllers
 * against each other and against module exit (@dw_ep_db_exiting). Taken
 * inside the controller's device lock.
 */
static DEFINE_MUTEX(dw_ep_db_lock);
static LIST_HEAD(dw_ep_db_list);
static bool dw_ep_db_exiting;

/*
 * Lower an emulated interrupt, in both directions: a write of 0 to
 * INT_CLEAR does that and clears no DONE/ABORT bit.
 */
static void dw_ep_db_lower(struct dw_ep_db *db)
{
	writel(0, db->regs + DW_EP_DB_WR_INT_CLEAR);
	writel(0, db->regs + DW_EP_DB_RD_INT_CLEAR);
}

/*
 * Shared with dw-edma's handler and with the handlers of the functions
 * that hold the doorbell. Requested after dw-edma's (at the controller's
 * probe) and before the doorbell is registered, so it runs before any
 * function's handler: a ring after the clear raises the level again and
 * the chain runs again; a ring before it is seen by the function, which
 * looks for work after it.
 *
 * The return value: an emulated interrupt sets no status bit, so this
 * handler cannot tell one from a spurious interrupt and claims every
 * interrupt for which no DONE/ABORT of this line's channels is pending,
 * since dw-edma, which ran first, returns IRQ_NONE for it and the line
 * must not be disabled as unhandled. A pending DONE/ABORT is dw-edma's:
 * left alone and not claimed, so that if dw-edma is not there to clear it
 * the kernel disables the stuck line as it would without this module.
 */
static irqreturn_t dw_ep_db_irq(int irq, void *data)
{
	struct dw_ep_db_line *line = data;
	void __iomem *regs = line->db->regs;
	u32 wr, rd;

	dw_ep_db_lower(line->db);

	/*
	 * Reading after the clears also flushes them before the functions'
	 * handlers look for work, and orders those reads after them.
	 */
	wr = readl(regs + DW_EP_DB_WR_INT_STATUS) &
	     ~readl(regs + DW_EP_DB_WR_INT_MASK);
	rd = readl(regs + DW_EP_DB_RD_INT_STATUS) &
	     ~readl(regs + DW_EP_DB_RD_INT_MASK);

	if ((wr & line->wr_bits) || (rd & line->rd_bits))
		return IRQ_NONE;
	return IRQ_HANDLED;
}

/* Whether the controllers parameter names @name (or names nothing). */
static bool dw_ep_db_wanted(const char *name)
{
	const char *p = controllers;
	size_t len = strlen(name);

	if (!p || !*p)
		return true;

	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == len && !strncmp(p, name, n))
			return true;
		p += n;
		if (*p)
			p++;
	}
	return false;
}

/*
 * The eDMA block, where 6.12's DesignWare core finds it: the "dma" range,
 * else 0x80000 into an "atu" range of at least 1 MiB. The core's legacy
 * viewport (DBI + 0x970, cores older than 5.40a) has no block of its own
 * to point the host at: no doorbell there. The core has requested these
 * ranges already, so they are mapped without being requested.
 */
static int dw_ep_db_find_edma(struct dw_ep_db *db)
{
	struct platform_device *pdev = db->pdev;
	struct device *dev = &pdev->dev;
	struct resource *res;

	res = platform_get_resource_byname(pdev, IORESOURCE_MEM, "dma");
	if (res) {
		if (resource_size(res) < DW_EP_DB_REGS_SIZE) {
			dev_err(dev, "no embedded doorbell: \"dma\" range %pR too small for an eDMA\n",
				res);
			return -ENODEV;
		}
		db->edma = res->start;
	} else {
		res = platform_get_resource_byname(pdev, IORESOURCE_MEM, "atu");
		if (!res || resource_size(res) < DW_EP_DB_ATU_MIN_SIZE) {
			dev_info(dev, "no embedded doorbell: no eDMA block (no \"dma\" range, no \"atu\" range of 1 MiB or more)\n");
			return -ENODEV;
		}
		db->edma = res->start + DW_EP_DB_ATU_EDMA_OFFSET;
	}

	db->regs = ioremap(db->edma, DW_EP_DB_REGS_SIZE);
	if (!db->regs) {
		dev_err(dev, "no embedded doorbell: cannot map the eDMA at %pa\n",
			&db->edma);
		return -ENOMEM;
	}
	return 0;
}

/*
 * An eDMA v0 unrolled map has 1 to 8 channels per direction in CTRL and
 * nothing in the reserved bits of its INT_STATUS registers. An HDMA has
 * channel registers there instead, and a legacy (viewport) eDMA or no
 * eDMA reads all ones: writing the doorbell there would be a guess.
 */
static int dw_ep_db_check_edma(struct dw_ep_db *db)
{
	struct device *dev = &db->pdev->dev;
	u32 ctrl, wr, rd;

	ctrl = readl(db->regs + DW_EP_DB_CTRL);
	db->wr_ch = FIELD_GET(DW_EP_DB_CTRL_WR_CH, ctrl);
	db->rd_ch = FIELD_GET(DW_EP_DB_CTRL_RD_CH, ctrl);
	if (!db->wr_ch || db->wr_ch > DW_EP_DB_MAX_CH ||
	    !db->rd_ch || db->rd_ch > DW_EP_DB_MAX_CH) {
		dev_err(dev, "no embedded doorbell: DMA at %pa is no eDMA v0 unrolled map (CTRL %#010x: %u write, %u read channels); HDMA or unknown layout\n",
			&db->edma, ctrl, db->wr_ch, db->rd_ch);
		return -ENODEV;
	}

	wr = readl(db->regs + DW_EP_DB_WR_INT_STATUS);
	rd = readl(db->regs + DW_EP_DB_RD_INT_STATUS);
	if ((wr | rd) & ~(DW_EP_DB_INT_DONE | DW_EP_DB_INT_ABORT)) {
		dev_err(dev, "no embedded doorbell: DMA at %pa is no eDMA v0 unrolled map (INT_STATUS write %#010x, read %#010x); unknown layout\n",
			&db->edma, wr, rd);
		return -ENODEV;
	}
	return 0;
}

/*
 * The eDMA interrupts, as 6.12's DesignWare core takes them: one "dma"
 * line for every channel, else "dma0".."dmaN", one per channel, the write
 * channels first. The core uses no eDMA without them, nor does this module.
 */
static int dw_ep_db_find_lines(struct dw_ep_db *db)
{
	struct platform_device *pdev = db->pdev;
	unsigned int nr = db->wr_ch + db->rd_ch;
	struct dw_ep_db_line *line = &db->lines[0];
	unsigned int i;
	int irq;

	irq = platform_get_irq_byname_optional(pdev, "dma");
	if (irq > 0) {
		line->irq = irq;
		strscpy(line->name, "dma");
		line->wr_bits = DW_EP_DB_INT_DONE | DW_EP_DB_INT_ABORT;
		line->rd_bits = DW_EP_DB_INT_DONE | DW_EP_DB_INT_ABORT;
		db->nr_lines = 1;
		return 0;
	}

	for (i = 0; i < nr; i++) {
		line = &db->lines[i];
		snprintf(line->name, sizeof(line->name), "dma%u", i);
		irq = platform_get_irq_byname_optional(pdev, line->name);
		if (irq <= 0) {
			dev_err(&pdev->dev, "no embedded doorbell: eDMA interrupt \"dma\" or \"%s\" missing (%d)\n",
				line->name, irq);
			return -ENODEV;
		}
		line->irq = irq;
		if (i < db->wr_ch)
			line->wr_bits = dw_ep_db_int_ch(i);
		else
			line->rd_bits = dw_ep_db_int_ch(i - db->wr_ch);
	}
	db->nr_lines = nr;
	return 0;
}

static void dw_ep_db_free_lines(struct dw_ep_db *db, unsigned int count)
{
	while (count--)
		free_irq(db->lines[count].irq, &db->lines[count]);
}

static int dw_ep_db_request_lines(struct dw_ep_db *db)
{
	struct device *dev = &db->pdev->dev;
	unsigned int i;
	int ret;

	for (i = 0; i < db->nr_lines; i++) {
		db->lines[i].db = db;
		ret = request_irq(db->lines[i].irq, dw_ep_db_irq, IRQF_SHARED,
				  dev_name(dev), &db->lines[i]);
		if (ret) {
			dev_err(dev, "no embedded doorbell: cannot share eDMA interrupt \"%s\" (%d): %d\n",
				db->lines[i].name, db->lines[i].irq, ret);
			dw_ep_db_free_lines(db, i);
			return ret;
		}
	}
	return 0;
}

/*
 * The line the doorbell is registered with: the only one, or the first
 * read channel's (the doorbell is RD_INT_STATUS). Which of per-channel
 * lines an emulated interrupt raises is not documented; every line has
 * the handler that lowers it, whichever it is.
 */
static struct dw_ep_db_line *dw_ep_db_ring_line(struct dw_ep_db *db)
{
	return &db->lines[db->nr_lines == 1 ? 0 : db->wr_ch];
}

static int dw_ep_db_register(struct dw_ep_db *db,
			     const struct dw_ep_db_soc *soc)
{
	struct pci_ep_aux_resource *res = &db->res;
	struct dw_ep_db_line *line = dw_ep_db_ring_line(db);
	struct device *dev = &db->pdev->dev;
	int ret;

	res->type = PCI_EP_AUX_DOORBELL_MMIO;
	res->phys_addr = db->edma + DW_EP_DB_RING;
	res->size = sizeof(u32);
	if (dw_ep_db_bar_forced) {
		res->bar = dw_ep_db_forced_bar;
		res->bar_offset = DW_EP_DB_RING;
	} else {
		res->bar = soc->edma_bar;
		res->bar_offset = soc->edma_bar_offset + DW_EP_DB_RING;
	}
	if (res->bar == NO_BAR)
		res->bar_offset = 0;
	res->u.db.irq = line->irq;
	res->u.db.irq_flags = IRQF_SHARED;
	res->u.db.data = DW_EP_DB_RING_DATA;

	ret = pci_ep_aux_register(dev, res, 1);
	if (ret) {
		dev_err(dev, "no embedded doorbell: cannot register it: %d\n",
			ret);
		return ret;
	}

	if (res->bar == NO_BAR)
		dev_info(dev, "embedded doorbell: eDMA v0 at %pa (%u+%u channels), host writes %u to %pa through a BAR the function maps; irq %d (\"%s\")\n",
			 &db->edma, db->wr_ch, db->rd_ch, res->u.db.data,
			 &res->phys_addr, line->irq, line->name);
	else
		dev_info(dev, "embedded doorbell: eDMA v0 at %pa (%u+%u channels), host writes %u to BAR%d + %#llx%s; irq %d (\"%s\")\n",
			 &db->edma, db->wr_ch, db->rd_ch, res->u.db.data,
			 res->bar, (unsigned long long)res->bar_offset,
			 dw_ep_db_bar_forced ? " (edma_bar)" : "",
			 line->irq, line->name);
	return 0;
}

static struct dw_ep_db *dw_ep_db_find(struct device *dev)
{
	struct dw_ep_db *db;

	lockdep_assert_held(&dw_ep_db_lock);

	list_for_each_entry(db, &dw_ep_db_list, node) {
		if (&db->pdev->dev == dev)
			return db;
	}
	return NULL;
}

/*
 * Give @pdev a doorbell if it is a supported controller, wanted and bound.
 * Called with the device lock held: its driver cannot unbind meanwhile.
 */
static void dw_ep_db_attach(struct platform_device *pdev)
{
	const struct of_device_id *match;
	const struct dw_ep_db_soc *soc;
	struct device *dev = &pdev->dev;
	struct dw_ep_db *db;
	int ret;

	match = of_match_node(dw_ep_db_of_match, dev->of_node);
	if (!match || !dev->driver)
		return;

	if (!dw_ep_db_wanted(dev_name(dev))) {
		dev_dbg(dev, "not among controllers=%s\n", controllers);
		return;
	}

	guard(mutex)(&dw_ep_db_lock);

	if (dw_ep_db_exiting || dw_ep_db_find(dev))
		return;

	soc = match->data;
	if (soc->refuse) {
		dev_info(dev, "no embedded doorbell: %s (%s)\n", soc->refuse,
			 match->compatible);
		return;
	}

	db = kzalloc(sizeof(*db), GFP_KERNEL);
	if (!db)
		return;
	db->pdev = pdev;

	ret = dw_ep_db_find_edma(db);
	if (ret)
		goto free;

	ret = dw_ep_db_check_edma(db);
	if (ret)
		goto unmap;

	ret = dw_ep_db_find_lines(db);
	if (ret)
		goto unmap;

	ret = dw_ep_db_request_lines(db);
	if (ret)
		goto unmap;

	ret = dw_ep_db_register(db, soc);
	if (ret)
		goto free_lines;

	get_device(dev);
	list_add_tail(&db->node, &dw_ep_db_list);
	return;

free_lines:
	dw_ep_db_free_lines(db, db->nr_lines);
unmap:
	iounmap(db->regs);
free:
	kfree(db);
}

/*
 * Release @dev's doorbell, if it has one. Called with the device lock
 * held and the controller still bound: its registers are still there.
 */
static void dw_ep_db_detach(struct device *dev)
{
	struct dw_ep_db *db;

	guard(mutex)(&dw_ep_db_lock);

	db = dw_ep_db_find(dev);
	if (!db)
		return;
	list_del(&db->node);

	/*
	 * The layer warns if a function still holds the doorbell: its
	 * handler stays on the line without this one. The controller's
	 * driver resets it next, but a ring until then would stay asserted:
	 * lowered once more below, after the handlers are gone.
	 */
	pci_ep_aux_unregister(dev);
	dw_ep_db_free_lines(db, db->nr_lines);
	dw_ep_db_lower(db);
	iounmap(db->regs);
	dev_dbg(dev, "embedded doorbell released\n");
	kfree(db);
	put_device(dev);
}

static int dw_ep_db_notify(struct notifier_block *nb, unsigned long action,
			   void *data)
{
	struct device *dev = data;

	switch (action) {
	case BUS_NOTIFY_BOUND_DRIVER:
		dw_ep_db_attach(to_platform_device(dev));
		break;
	case BUS_NOTIFY_UNBIND_DRIVER:
		/* Before the driver's remove(), while the eDMA is up */
		dw_ep_db_detach(dev);
		break;
	}
	return NOTIFY_DONE;
}

static struct notifier_block dw_ep_db_nb = {
	.notifier_call = dw_ep_db_notify,
};

/* Controllers bound before the module loaded */
static int dw_ep_db_scan_one(struct device *dev, void *data)
{
	if (!of_match_node(dw_ep_db_of_match, dev->of_node))
		return 0;

	device_lock(dev);
	dw_ep_db_attach(to_platform_device(dev));
	device_unlock(dev);
	return 0;
}

static int dw_ep_db_parse_bar(void)
{
	unsigned int bar;

	if (!edma_bar || !*edma_bar)
		return 0;

	dw_ep_db_bar_forced = true;
	if (!strcmp(edma_bar, "none")) {
		dw_ep_db_forced_bar = NO_BAR;
		return 0;
	}
	if (kstrtouint(edma_bar, 0, &bar) || bar > BAR_5) {
		pr_err("edma_bar=%s: neither a BAR (0-5) nor \"none\"\n",
		       edma_bar);
		return -EINVAL;
	}
	dw_ep_db_forced_bar = bar;
	return 0;
}

static int __init dw_ep_db_init(void)
{
	int ret;

	ret = dw_ep_db_parse_bar();
	if (ret)
		return ret;

	/* First the notifier, then the scan: no bind falls in between. */
	ret = bus_register_notifier(&platform_bus_type, &dw_ep_db_nb);
	if (ret)
		return ret;

	bus_for_each_dev(&platform_bus_type, NULL, NULL, dw_ep_db_scan_one);
	return 0;
}
module_init(dw_ep_db_init);

/*
 * No function holds a doorbell now: each held one pins the module. Each
 * controller is released under its device lock, so that an unbind that
 * starts meanwhile waits until the handlers are gone; the notifier stays
 * until then so that such an unbind finds its controller released.
 */
static void __exit dw_ep_db_exit(void)
{
	struct dw_ep_db *db;
	struct device *dev;

	scoped_guard(mutex, &dw_ep_db_lock)
		dw_ep_db_exiting = true;

	for (;;) {
		scoped_guard(mutex, &dw_ep_db_lock) {
			db = list_first_entry_or_null(&dw_ep_db_list,
						      struct dw_ep_db, node);
			dev = db ? get_device(&db->pdev->dev) : NULL;
		}
		if (!dev)
			break;

		device_lock(dev);
		dw_ep_db_detach(dev);
		device_unlock(dev);
		put_device(dev);
	}

	bus_unregister_notifier(&platform_bus_type, &dw_ep_db_nb);
}
module_exit(dw_ep_db_exit);

MODULE_DESCRIPTION("Embedded doorbell for DesignWare PCIe endpoint controllers");
MODULE_LICENSE("GPL");
MODULE_VERSION(VNTB_VERSION);
