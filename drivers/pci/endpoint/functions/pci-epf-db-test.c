// SPDX-License-Identifier: GPL-2.0
/*
 * Endpoint function that tests endpoint doorbells across the link
 *
 * The function allocates one doorbell from the doorbell layer
 * (include/linux/pci-ep-doorbell.h) and publishes, in a register block
 * behind its first free BAR, where the host rings it: a BAR, an offset in
 * that BAR and the value to write. When the controller already exposes
 * its doorbell register behind a BAR of its own, that is the BAR the host
 * uses; otherwise the function maps its next free BAR inbound onto the
 * doorbell's DMA address.
 *
 * Each doorbell interrupt copies the host's SEQUENCE into SEEN and counts
 * the interrupt; a host that rings N times and then rings once more after
 * writing a final SEQUENCE knows that no final kick was lost when SEEN
 * reaches it. Kicks coalesce: the count may stay below the number of
 * rings. In ECHO mode each interrupt also answers the host: a work item
 * copies SEQUENCE into ECHO and raises MSI 1 when the host enabled MSI,
 * which gives the round-trip time of a doorbell. The host side is
 * tools/lab/progs/db-test.c (rings from userspace) and
 * drivers/misc/pci_ep_db_test.c (takes the echo MSI).
 */

#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/log2.h>
#include <linux/minmax.h>
#include <linux/module.h>
#include <linux/pci-ep-doorbell.h>
#include <linux/pci-epc.h>
#include <linux/pci-epf.h>
#include <linux/pci-epf-db-test.h>
#include <linux/pci_ids.h>
#include <linux/sizes.h>
#include <linux/workqueue.h>

/*
 * The register block (offsets and values in <linux/pci-epf-db-test.h>),
 * as the endpoint sees it in its memory.
 */
struct epf_db_test_reg {
	__le32 magic;
	__le32 version;
	__le32 status;
	__le32 db_bar;
	__le32 db_offset;
	__le32 db_data;
	__le32 command;
	__le32 sequence;
	__le32 seen;
	__le32 irq_count;
	__le32 echo;
	__le32 echo_count;
	__le32 msi_count;
} __packed;

static_assert(offsetof(struct epf_db_test_reg, command) ==
	      EPF_DB_TEST_REG_COMMAND);
static_assert(offsetof(struct epf_db_test_reg, msi_count) ==
	      EPF_DB_TEST_REG_MSI_COUNT);
static_assert(sizeof(struct epf_db_test_reg) == EPF_DB_TEST_REG_SIZE);

/* The smallest BAR a controller can be asked for (PCI: 128 bytes) */
#define EPF_DB_TEST_BAR_MIN_SIZE	128

/* BAR the function maps onto the doorbell when it must do it itself */
#define EPF_DB_TEST_DB_BAR_SIZE		SZ_4K

/**
 * struct epf_db_test - one doorbell test function
 * @epf: the endpoint function
 * @header: configuration header (configfs writes into it)
 * @features: what the controller supports, known from bind on
 * @reg_bar: BAR holding @reg
 * @reg: register block shared with the host
 * @dbs: the doorbell, from the doorbell layer
 * @db_bar: BAR the function maps onto the doorbell; its @db_bar.barno is
 *	NO_BAR when the controller exposes the doorbell itself
 * @echo_work: answers the host from process context, where raising an
 *	MSI may sleep
 * @irq_count: doorbell interrupts taken; only the interrupt handler
 *	changes it, and an interrupt handler never runs twice at once
 * @echo_count: echoes done; only @echo_work changes it, and a work item
 *	never runs twice at once
 * @msi_count: MSIs raised by @echo_work, likewise
 */
struct epf_db_test {
	struct pci_epf *epf;
	struct pci_epf_header header;
	const struct pci_epc_features *features;
	enum pci_barno reg_bar;
	struct epf_db_test_reg *reg;
	struct pci_ep_doorbells *dbs;
	struct pci_epf_bar db_bar;
	struct work_struct echo_work;
	u32 irq_count;
	u32 echo_count;
	u32 msi_count;
};

static const struct pci_epf_header epf_db_test_default_header = {
	.vendorid	= EPF_DB_TEST_VENDOR_ID,
	.deviceid	= EPF_DB_TEST_DEVICE_ID,
	.baseclass_code	= PCI_CLASS_SYSTEM_OTHER >> 8,
	.subclass_code	= PCI_CLASS_SYSTEM_OTHER & 0xff,
};

static u32 epf_db_test_read(const __le32 *field)
{
	return le32_to_cpu(READ_ONCE(*field));
}

static void epf_db_test_write(__le32 *field, u32 val)
{
	WRITE_ONCE(*field, cpu_to_le32(val));
}

