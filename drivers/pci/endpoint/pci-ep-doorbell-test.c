// SPDX-License-Identifier: GPL-2.0
/*
 * KUnit tests of the endpoint doorbell layer: what the registry accepts,
 * the order of the backends, the embedded backend's decisions and the MSI
 * backend's doorbells and failures.
 *
 * They call the real exported API on a fake controller: a struct pci_epc
 * that the endpoint core never sees, whose parent is a KUnit device with
 * no IOMMU. Static stubs choose the MSI backend's answer, or stand in for
 * the platform MSI core under the real backend, and record the DMA
 * mappings; one case maps for real, through dma-direct. The module
 * that registers a doorbell, which the layer pins, is this test module
 * or, where a case watches the pin, a stand-in struct module.
 */

#include <kunit/device.h>
#include <kunit/static_stub.h>
#include <kunit/test.h>
#include <linux/dma-mapping.h>
#include <linux/interrupt.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/msi.h>
#include <linux/pci-ep-doorbell.h>
#include <linux/sizes.h>

#include "pci-ep-doorbell-internal.h"

MODULE_IMPORT_NS(EXPORTED_FOR_KUNIT_TESTING);

/*
 * A made-up doorbell register page. It must not be RAM (dma_map_resource()
 * refuses RAM), and is aligned to the largest page size so that offsets
 * within it are the same whatever PAGE_SIZE is.
 */
#define TEST_DB_PAGE	0x10000000ULL
/* Never requested: the tests only check that it is handed out. */
#define TEST_DB_IRQ	42
#define TEST_DB_DATA	0xdb0000a5
/* What the DMA mapping stub returns: stands for an IOVA. */
#define TEST_IOVA	0xfeed0000ULL
/*
 * An MSI doorbell as the GIC ITS of QEMU's virt machine composes it: the
 * ITS's translation register, beyond 4 GiB as an IOVA may be; the data
 * is the event, the doorbell's index here. Linux IRQs never requested.
 */
#define TEST_MSI_ADDR	0x1008090040ULL
#define TEST_MSI_DATA	0x10
#define TEST_MSI_IRQ	100

/**
 * struct pci_ep_db_test - one test's fake controller and what stubs saw
 * @epc: the fake controller
 * @epf: a function bound to it
 * @parent: @epc's parent device, the one doorbells are mapped for
 * @msi_ret: what the MSI backend's stub returns
 * @msi_calls: calls to the MSI backend's stub
 * @msi_domain: whether the controller has an MSI domain, when stubbed
 * @irqs_ret: what the MSI interrupt allocation stub returns
 * @irqs_calls: calls to it
 * @irqs_count: number of interrupts it was last asked for
 * @irqs_frees: calls to the MSI interrupt freeing stub
 * @act_fail_at: doorbell whose activation fails (-EBUSY), or -1
 * @act_write: whether activation composes a message
 * @act_addr: the address it composes
 * @map_ret: what the mapping stub returns
 * @maps: calls to the mapping stub
 * @map_dev: device it was last given
 * @map_phys: physical address it was last given
 * @map_size: size it was last given
 * @map_dir: direction it was last given
 * @unmaps: calls to the unmapping stub
 * @unmap_dev: device it was last given
 * @unmap_addr: DMA address it was last given
 * @unmap_size: size it was last given
 * @unmap_dir: direction it was last given
 */
struct pci_ep_db_test {
	struct pci_epc *epc;
	struct pci_epf *epf;
	struct device *parent;
	int msi_ret;
	unsigned int msi_calls;
	bool msi_domain;
	int irqs_ret;
	unsigned int irqs_calls;
	unsigned int irqs_count;
	unsigned int irqs_frees;
	int act_fail_at;
	bool act_write;
	u64 act_addr;
	dma_addr_t map_ret;
	unsigned int maps;
	struct device *map_dev;
	phys_addr_t map_phys;
	size_t map_size;
	enum dma_data_direction map_dir;
	unsigned int unmaps;
	struct device *unmap_dev;
	dma_addr_t unmap_addr;
	size_t unmap_size;
	enum dma_data_direction unmap_dir;
};

static struct pci_ep_db_test *pci_ep_db_test_ctx(void)
{
	return kunit_get_current_test()->priv;
}

static int pci_ep_db_test_msi_alloc(struct pci_ep_doorbells *dbs)
{
	struct pci_ep_db_test *t = pci_ep_db_test_ctx();

	t->msi_calls++;
	return t->msi_ret;
}

static dma_addr_t pci_ep_db_test_dma_map(struct device *dev,
					 phys_addr_t phys, size_t size,
					 enum dma_data_direction dir)
{
	struct pci_ep_db_test *t = pci_ep_db_test_ctx();

	t->maps++;
	t->map_dev = dev;
	t->map_phys = phys;
	t->map_size = size;
	t->map_dir = dir;
	return t->map_ret;
}

static void pci_ep_db_test_dma_unmap(struct device *dev, dma_addr_t addr,
				     size_t size, enum dma_data_direction dir)
{
	struct pci_ep_db_test *t = pci_ep_db_test_ctx();

	t->unmaps++;
	t->unmap_dev = dev;
	t->unmap_addr = addr;
	t->unmap_size = size;
	t->unmap_dir = dir;
}

/* Let the MSI backend answer @ret, counting its calls. */
static void pci_ep_db_test_stub_msi(struct kunit *test, int ret)
{
	struct pci_ep_db_test *t = test->priv;

	t->msi_ret = ret;
	kunit_activate_static_stub(test, pci_ep_doorbell_msi_alloc,
				   pci_ep_db_test_msi_alloc);
}

/* Record the embedded backend's mappings instead of making them. */
static void pci_ep_db_test_stub_dma(struct kunit *test)
{
	kunit_activate_static_stub(test, pci_ep_doorbell_dma_map,
				   pci_ep_db_test_dma_map);
	kunit_activate_static_stub(test, pci_ep_doorbell_dma_unmap,
				   pci_ep_db_test_dma_unmap);
}

static struct pci_ep_aux_resource pci_ep_db_test_res(phys_addr_t phys,
						     enum pci_barno bar,
						     resource_size_t bar_off)
{
	return (struct pci_ep_aux_resource) {
		.type = PCI_EP_AUX_DOORBELL_MMIO,
		.phys_addr = phys,
		.size = sizeof(u32),
		.bar = bar,
		.bar_offset = bar_off,
		.u.db = {
			.irq = TEST_DB_IRQ,
			.irq_flags = IRQF_SHARED,
			.data = TEST_DB_DATA,
		},
	};
}

KUNIT_DEFINE_ACTION_WRAPPER(pci_ep_db_test_unregister, pci_ep_aux_unregister,
			    struct device *);

/*
 * A fake controller device, unregistered from the registry when the test
 * ends however it ends, before KUnit frees the device: the registry must
 * not keep a pointer to freed memory.
 */
static struct device *pci_ep_db_test_dev(struct kunit *test, const char *name)
{
	struct device *dev;
	int ret;

	dev = kunit_device_register(test, name);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dev);
	dev->coherent_dma_mask = DMA_BIT_MASK(64);
	dev->dma_mask = &dev->coherent_dma_mask;
	ret = kunit_add_action_or_reset(test, pci_ep_db_test_unregister, dev);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return dev;
}

/* Register @res as the test's controller's only resource. */
static void pci_ep_db_test_register(struct kunit *test,
				    const struct pci_ep_aux_resource *res)
{
	struct pci_ep_db_test *t = test->priv;

	KUNIT_ASSERT_EQ(test, pci_ep_aux_register(t->parent, res, 1), 0);
}

/*
 * A stand-in for the module that registers a doorbell, live and with the
 * loader's base reference: try_module_get() and module_put() look at
 * nothing else. Its reference count exists only with CONFIG_MODULE_UNLOAD.
 */
static struct module *pci_ep_db_test_owner(struct kunit *test)
{
	struct module *owner;

	if (!IS_ENABLED(CONFIG_MODULE_UNLOAD))
		kunit_skip(test, "module references need CONFIG_MODULE_UNLOAD");

	owner = kunit_kzalloc(test, sizeof(*owner), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, owner);
	owner->state = MODULE_STATE_LIVE;
#ifdef CONFIG_MODULE_UNLOAD
	atomic_set(&owner->refcnt, 1);
#endif
	return owner;
}

/* References taken on a stand-in owner, beyond the loader's base one */
static int pci_ep_db_test_refs(struct module *owner)
{
#ifdef CONFIG_MODULE_UNLOAD
	return module_refcount(owner);
#else
	return 0;
#endif
}

/* Register @res with @owner as the test's controller's only resource. */
static void pci_ep_db_test_register_owned(struct kunit *test,
					  const struct pci_ep_aux_resource *res,
					  struct module *owner)
{
	struct pci_ep_db_test *t = test->priv;

	KUNIT_ASSERT_EQ(test, __pci_ep_aux_register(t->parent, res, 1, owner),
			0);
}

KUNIT_DEFINE_ACTION_WRAPPER(pci_ep_db_test_free, pci_ep_doorbell_free,
			    struct pci_ep_doorbells *);

/* Allocate @count doorbells, asserting success; freed when the test ends. */
static struct pci_ep_doorbells *pci_ep_db_test_alloc(struct kunit *test,
						     unsigned int count)
{
	struct pci_ep_db_test *t = test->priv;
	struct pci_ep_doorbells *dbs;
	int ret;

	dbs = pci_ep_doorbell_alloc(t->epf, count);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dbs);
	KUNIT_ASSERT_EQ(test, dbs->count, count);
	KUNIT_ASSERT_PTR_EQ(test, dbs->epf, t->epf);
	ret = kunit_add_action_or_reset(test, pci_ep_db_test_free, dbs);
	KUNIT_ASSERT_EQ(test, ret, 0);
	return dbs;
}

static int pci_ep_db_test_alloc_err(struct kunit *test, unsigned int count)
{
	struct pci_ep_db_test *t = test->priv;
	struct pci_ep_doorbells *dbs;

	dbs = pci_ep_doorbell_alloc(t->epf, count);
	if (!IS_ERR(dbs)) {
		pci_ep_doorbell_free(dbs);
		return 0;
	}
	return PTR_ERR(dbs);
}