/*
 * Doorbell interrupt. The host wrote SEQUENCE before it rang, and its two
 * writes reach the endpoint in order, so reading SEQUENCE here, after the
 * interrupt, sees at least the value written before the last ring.
 */
static irqreturn_t epf_db_test_irq(int irq, void *data)
{
	struct epf_db_test *dbt = data;
	struct epf_db_test_reg *reg = dbt->reg;

	dbt->irq_count++;
	epf_db_test_write(&reg->irq_count, dbt->irq_count);
	/* The host reads IRQ_COUNT once SEEN has the value it waits for */
	dma_wmb();
	epf_db_test_write(&reg->seen, epf_db_test_read(&reg->sequence));

	if (epf_db_test_read(&reg->command) & EPF_DB_TEST_CMD_ECHO)
		queue_work(system_highpri_wq, &dbt->echo_work);

	return IRQ_HANDLED;
}

/* The answer in ECHO mode: ECHO first, then the MSI that announces it */
static void epf_db_test_echo(struct work_struct *work)
{
	struct epf_db_test *dbt = container_of(work, struct epf_db_test,
					       echo_work);
	struct epf_db_test_reg *reg = dbt->reg;
	struct pci_epf *epf = dbt->epf;
	struct pci_epc *epc = epf->epc;
	int ret;

	dbt->echo_count++;
	epf_db_test_write(&reg->echo_count, dbt->echo_count);
	dma_wmb();
	epf_db_test_write(&reg->echo, epf_db_test_read(&reg->sequence));

	/* A host without a driver for the function never enables MSI */
	if (pci_epc_get_msi(epc, epf->func_no, epf->vfunc_no) <
	    EPF_DB_TEST_ECHO_MSI)
		return;

	ret = pci_epc_raise_irq(epc, epf->func_no, epf->vfunc_no, PCI_IRQ_MSI,
				EPF_DB_TEST_ECHO_MSI);
	if (ret) {
		dev_err_ratelimited(&epf->dev, "echo MSI failed: %d\n", ret);
		return;
	}
	dbt->msi_count++;
	epf_db_test_write(&reg->msi_count, dbt->msi_count);
}

/*
 * DMA address of the doorbell register itself: the layer maps the page
 * that holds it and gives the register's offset in that page.
 */
static dma_addr_t epf_db_test_db_addr(const struct pci_ep_doorbell *db)
{
	return db->dma_addr + db->offset;
}

/*
 * Decide where the host rings: the controller's own BAR when it exposes
 * the doorbell, else the next free BAR, mapped inbound onto the page that
 * holds the doorbell's DMA address (an IOVA under an IOMMU).
 */
static int epf_db_test_place_doorbell(struct epf_db_test *dbt, u32 *offset)
{
	const struct pci_epc_features *features = dbt->features;
	const struct pci_ep_doorbell *db = &dbt->dbs->db[0];
	struct device *dev = &dbt->epf->dev;
	size_t align = features->align;
	size_t size = EPF_DB_TEST_DB_BAR_SIZE;
	enum pci_barno bar;
	dma_addr_t addr;

	dbt->db_bar.barno = NO_BAR;

	if (db->bar != NO_BAR) {
		if (db->bar == dbt->reg_bar) {
			dev_err(dev, "the doorbell is exposed in BAR%d, our register BAR\n",
				db->bar);
			return -EBUSY;
		}
		if (db->offset > U32_MAX) {
			dev_err(dev, "doorbell offset %pa does not fit the register block\n",
				&db->offset);
			return -ERANGE;
		}
		*offset = db->offset;
		return 0;
	}

	bar = pci_epc_get_next_free_bar(features, dbt->reg_bar + 1);
	if (bar == NO_BAR) {
		dev_err(dev, "no free BAR to map the doorbell onto\n");
		return -ENOSPC;
	}

	if (align && !is_power_of_2(align)) {
		dev_err(dev, "controller alignment %#zx is not a power of two\n",
			align);
		return -EINVAL;
	}
	/* The BAR covers the aligned block that holds the register */
	size = max(size, align);
	if (features->bar[bar].type == BAR_FIXED) {
		if (features->bar[bar].fixed_size < size) {
			dev_err(dev, "BAR%d: fixed size %#llx below %#zx\n", bar,
				features->bar[bar].fixed_size, size);
			return -ENOSPC;
		}
		size = features->bar[bar].fixed_size;
	}

	addr = epf_db_test_db_addr(db);
	/* Nothing around the doorbell's mapping may reach the host */
	if (ALIGN_DOWN(addr, size) < db->dma_addr ||
	    ALIGN_DOWN(addr, size) - db->dma_addr + size > db->size) {
		dev_err(dev, "BAR%d: a %#zx-byte window on the doorbell would expose more than the %pa bytes mapped for it\n",
			bar, size, &db->size);
		return -EINVAL;
	}
	dbt->db_bar.barno = bar;
	dbt->db_bar.phys_addr = ALIGN_DOWN(addr, size);
	dbt->db_bar.size = size;
	dbt->db_bar.flags = PCI_BASE_ADDRESS_SPACE_MEMORY;
	if (features->bar[bar].only_64bit)
		dbt->db_bar.flags |= PCI_BASE_ADDRESS_MEM_TYPE_64;
	*offset = addr - dbt->db_bar.phys_addr;

	return 0;
}