static void pci_ep_db_test_register_rejects(struct kunit *test)
{
	struct pci_ep_aux_resource many[PCI_EP_AUX_MAX_COUNT + 1];
	struct pci_ep_db_test *t = test->priv;
	struct pci_ep_aux_resource good, bad;
	unsigned int i;

	good = pci_ep_db_test_res(TEST_DB_PAGE, NO_BAR, 0);
	for (i = 0; i < ARRAY_SIZE(many); i++)
		many[i] = good;

	KUNIT_EXPECT_EQ(test, pci_ep_aux_register(NULL, &good, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, pci_ep_aux_register(t->parent, NULL, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, pci_ep_aux_register(t->parent, &good, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test, pci_ep_aux_register(t->parent, many,
						  ARRAY_SIZE(many)), -EINVAL);

	bad = good;
	bad.type = (enum pci_ep_aux_type)99;
	KUNIT_EXPECT_EQ(test, pci_ep_aux_register(t->parent, &bad, 1), -EINVAL);

	bad = good;
	bad.size = 0;
	KUNIT_EXPECT_EQ(test, pci_ep_aux_register(t->parent, &bad, 1), -EINVAL);

	bad = good;
	bad.size = sizeof(u16);
	KUNIT_EXPECT_EQ(test, pci_ep_aux_register(t->parent, &bad, 1), -EINVAL);

	bad = good;
	bad.phys_addr = (phys_addr_t)-2;
	KUNIT_EXPECT_EQ(test, pci_ep_aux_register(t->parent, &bad, 1), -EINVAL);

	bad = good;
	bad.bar = (enum pci_barno)(BAR_5 + 1);
	KUNIT_EXPECT_EQ(test, pci_ep_aux_register(t->parent, &bad, 1), -EINVAL);

	bad = good;
	bad.u.db.irq = 0;
	KUNIT_EXPECT_EQ(test, pci_ep_aux_register(t->parent, &bad, 1), -EINVAL);

	bad = good;
	bad.u.db.irq = -ENXIO;
	KUNIT_EXPECT_EQ(test, pci_ep_aux_register(t->parent, &bad, 1), -EINVAL);

	/* One bad entry spoils the lot. */
	many[1] = bad;
	KUNIT_EXPECT_EQ(test, pci_ep_aux_register(t->parent, many, 2), -EINVAL);

	/* None of that was kept. */
	KUNIT_EXPECT_EQ(test, pci_ep_db_test_alloc_err(test, 1), -ENODEV);
}

static void pci_ep_db_test_register_busy(struct kunit *test)
{
	struct pci_ep_db_test *t = test->priv;
	struct pci_ep_aux_resource res;
	struct device *other;

	res = pci_ep_db_test_res(TEST_DB_PAGE, BAR_4, 0);
	pci_ep_db_test_register(test, &res);
	KUNIT_EXPECT_EQ(test, pci_ep_aux_register(t->parent, &res, 1), -EBUSY);

	/* Another controller is another entry, not a conflict. */
	other = pci_ep_db_test_dev(test, "pci-ep-doorbell-test-other");
	KUNIT_EXPECT_EQ(test, pci_ep_aux_register(other, &res, 1), 0);

	/* Once unregistered, the controller may register again. */
	pci_ep_aux_unregister(t->parent);
	KUNIT_EXPECT_EQ(test, pci_ep_db_test_alloc_err(test, 1), -ENODEV);
	KUNIT_EXPECT_EQ(test, pci_ep_aux_register(t->parent, &res, 1), 0);
	KUNIT_EXPECT_EQ(test, pci_ep_db_test_alloc_err(test, 1), 0);
}

static void pci_ep_db_test_register_copies(struct kunit *test)
{
	struct pci_ep_aux_resource res;
	struct pci_ep_doorbells *dbs;

	res = pci_ep_db_test_res(TEST_DB_PAGE, BAR_4, 0x40);
	pci_ep_db_test_register(test, &res);
	memset(&res, 0, sizeof(res));

	dbs = pci_ep_db_test_alloc(test, 1);
	KUNIT_EXPECT_EQ(test, dbs->db[0].bar, BAR_4);
	KUNIT_EXPECT_EQ(test, dbs->db[0].offset, 0x40);
	KUNIT_EXPECT_EQ(test, dbs->db[0].data, TEST_DB_DATA);
	KUNIT_EXPECT_EQ(test, dbs->db[0].irq, TEST_DB_IRQ);
}

static void pci_ep_db_test_alloc_rejects(struct kunit *test)
{
	struct pci_ep_db_test *t = test->priv;
	struct pci_ep_aux_resource res;
	struct pci_epf *unbound;

	res = pci_ep_db_test_res(TEST_DB_PAGE, BAR_4, 0);
	pci_ep_db_test_register(test, &res);

	KUNIT_EXPECT_EQ(test, pci_ep_db_test_alloc_err(test, 0), -EINVAL);
	KUNIT_EXPECT_EQ(test,
			pci_ep_db_test_alloc_err(test, PCI_EP_DOORBELL_MAX_COUNT + 1),
			-EINVAL);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pci_ep_doorbell_alloc(NULL, 1)),
			-EINVAL);

	unbound = kunit_kzalloc(test, sizeof(*unbound), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, unbound);
	KUNIT_EXPECT_EQ(test, PTR_ERR(pci_ep_doorbell_alloc(unbound, 1)),
			-EINVAL);

	/* The bounds themselves are fine. */
	pci_ep_db_test_alloc(test, 1);
	pci_ep_db_test_alloc(test, PCI_EP_DOORBELL_MAX_COUNT);
	KUNIT_EXPECT_NOT_NULL(test, t->epf->epc);
}

/*
 * The MSI backend, unstubbed, on a controller without an MSI domain (a
 * KUnit device has none) hands over to the embedded one.
 */
static void pci_ep_db_test_msi_enodev(struct kunit *test)
{
	struct pci_ep_aux_resource res;
	struct pci_ep_doorbells *dbs;

	res = pci_ep_db_test_res(TEST_DB_PAGE, BAR_4, 0);
	pci_ep_db_test_register(test, &res);
	dbs = pci_ep_db_test_alloc(test, 2);
	KUNIT_EXPECT_EQ(test, dbs->backend, PCI_EP_DOORBELL_EMBEDDED);
}

/* MSI is asked first; its -ENODEV leads to the embedded backend. */
static void pci_ep_db_test_order(struct kunit *test)
{
	struct pci_ep_db_test *t = test->priv;
	struct pci_ep_aux_resource res;
	struct pci_ep_doorbells *dbs;

	pci_ep_db_test_stub_msi(test, -ENODEV);
	pci_ep_db_test_stub_dma(test);
	res = pci_ep_db_test_res(TEST_DB_PAGE, NO_BAR, 0);
	pci_ep_db_test_register(test, &res);

	dbs = pci_ep_db_test_alloc(test, 1);
	KUNIT_EXPECT_EQ(test, dbs->backend, PCI_EP_DOORBELL_EMBEDDED);
	KUNIT_EXPECT_EQ(test, t->msi_calls, 1);
	KUNIT_EXPECT_EQ(test, t->maps, 1);
}

/* Any other MSI error is the answer: no fallback hides it. */
static void pci_ep_db_test_msi_error(struct kunit *test)
{
	struct pci_ep_db_test *t = test->priv;
	struct pci_ep_aux_resource res;

	pci_ep_db_test_stub_msi(test, -EIO);
	pci_ep_db_test_stub_dma(test);
	res = pci_ep_db_test_res(TEST_DB_PAGE, NO_BAR, 0);
	pci_ep_db_test_register(test, &res);

	KUNIT_EXPECT_EQ(test, pci_ep_db_test_alloc_err(test, 1), -EIO);
	KUNIT_EXPECT_EQ(test, t->msi_calls, 1);
	KUNIT_EXPECT_EQ(test, t->maps, 0);
}

/* When MSI delivers, the embedded backend is not touched. */
static void pci_ep_db_test_msi_used(struct kunit *test)
{
	struct pci_ep_db_test *t = test->priv;
	struct pci_ep_aux_resource res;
	struct pci_ep_doorbells *dbs;

	pci_ep_db_test_stub_msi(test, 0);
	pci_ep_db_test_stub_dma(test);
	res = pci_ep_db_test_res(TEST_DB_PAGE, NO_BAR, 0);
	pci_ep_db_test_register(test, &res);

	dbs = pci_ep_doorbell_alloc(t->epf, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dbs);
	KUNIT_EXPECT_EQ(test, dbs->backend, PCI_EP_DOORBELL_MSI);
	pci_ep_doorbell_free(dbs);
	KUNIT_EXPECT_EQ(test, t->maps, 0);
	KUNIT_EXPECT_EQ(test, t->unmaps, 0);
}

static void pci_ep_db_test_no_doorbell(struct kunit *test)
{
	KUNIT_EXPECT_EQ(test, pci_ep_db_test_alloc_err(test, 1), -ENODEV);
}

static void pci_ep_db_test_misaligned(struct kunit *test)
{
	struct pci_ep_db_test *t = test->priv;
	struct pci_ep_aux_resource res;

	pci_ep_db_test_stub_dma(test);

	res = pci_ep_db_test_res(TEST_DB_PAGE + 2, NO_BAR, 0);
	pci_ep_db_test_register(test, &res);
	KUNIT_EXPECT_EQ(test, pci_ep_db_test_alloc_err(test, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, t->maps, 0);
	pci_ep_aux_unregister(t->parent);

	/* Pre-exposed or not, the register itself is wrong. */
	res = pci_ep_db_test_res(TEST_DB_PAGE + 1, BAR_4, 1);
	KUNIT_ASSERT_EQ(test, pci_ep_aux_register(t->parent, &res, 1), 0);
	KUNIT_EXPECT_EQ(test, pci_ep_db_test_alloc_err(test, 1), -EINVAL);
}

static void pci_ep_db_test_pre_exposed(struct kunit *test)
{
	struct pci_ep_db_test *t = test->priv;
	struct pci_ep_aux_resource res;
	struct pci_ep_doorbells *dbs;
	unsigned int i;

	pci_ep_db_test_stub_dma(test);
	res = pci_ep_db_test_res(TEST_DB_PAGE + 0x100, BAR_4, 0x1100);
	pci_ep_db_test_register(test, &res);

	dbs = pci_ep_doorbell_alloc(t->epf, 4);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dbs);
	KUNIT_EXPECT_EQ(test, dbs->backend, PCI_EP_DOORBELL_EMBEDDED);
	for (i = 0; i < dbs->count; i++) {
		KUNIT_EXPECT_EQ(test, dbs->db[i].bar, BAR_4);
		KUNIT_EXPECT_EQ(test, dbs->db[i].offset, 0x1100);
		KUNIT_EXPECT_EQ(test, dbs->db[i].data, TEST_DB_DATA);
		KUNIT_EXPECT_EQ(test, dbs->db[i].irq, TEST_DB_IRQ);
		KUNIT_EXPECT_EQ(test, dbs->db[i].irq_flags, IRQF_SHARED);
	}
	pci_ep_doorbell_free(dbs);
	KUNIT_EXPECT_EQ(test, t->maps, 0);
	KUNIT_EXPECT_EQ(test, t->unmaps, 0);
}

/* Not pre-exposed: the register's page is mapped, DMA_FROM_DEVICE. */
static void pci_ep_db_test_mapped(struct kunit *test)
{
	static const resource_size_t offs[] = { 0x10, PAGE_SIZE - sizeof(u32) };
	struct pci_ep_db_test *t = test->priv;
	struct pci_ep_aux_resource res;
	struct pci_ep_doorbells *dbs;
	unsigned int i, j;

	pci_ep_db_test_stub_dma(test);

	for (j = 0; j < ARRAY_SIZE(offs); j++) {
		res = pci_ep_db_test_res(TEST_DB_PAGE + offs[j], NO_BAR, 0);
		pci_ep_aux_unregister(t->parent);
		KUNIT_ASSERT_EQ(test, pci_ep_aux_register(t->parent, &res, 1), 0);

		t->maps = 0;
		dbs = pci_ep_doorbell_alloc(t->epf, 3);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dbs);
		KUNIT_EXPECT_EQ(test, dbs->backend, PCI_EP_DOORBELL_EMBEDDED);
		KUNIT_EXPECT_EQ(test, t->maps, 1);
		KUNIT_EXPECT_PTR_EQ(test, t->map_dev, t->parent);
		KUNIT_EXPECT_EQ(test, t->map_phys, TEST_DB_PAGE);
		KUNIT_EXPECT_EQ(test, t->map_size, PAGE_SIZE);
		KUNIT_EXPECT_EQ(test, t->map_dir, DMA_FROM_DEVICE);
		for (i = 0; i < dbs->count; i++) {
			KUNIT_EXPECT_EQ(test, dbs->db[i].bar, NO_BAR);
			KUNIT_EXPECT_EQ(test, dbs->db[i].dma_addr, TEST_IOVA);
			KUNIT_EXPECT_EQ(test, dbs->db[i].offset, offs[j]);
			KUNIT_EXPECT_EQ(test, dbs->db[i].data, TEST_DB_DATA);
			KUNIT_EXPECT_EQ(test, dbs->db[i].irq, TEST_DB_IRQ);
			KUNIT_EXPECT_EQ(test, dbs->db[i].irq_flags, IRQF_SHARED);
		}
		pci_ep_doorbell_free(dbs);
	}
}

/*
 * A doorbell says how much around it is mapped (so that a function can
 * keep its BAR window within), and nothing for a pre-exposed one.
 */
static void pci_ep_db_test_reach(struct kunit *test)
{
	struct pci_ep_db_test *t = test->priv;
	struct pci_ep_aux_resource res;
	struct pci_ep_doorbells *dbs;
	unsigned int i;

	pci_ep_db_test_stub_dma(test);
	res = pci_ep_db_test_res(TEST_DB_PAGE + 0x40, NO_BAR, 0);
	pci_ep_db_test_register(test, &res);

	dbs = pci_ep_doorbell_alloc(t->epf, 2);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dbs);
	for (i = 0; i < dbs->count; i++) {
		KUNIT_EXPECT_EQ(test, dbs->db[i].size, t->map_size);
		KUNIT_EXPECT_EQ(test, dbs->db[i].size, PAGE_SIZE);
		KUNIT_EXPECT_LE(test, dbs->db[i].offset + sizeof(u32),
				dbs->db[i].size);
	}
	pci_ep_doorbell_free(dbs);

	res = pci_ep_db_test_res(TEST_DB_PAGE + 0x40, BAR_2, 0x40);
	pci_ep_aux_unregister(t->parent);
	KUNIT_ASSERT_EQ(test, pci_ep_aux_register(t->parent, &res, 1), 0);
	dbs = pci_ep_db_test_alloc(test, 1);
	KUNIT_EXPECT_EQ(test, dbs->db[0].bar, BAR_2);
	KUNIT_EXPECT_EQ(test, dbs->db[0].size, 0);
}