/* Fill the register block: it stays the same while the function is bound */
static void epf_db_test_publish(struct epf_db_test *dbt, u32 offset)
{
	const struct pci_ep_doorbell *db = &dbt->dbs->db[0];
	struct epf_db_test_reg *reg = dbt->reg;
	u32 status = EPF_DB_TEST_STATUS_READY;

	if (db->bar != NO_BAR)
		status |= EPF_DB_TEST_STATUS_PRE_EXPOSED;
	if (dbt->dbs->backend == PCI_EP_DOORBELL_MSI)
		status |= EPF_DB_TEST_STATUS_MSI_BACKEND;

	epf_db_test_write(&reg->magic, EPF_DB_TEST_MAGIC);
	epf_db_test_write(&reg->version, EPF_DB_TEST_VERSION);
	epf_db_test_write(&reg->db_bar, db->bar != NO_BAR ? db->bar :
			  dbt->db_bar.barno);
	epf_db_test_write(&reg->db_offset, offset);
	epf_db_test_write(&reg->db_data, db->data);
	/* The host trusts the fields above once it sees READY */
	dma_wmb();
	epf_db_test_write(&reg->status, status);
}

static void epf_db_test_clear_bars(struct epf_db_test *dbt)
{
	struct pci_epf *epf = dbt->epf;

	if (dbt->db_bar.barno != NO_BAR)
		pci_epc_clear_bar(epf->epc, epf->func_no, epf->vfunc_no,
				  &dbt->db_bar);
	pci_epc_clear_bar(epf->epc, epf->func_no, epf->vfunc_no,
			  &epf->bar[dbt->reg_bar]);
}

static int epf_db_test_epc_init(struct pci_epf *epf)
{
	struct epf_db_test *dbt = epf_get_drvdata(epf);
	struct pci_epc *epc = epf->epc;
	struct device *dev = &epf->dev;
	u8 msi = max_t(u8, epf->msi_interrupts, EPF_DB_TEST_ECHO_MSI);
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

	ret = pci_epc_set_bar(epc, epf->func_no, epf->vfunc_no,
			      &epf->bar[dbt->reg_bar]);
	if (ret) {
		dev_err(dev, "BAR%d (registers): %d\n", dbt->reg_bar, ret);
		return ret;
	}

	if (dbt->db_bar.barno != NO_BAR) {
		ret = pci_epc_set_bar(epc, epf->func_no, epf->vfunc_no,
				      &dbt->db_bar);
		if (ret) {
			dev_err(dev, "BAR%d (doorbell at %pad): %d\n",
				dbt->db_bar.barno, &dbt->db_bar.phys_addr, ret);
			goto clear_reg_bar;
		}
	}

	if (dbt->features->msi_capable) {
		ret = pci_epc_set_msi(epc, epf->func_no, epf->vfunc_no, msi);
		if (ret) {
			dev_err(dev, "MSI configuration failed: %d\n", ret);
			goto clear_db_bar;
		}
	}

	return 0;

clear_db_bar:
	if (dbt->db_bar.barno != NO_BAR)
		pci_epc_clear_bar(epc, epf->func_no, epf->vfunc_no,
				  &dbt->db_bar);
clear_reg_bar:
	pci_epc_clear_bar(epc, epf->func_no, epf->vfunc_no,
			  &epf->bar[dbt->reg_bar]);
	return ret;
}

static void epf_db_test_epc_deinit(struct pci_epf *epf)
{
	struct epf_db_test *dbt = epf_get_drvdata(epf);

	cancel_work_sync(&dbt->echo_work);
	epf_db_test_clear_bars(dbt);
}

static const struct pci_epc_event_ops epf_db_test_event_ops = {
	.epc_init	= epf_db_test_epc_init,
	.epc_deinit	= epf_db_test_epc_deinit,
};