/* Free undoes exactly the mapping that alloc made. */
static void pci_ep_db_test_free_unmaps(struct kunit *test)
{
	struct pci_ep_db_test *t = test->priv;
	struct pci_ep_aux_resource res;
	struct pci_ep_doorbells *dbs;

	pci_ep_db_test_stub_dma(test);
	res = pci_ep_db_test_res(TEST_DB_PAGE + 0x20, NO_BAR, 0);
	pci_ep_db_test_register(test, &res);

	dbs = pci_ep_doorbell_alloc(t->epf, 2);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dbs);
	KUNIT_EXPECT_EQ(test, t->unmaps, 0);
	pci_ep_doorbell_free(dbs);

	KUNIT_EXPECT_EQ(test, t->unmaps, 1);
	KUNIT_EXPECT_PTR_EQ(test, t->unmap_dev, t->map_dev);
	KUNIT_EXPECT_EQ(test, t->unmap_addr, TEST_IOVA);
	KUNIT_EXPECT_EQ(test, t->unmap_size, t->map_size);
	KUNIT_EXPECT_EQ(test, t->unmap_dir, t->map_dir);

	/* Nothing to free is no error. */
	pci_ep_doorbell_free(NULL);
	pci_ep_doorbell_free(ERR_PTR(-ENODEV));
	KUNIT_EXPECT_EQ(test, t->unmaps, 1);
}

static void pci_ep_db_test_map_error(struct kunit *test)
{
	struct pci_ep_db_test *t = test->priv;
	struct pci_ep_aux_resource res;

	pci_ep_db_test_stub_dma(test);
	t->map_ret = DMA_MAPPING_ERROR;
	res = pci_ep_db_test_res(TEST_DB_PAGE, NO_BAR, 0);
	pci_ep_db_test_register(test, &res);

	KUNIT_EXPECT_EQ(test, pci_ep_db_test_alloc_err(test, 1), -ENOMEM);
	KUNIT_EXPECT_EQ(test, t->maps, 1);
	KUNIT_EXPECT_EQ(test, t->unmaps, 0);
}

/*
 * No stubs: dma_map_resource() on a device without an IOMMU goes through
 * dma-direct, which hands out the page's bus address, here its physical
 * address.
 */
static void pci_ep_db_test_dma_direct(struct kunit *test)
{
	struct pci_ep_aux_resource res;
	struct pci_ep_doorbells *dbs;

	if (pfn_valid(PHYS_PFN(TEST_DB_PAGE)))
		kunit_skip(test, "%#llx is RAM on this machine", TEST_DB_PAGE);

	res = pci_ep_db_test_res(TEST_DB_PAGE + 0x30, NO_BAR, 0);
	pci_ep_db_test_register(test, &res);

	dbs = pci_ep_db_test_alloc(test, 1);
	KUNIT_EXPECT_EQ(test, dbs->db[0].bar, NO_BAR);
	KUNIT_EXPECT_EQ(test, dbs->db[0].dma_addr, TEST_DB_PAGE);
	KUNIT_EXPECT_EQ(test, dbs->db[0].offset, 0x30);
}