static int epf_db_test_bind(struct pci_epf *epf)
{
	struct epf_db_test *dbt = epf_get_drvdata(epf);
	struct pci_epc *epc = epf->epc;
	struct device *dev = &epf->dev;
	struct pci_ep_doorbell *db;
	u32 offset;
	int ret;

	if (WARN_ON_ONCE(!epc))
		return -EINVAL;

	dbt->features = pci_epc_get_features(epc, epf->func_no,
					     epf->vfunc_no);
	if (!dbt->features) {
		dev_err(dev, "the controller reports no features\n");
		return -EOPNOTSUPP;
	}

	dbt->reg_bar = pci_epc_get_first_free_bar(dbt->features);
	if (dbt->reg_bar == NO_BAR) {
		dev_err(dev, "the controller has no free BAR\n");
		return -ENOSPC;
	}

	/*
	 * A new register block starts from zero, and so do the counters
	 * that the handlers copy into it: a count kept from an earlier
	 * binding would show the host interrupts it never caused.
	 */
	dbt->irq_count = 0;
	dbt->echo_count = 0;
	dbt->msi_count = 0;

	dbt->reg = pci_epf_alloc_space(epf, max_t(size_t, sizeof(*dbt->reg),
						  EPF_DB_TEST_BAR_MIN_SIZE),
				       dbt->reg_bar, dbt->features,
				       PRIMARY_INTERFACE);
	if (!dbt->reg)
		return -ENOMEM;

	dbt->dbs = pci_ep_doorbell_alloc(epf, 1);
	if (IS_ERR(dbt->dbs)) {
		ret = PTR_ERR(dbt->dbs);
		dev_err(dev, "no doorbell: %d\n", ret);
		goto free_space;
	}
	db = &dbt->dbs->db[0];

	ret = epf_db_test_place_doorbell(dbt, &offset);
	if (ret)
		goto free_doorbell;

	ret = request_irq(db->irq, epf_db_test_irq, db->irq_flags,
			  dev_name(dev), dbt);
	if (ret) {
		dev_err(dev, "doorbell IRQ %d: %d\n", db->irq, ret);
		goto free_doorbell;
	}

	epf_db_test_publish(dbt, offset);
	dev_dbg(dev, "doorbell: BAR%u + %#x, data %#x, IRQ %d\n",
		epf_db_test_read(&dbt->reg->db_bar), offset, db->data, db->irq);

	return 0;

free_doorbell:
	pci_ep_doorbell_free(dbt->dbs);
free_space:
	pci_epf_free_space(epf, dbt->reg, dbt->reg_bar, PRIMARY_INTERFACE);
	dbt->reg = NULL;
	return ret;
}

static void epf_db_test_unbind(struct pci_epf *epf)
{
	struct epf_db_test *dbt = epf_get_drvdata(epf);
	struct pci_epc *epc = epf->epc;

	/*
	 * pci_epf_bind() calls unbind after a bind that failed, which left
	 * nothing behind: its error paths clear ->reg.
	 */
	if (!dbt->reg)
		return;

	if (epc->init_complete)
		epf_db_test_clear_bars(dbt);
	free_irq(dbt->dbs->db[0].irq, dbt);
	cancel_work_sync(&dbt->echo_work);
	pci_ep_doorbell_free(dbt->dbs);
	pci_epf_free_space(epf, dbt->reg, dbt->reg_bar, PRIMARY_INTERFACE);
	dbt->reg = NULL;
}

static int epf_db_test_probe(struct pci_epf *epf,
			     const struct pci_epf_device_id *id)
{
	struct epf_db_test *dbt;

	dbt = devm_kzalloc(&epf->dev, sizeof(*dbt), GFP_KERNEL);
	if (!dbt)
		return -ENOMEM;

	dbt->epf = epf;
	dbt->header = epf_db_test_default_header;
	INIT_WORK(&dbt->echo_work, epf_db_test_echo);

	epf->header = &dbt->header;
	epf->event_ops = &epf_db_test_event_ops;
	epf_set_drvdata(epf, dbt);

	return 0;
}

static const struct pci_epf_device_id epf_db_test_ids[] = {
	{ .name = "pci_epf_db_test" },
	{}
};

static const struct pci_epf_ops epf_db_test_ops = {
	.bind	= epf_db_test_bind,
	.unbind	= epf_db_test_unbind,
};

static struct pci_epf_driver epf_db_test_driver = {
	.driver.name	= "pci_epf_db_test",
	.probe		= epf_db_test_probe,
	.id_table	= epf_db_test_ids,
	.ops		= &epf_db_test_ops,
	.owner		= THIS_MODULE,
};

static int __init epf_db_test_init(void)
{
	return pci_epf_register_driver(&epf_db_test_driver);
}
module_init(epf_db_test_init);

static void __exit epf_db_test_exit(void)
{
	pci_epf_unregister_driver(&epf_db_test_driver);
}
module_exit(epf_db_test_exit);

MODULE_DESCRIPTION("PCI endpoint function: doorbell test");
MODULE_LICENSE("GPL");
MODULE_VERSION(VNTB_VERSION);