/* Each embedded set pins the owner until it is freed, on either path. */
static void pci_ep_db_test_pins_owner(struct kunit *test)
{
	static const enum pci_barno bars[] = { NO_BAR, BAR_4 };
	struct pci_ep_db_test *t = test->priv;
	struct pci_ep_doorbells *a, *b;
	struct pci_ep_aux_resource res;
	struct module *owner;
	unsigned int i;

	owner = pci_ep_db_test_owner(test);
	pci_ep_db_test_stub_dma(test);

	for (i = 0; i < ARRAY_SIZE(bars); i++) {
		res = pci_ep_db_test_res(TEST_DB_PAGE, bars[i], 0);
		pci_ep_aux_unregister(t->parent);
		pci_ep_db_test_register_owned(test, &res, owner);
		KUNIT_EXPECT_EQ(test, pci_ep_db_test_refs(owner), 0);

		a = pci_ep_doorbell_alloc(t->epf, 1);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, a);
		KUNIT_EXPECT_EQ(test, pci_ep_db_test_refs(owner), 1);
		b = pci_ep_doorbell_alloc(t->epf, 4);
		KUNIT_ASSERT_NOT_ERR_OR_NULL(test, b);
		KUNIT_EXPECT_EQ(test, pci_ep_db_test_refs(owner), 2);

		pci_ep_doorbell_free(a);
		KUNIT_EXPECT_EQ(test, pci_ep_db_test_refs(owner), 1);
		pci_ep_doorbell_free(b);
		KUNIT_EXPECT_EQ(test, pci_ep_db_test_refs(owner), 0);
	}

	/* Registering pins nothing: only doorbells in use do. */
	pci_ep_aux_unregister(t->parent);
	KUNIT_EXPECT_EQ(test, pci_ep_db_test_refs(owner), 0);
}

/* A failed allocation leaves no pin behind. */
static void pci_ep_db_test_failure_unpins(struct kunit *test)
{
	struct pci_ep_db_test *t = test->priv;
	struct pci_ep_aux_resource res;
	struct module *owner;

	owner = pci_ep_db_test_owner(test);
	pci_ep_db_test_stub_dma(test);

	res = pci_ep_db_test_res(TEST_DB_PAGE + 2, NO_BAR, 0);
	pci_ep_db_test_register_owned(test, &res, owner);
	KUNIT_EXPECT_EQ(test, pci_ep_db_test_alloc_err(test, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, pci_ep_db_test_refs(owner), 0);
	pci_ep_aux_unregister(t->parent);

	t->map_ret = DMA_MAPPING_ERROR;
	res = pci_ep_db_test_res(TEST_DB_PAGE, NO_BAR, 0);
	pci_ep_db_test_register_owned(test, &res, owner);
	KUNIT_EXPECT_EQ(test, pci_ep_db_test_alloc_err(test, 1), -ENOMEM);
	KUNIT_EXPECT_EQ(test, pci_ep_db_test_refs(owner), 0);

	/* The MSI backend's doorbells are not the owner's. */
	pci_ep_db_test_stub_msi(test, 0);
	t->map_ret = TEST_IOVA;
	KUNIT_EXPECT_EQ(test, pci_ep_db_test_alloc_err(test, 1), 0);
	KUNIT_EXPECT_EQ(test, pci_ep_db_test_refs(owner), 0);
}

/* While the owner unloads, its doorbell is no longer handed out. */
static void pci_ep_db_test_owner_going(struct kunit *test)
{
	struct pci_ep_db_test *t = test->priv;
	struct pci_ep_aux_resource res;
	struct module *owner;

	owner = pci_ep_db_test_owner(test);
	pci_ep_db_test_stub_dma(test);
	res = pci_ep_db_test_res(TEST_DB_PAGE, NO_BAR, 0);
	pci_ep_db_test_register_owned(test, &res, owner);

	owner->state = MODULE_STATE_GOING;
	KUNIT_EXPECT_EQ(test, pci_ep_db_test_alloc_err(test, 1), -ENODEV);
	KUNIT_EXPECT_EQ(test, t->maps, 0);

	owner->state = MODULE_STATE_LIVE;
	KUNIT_EXPECT_EQ(test, pci_ep_db_test_alloc_err(test, 1), 0);
	KUNIT_EXPECT_EQ(test, pci_ep_db_test_refs(owner), 0);
}

/*
 * A set outlives the controller's registration: freeing it afterwards
 * unmaps and unpins as usual (KASAN would see a use after free).
 */
static void pci_ep_db_test_unregister_in_use(struct kunit *test)
{
	struct pci_ep_db_test *t = test->priv;
	struct pci_ep_aux_resource res;
	struct pci_ep_doorbells *dbs;
	struct module *owner;

	owner = pci_ep_db_test_owner(test);
	pci_ep_db_test_stub_dma(test);
	res = pci_ep_db_test_res(TEST_DB_PAGE + 0x40, NO_BAR, 0);
	pci_ep_db_test_register_owned(test, &res, owner);

	dbs = pci_ep_doorbell_alloc(t->epf, 2);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dbs);
	pci_ep_aux_unregister(t->parent);
	KUNIT_EXPECT_EQ(test, pci_ep_db_test_alloc_err(test, 1), -ENODEV);
	KUNIT_EXPECT_EQ(test, pci_ep_db_test_refs(owner), 1);

	/* The same controller registers again while the old set lives. */
	pci_ep_db_test_register_owned(test, &res, owner);
	KUNIT_EXPECT_EQ(test, pci_ep_db_test_alloc_err(test, 1), 0);

	pci_ep_doorbell_free(dbs);
	KUNIT_EXPECT_EQ(test, t->unmaps, 2);
	KUNIT_EXPECT_EQ(test, pci_ep_db_test_refs(owner), 0);
}

static int pci_ep_db_test_init(struct kunit *test)
{
	struct pci_ep_db_test *t;

	t = kunit_kzalloc(test, sizeof(*t), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t);

	t->parent = pci_ep_db_test_dev(test, "pci-ep-doorbell-test");

	/*
	 * The controller's endpoint controller, created on its device after
	 * the controller driver may have registered the device's resources.
	 */
	t->epc = kunit_kzalloc(test, sizeof(*t->epc), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->epc);
	t->epc->dev.parent = t->parent;

	t->epf = kunit_kzalloc(test, sizeof(*t->epf), GFP_KERNEL);
	KUNIT_ASSERT_NOT_NULL(test, t->epf);
	t->epf->epc = t->epc;

	t->map_ret = TEST_IOVA;
	t->act_fail_at = -1;
	t->act_write = true;
	t->act_addr = TEST_MSI_ADDR;
	test->priv = t;
	return 0;
}

static bool pci_ep_db_test_msi_domain(struct device *dev)
{
	return pci_ep_db_test_ctx()->msi_domain;
}

static int pci_ep_db_test_irqs_alloc(struct device *dev, unsigned int count)
{
	struct pci_ep_db_test *t = pci_ep_db_test_ctx();

	t->irqs_calls++;
	t->irqs_count = count;
	return t->irqs_ret;
}

static void pci_ep_db_test_irqs_free(struct device *dev)
{
	pci_ep_db_test_ctx()->irqs_frees++;
}

/* Write @addr and @data as doorbell @index's message, as the core would. */
static void pci_ep_db_test_msi_msg(struct device *dev, unsigned int index,
				   u64 addr, u32 data)
{
	struct msi_desc desc = { .dev = dev, .msi_index = index };
	struct msi_msg msg = {
		.address_lo = lower_32_bits(addr),
		.address_hi = upper_32_bits(addr),
		.data = data,
	};

	pci_ep_doorbell_msi_write(&desc, &msg);
}

/*
 * Activation as the platform MSI core does it for request_irq() and
 * free_irq(): the message, then the empty one of the deactivation.
 */
static int pci_ep_db_test_activate(struct pci_ep_doorbells *dbs,
				   unsigned int index)
{
	struct pci_ep_db_test *t = pci_ep_db_test_ctx();

	if (t->act_fail_at == index)
		return -EBUSY;
	if (t->act_write) {
		pci_ep_db_test_msi_msg(t->parent, index, t->act_addr,
				       TEST_MSI_DATA + index);
		pci_ep_db_test_msi_msg(t->parent, index, 0, 0);
	}
	return TEST_MSI_IRQ + index;
}

/* The MSI backend, real, on a controller with (stubbed) platform MSIs */
static void pci_ep_db_test_stub_msi_core(struct kunit *test)
{
	struct pci_ep_db_test *t = test->priv;

	t->msi_domain = true;
	kunit_activate_static_stub(test, pci_ep_doorbell_msi_domain,
				   pci_ep_db_test_msi_domain);
	kunit_activate_static_stub(test, pci_ep_doorbell_msi_irqs_alloc,
				   pci_ep_db_test_irqs_alloc);
	kunit_activate_static_stub(test, pci_ep_doorbell_msi_irqs_free,
				   pci_ep_db_test_irqs_free);
	kunit_activate_static_stub(test, pci_ep_doorbell_msi_activate,
				   pci_ep_db_test_activate);
	/* An embedded doorbell too: a fallback would be seen taking it. */
	pci_ep_db_test_stub_dma(test);
}

static void pci_ep_db_test_msi_register(struct kunit *test)
{
	struct pci_ep_aux_resource res;

	res = pci_ep_db_test_res(TEST_DB_PAGE, NO_BAR, 0);
	pci_ep_db_test_register(test, &res);
}

/* Each MSI doorbell: its own data and interrupt, a window on the address */
static void pci_ep_db_test_msi_each(struct kunit *test)
{
	struct pci_ep_db_test *t = test->priv;
	struct pci_ep_doorbells *dbs;
	unsigned int i;

	pci_ep_db_test_stub_msi_core(test);
	pci_ep_db_test_msi_register(test);

	dbs = pci_ep_doorbell_alloc(t->epf, 3);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dbs);
	KUNIT_EXPECT_EQ(test, dbs->backend, PCI_EP_DOORBELL_MSI);
	KUNIT_EXPECT_EQ(test, t->irqs_calls, 1);
	KUNIT_EXPECT_EQ(test, t->irqs_count, 3);
	KUNIT_EXPECT_EQ(test, t->maps, 0);
	for (i = 0; i < dbs->count; i++) {
		KUNIT_EXPECT_EQ(test, dbs->db[i].bar, NO_BAR);
		KUNIT_EXPECT_EQ(test, dbs->db[i].dma_addr,
				ALIGN_DOWN(TEST_MSI_ADDR, SZ_4K));
		KUNIT_EXPECT_EQ(test, dbs->db[i].offset, 0x40);
		KUNIT_EXPECT_EQ(test, dbs->db[i].size, SZ_4K);
		KUNIT_EXPECT_EQ(test, dbs->db[i].data, TEST_MSI_DATA + i);
		KUNIT_EXPECT_EQ(test, dbs->db[i].irq, TEST_MSI_IRQ + i);
		KUNIT_EXPECT_EQ(test, dbs->db[i].irq_flags, 0);
	}

	/* A later, different message does not change what was published. */
	pci_ep_db_test_msi_msg(t->parent, 1, TEST_MSI_ADDR + 0x1000, 7);
	KUNIT_EXPECT_EQ(test, dbs->db[1].data, TEST_MSI_DATA + 1);
	KUNIT_EXPECT_EQ(test, dbs->db[1].offset, 0x40);

	pci_ep_doorbell_free(dbs);
	KUNIT_EXPECT_EQ(test, t->irqs_frees, 1);
	KUNIT_EXPECT_EQ(test, t->unmaps, 0);
}

/* The allocation's failure is the answer, undone, with no fallback. */
static void pci_ep_db_test_msi_alloc_fails(struct kunit *test)
{
	struct pci_ep_db_test *t = test->priv;
	struct pci_ep_doorbells *dbs;

	pci_ep_db_test_stub_msi_core(test);
	pci_ep_db_test_msi_register(test);

	t->irqs_ret = -ENOSPC;
	KUNIT_EXPECT_EQ(test, pci_ep_db_test_alloc_err(test, 2), -ENOSPC);
	KUNIT_EXPECT_EQ(test, t->irqs_frees, 1);
	KUNIT_EXPECT_EQ(test, t->maps, 0);

	/* Nothing of it stays behind: the controller can try again. */
	t->irqs_ret = 0;
	dbs = pci_ep_db_test_alloc(test, 2);
	KUNIT_EXPECT_EQ(test, dbs->backend, PCI_EP_DOORBELL_MSI);
}

/*
 * An MSI parent that cannot make the device's domain: an error, not
 * "no MSI here", and no domain to free.
 */
static void pci_ep_db_test_msi_no_device_domain(struct kunit *test)
{
	struct pci_ep_db_test *t = test->priv;

	pci_ep_db_test_stub_msi_core(test);
	pci_ep_db_test_msi_register(test);

	t->irqs_ret = -ENODEV;
	KUNIT_EXPECT_EQ(test, pci_ep_db_test_alloc_err(test, 1), -EIO);
	KUNIT_EXPECT_EQ(test, t->irqs_frees, 0);
	KUNIT_EXPECT_EQ(test, t->maps, 0);
}

static void pci_ep_db_test_msi_activate_fails(struct kunit *test)
{
	struct pci_ep_db_test *t = test->priv;

	pci_ep_db_test_stub_msi_core(test);
	pci_ep_db_test_msi_register(test);

	t->act_fail_at = 1;
	KUNIT_EXPECT_EQ(test, pci_ep_db_test_alloc_err(test, 3), -EBUSY);
	KUNIT_EXPECT_EQ(test, t->irqs_frees, 1);
	KUNIT_EXPECT_EQ(test, t->maps, 0);
}

static void pci_ep_db_test_msi_no_message(struct kunit *test)
{
	struct pci_ep_db_test *t = test->priv;

	pci_ep_db_test_stub_msi_core(test);
	pci_ep_db_test_msi_register(test);

	t->act_write = false;
	KUNIT_EXPECT_EQ(test, pci_ep_db_test_alloc_err(test, 2), -EIO);
	KUNIT_EXPECT_EQ(test, t->irqs_frees, 1);
	KUNIT_EXPECT_EQ(test, t->maps, 0);
}

static void pci_ep_db_test_msi_misaligned(struct kunit *test)
{
	struct pci_ep_db_test *t = test->priv;

	pci_ep_db_test_stub_msi_core(test);
	pci_ep_db_test_msi_register(test);

	t->act_addr = TEST_MSI_ADDR + 2;
	KUNIT_EXPECT_EQ(test, pci_ep_db_test_alloc_err(test, 1), -EINVAL);
	KUNIT_EXPECT_EQ(test, t->irqs_frees, 1);
}

/* One MSI set per controller: the platform MSI core has one domain. */
static void pci_ep_db_test_msi_busy(struct kunit *test)
{
	struct pci_ep_db_test *t = test->priv;
	struct pci_ep_doorbells *dbs;

	pci_ep_db_test_stub_msi_core(test);
	pci_ep_db_test_msi_register(test);

	dbs = pci_ep_doorbell_alloc(t->epf, 1);
	KUNIT_ASSERT_NOT_ERR_OR_NULL(test, dbs);
	KUNIT_EXPECT_EQ(test, pci_ep_db_test_alloc_err(test, 1), -EBUSY);
	KUNIT_EXPECT_EQ(test, t->irqs_calls, 1);
	KUNIT_EXPECT_EQ(test, t->maps, 0);

	pci_ep_doorbell_free(dbs);
	KUNIT_EXPECT_EQ(test, pci_ep_db_test_alloc_err(test, 1), 0);
	KUNIT_EXPECT_EQ(test, t->irqs_frees, 2);
}

static struct kunit_case pci_ep_db_test_cases[] = {
	KUNIT_CASE(pci_ep_db_test_register_rejects),
	KUNIT_CASE(pci_ep_db_test_register_busy),
	KUNIT_CASE(pci_ep_db_test_register_copies),
	KUNIT_CASE(pci_ep_db_test_alloc_rejects),
	KUNIT_CASE(pci_ep_db_test_msi_enodev),
	KUNIT_CASE(pci_ep_db_test_order),
	KUNIT_CASE(pci_ep_db_test_msi_error),
	KUNIT_CASE(pci_ep_db_test_msi_used),
	KUNIT_CASE(pci_ep_db_test_no_doorbell),
	KUNIT_CASE(pci_ep_db_test_misaligned),
	KUNIT_CASE(pci_ep_db_test_pre_exposed),
	KUNIT_CASE(pci_ep_db_test_mapped),
	KUNIT_CASE(pci_ep_db_test_reach),
	KUNIT_CASE(pci_ep_db_test_free_unmaps),
	KUNIT_CASE(pci_ep_db_test_map_error),
	KUNIT_CASE(pci_ep_db_test_dma_direct),
	KUNIT_CASE(pci_ep_db_test_pins_owner),
	KUNIT_CASE(pci_ep_db_test_failure_unpins),
	KUNIT_CASE(pci_ep_db_test_owner_going),
	KUNIT_CASE(pci_ep_db_test_unregister_in_use),
	KUNIT_CASE(pci_ep_db_test_msi_each),
	KUNIT_CASE(pci_ep_db_test_msi_alloc_fails),
	KUNIT_CASE(pci_ep_db_test_msi_no_device_domain),
	KUNIT_CASE(pci_ep_db_test_msi_activate_fails),
	KUNIT_CASE(pci_ep_db_test_msi_no_message),
	KUNIT_CASE(pci_ep_db_test_msi_misaligned),
	KUNIT_CASE(pci_ep_db_test_msi_busy),
	{}
};

static struct kunit_suite pci_ep_db_test_suite = {
	.name = "pci_ep_doorbell",
	.init = pci_ep_db_test_init,
	.test_cases = pci_ep_db_test_cases,
};

kunit_test_suite(pci_ep_db_test_suite);

MODULE_DESCRIPTION("KUnit tests of the PCI endpoint doorbell layer");
MODULE_LICENSE("GPL");
MODULE_VERSION(VNTB_VERSION);
