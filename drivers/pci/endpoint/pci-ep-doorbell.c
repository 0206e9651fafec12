// SPDX-License-Identifier: GPL-2.0
/*
 * Endpoint doorbells for Linux 6.12: a registry of the auxiliary resources
 * that endpoint controller drivers describe, and the allocator through
 * which endpoint functions get doorbells from an ordered list of backends.
 *
 * Documentation/PCI/endpoint-doorbell.rst describes the API.
 */

#include <kunit/static_stub.h>
#include <kunit/visibility.h>
#include <linux/cleanup.h>
#include <linux/debugfs.h>
#include <linux/dma-mapping.h>
#include <linux/err.h>
#include <linux/interrupt.h>
#include <linux/irqdomain.h>
#include <linux/list.h>
#include <linux/module.h>
#include <linux/msi.h>
#include <linux/mutex.h>
#include <linux/overflow.h>
#include <linux/pci.h>
#include <linux/sizes.h>
#include <linux/slab.h>
#include <linux/spinlock.h>
#include <linux/string.h>

#include "pci-ep-doorbell-internal.h"

/**
 * struct pci_ep_aux_entry - the auxiliary resources of one controller
 * @node: entry in pci_ep_aux_list; empty once the controller unregistered
 * @dev: the controller's device, the registry's key
 * @owner: the module that registered them, whose interrupt handler lowers
 *	the doorbell's level; pinned by each doorbell set from @res
 * @users: doorbell sets allocated from @res and not yet freed
 * @count: number of entries in @res
 * @res: a copy of what the controller driver registered
 *
 * An entry lives while it is registered or while a doorbell set uses it,
 * so that freeing a set after the controller unregistered is safe.
 */
struct pci_ep_aux_entry {
	struct list_head node;
	struct device *dev;
	struct module *owner;
	unsigned int users;
	unsigned int count;
	struct pci_ep_aux_resource res[] __counted_by(count);
};

/*
 * One entry per registered controller. The lock protects the list and the
 * fields of every entry, on the list or not: lookups copy what they need
 * out of an entry under the lock, and an entry is freed, under the lock,
 * once it is neither registered nor used.
 */
static DEFINE_MUTEX(pci_ep_aux_lock);
static LIST_HEAD(pci_ep_aux_list);

/*
 * Test-only (CONFIG_PCI_EP_DOORBELL_FAULT_TEST, see the Kbuild file): map
 * the embedded doorbell DMA_TO_DEVICE, the direction with which an IOMMU
 * refuses the host's write. Set through debugfs, read at each allocation.
 */
static bool pci_ep_doorbell_dma_to_device;
static struct dentry *pci_ep_doorbell_debugfs;

static struct pci_ep_aux_entry *pci_ep_aux_find(struct device *dev)
{
	struct pci_ep_aux_entry *entry;

	lockdep_assert_held(&pci_ep_aux_lock);

	list_for_each_entry(entry, &pci_ep_aux_list, node) {
		if (entry->dev == dev)
			return entry;
	}
	return NULL;
}

static int pci_ep_aux_check(struct device *dev, unsigned int i,
			    const struct pci_ep_aux_resource *res)
{
	phys_addr_t last;

	if (!res->size ||
	    check_add_overflow(res->phys_addr, res->size - 1, &last)) {
		dev_err(dev, "aux resource %u: bad range %pa size %pa\n",
			i, &res->phys_addr, &res->size);
		return -EINVAL;
	}

	if (res->bar != NO_BAR && (res->bar < BAR_0 || res->bar > BAR_5)) {
		dev_err(dev, "aux resource %u: bad BAR %d\n", i, res->bar);
		return -EINVAL;
	}

	switch (res->type) {
	case PCI_EP_AUX_DOORBELL_MMIO:
		if (res->size < sizeof(u32)) {
			dev_err(dev, "aux resource %u: doorbell of %pa bytes\n",
				i, &res->size);
			return -EINVAL;
		}
		if (res->u.db.irq <= 0) {
			dev_err(dev, "aux resource %u: doorbell IRQ %d\n",
				i, res->u.db.irq);
			return -EINVAL;
		}
		return 0;
	default:
		dev_err(dev, "aux resource %u: unknown type %d\n", i, res->type);
		return -EINVAL;
	}
}

/**
 * __pci_ep_aux_register() - describe the auxiliary resources of a
 *	controller
 * @dev: the controller's device, the one its endpoint controller is (or
 *	will be) created on with pci_epc_create()
 * @res: its resources
 * @count: number of entries in @res, 1 to %PCI_EP_AUX_MAX_COUNT
 * @owner: the module whose interrupt handler acknowledges the doorbell
 *	(lowers its level); callers use pci_ep_aux_register(), which passes
 *	THIS_MODULE
 *
 * Called by an endpoint controller driver before it creates its endpoint
 * controller: a function can be bound to the controller from the moment
 * it exists, and finds the doorbell registered already. A module that
 * adds a doorbell to a controller it does not drive registers once the
 * controller is up, and functions bound before that get -ENODEV. The
 * resources are copied: @res may live on the stack. The registering
 * module calls pci_ep_aux_unregister() when the controller goes away (or
 * when creating the endpoint controller failed).
 *
 * Each doorbell set that pci_ep_doorbell_alloc() hands out from @dev holds
 * a reference to @owner until pci_ep_doorbell_free(): a function that
 * holds doorbells has its own handler on the doorbell's interrupt, and if
 * @owner's handler disappeared the interrupt would never be lowered
 * again. While @owner is going away, allocations get -ENODEV.
 *
 * Linux 6.12's struct pci_epc_ops has no operation for this; a
 * get_aux_resources() operation of a later core can take its place.
 *
 * Context: process context; takes a mutex.
 * Return: 0 on success; -EINVAL when an argument or a resource description
 * is invalid; -EBUSY when @dev is already registered; -ENOMEM.
 */
int __pci_ep_aux_register(struct device *dev,
			  const struct pci_ep_aux_resource *res,
			  unsigned int count, struct module *owner)
{
	struct pci_ep_aux_entry *entry;
	unsigned int i;
	int ret;

	if (!dev || !res || !count || count > PCI_EP_AUX_MAX_COUNT)
		return -EINVAL;

	for (i = 0; i < count; i++) {
		ret = pci_ep_aux_check(dev, i, &res[i]);
		if (ret)
			return ret;
	}

	entry = kzalloc(struct_size(entry, res, count), GFP_KERNEL);
	if (!entry)
		return -ENOMEM;
	entry->dev = dev;
	entry->owner = owner;
	entry->count = count;
	memcpy(entry->res, res, flex_array_size(entry, res, count));

	scoped_guard(mutex, &pci_ep_aux_lock) {
		if (!pci_ep_aux_find(dev)) {
			list_add_tail(&entry->node, &pci_ep_aux_list);
			return 0;
		}
	}

	dev_err(dev, "auxiliary resources already registered\n");
	kfree(entry);
	return -EBUSY;
}
EXPORT_SYMBOL_GPL(__pci_ep_aux_register);

/**
 * pci_ep_aux_unregister() - forget the auxiliary resources of a controller
 * @dev: the controller's device given to pci_ep_aux_register()
 *
 * None can be allocated on the controller afterwards. Doorbell sets
 * allocated earlier can still be freed, but they should have been: the
 * owner's pin keeps its module loaded, not the controller bound, so a
 * controller that goes away while a function holds its doorbell leaves
 * that function's interrupt handler without the one that acknowledges it.
 * That is logged. Nothing happens when @dev is not registered.
 *
 * Context: process context; takes a mutex.
 */
void pci_ep_aux_unregister(struct device *dev)
{
	struct pci_ep_aux_entry *entry;

	guard(mutex)(&pci_ep_aux_lock);

	entry = pci_ep_aux_find(dev);
	if (!entry)
		return;

	list_del_init(&entry->node);
	if (!entry->users) {
		kfree(entry);
		return;
	}
	dev_warn(dev, "auxiliary resources unregistered while %u doorbell set(s) are allocated\n",
		 entry->users);
}
EXPORT_SYMBOL_GPL(pci_ep_aux_unregister);

/*
 * The first doorbell register that the controller of @epc registered,
 * copied to @db. The entry is returned used and its owner pinned, for
 * pci_ep_aux_put() to release.
 */
static struct pci_ep_aux_entry *
pci_ep_aux_get_doorbell(struct pci_epc *epc, struct pci_ep_aux_resource *db)
{
	struct pci_ep_aux_entry *entry;
	unsigned int i;

	guard(mutex)(&pci_ep_aux_lock);

	entry = pci_ep_aux_find(epc->dev.parent);
	if (!entry)
		return ERR_PTR(-ENODEV);

	for (i = 0; i < entry->count; i++) {
		if (entry->res[i].type != PCI_EP_AUX_DOORBELL_MMIO)
			continue;
		/* Its module is unloading: about to unregister. */
		if (!try_module_get(entry->owner))
			return ERR_PTR(-ENODEV);
		entry->users++;
		*db = entry->res[i];
		return entry;
	}
	return ERR_PTR(-ENODEV);
}

/* Undo pci_ep_aux_get_doorbell(); the owner is released last. */
static void pci_ep_aux_put(struct pci_ep_aux_entry *entry)
{
	struct module *owner;

	scoped_guard(mutex, &pci_ep_aux_lock) {
		owner = entry->owner;
		entry->users--;
		if (!entry->users && list_empty(&entry->node))
			kfree(entry);
	}
	module_put(owner);
}

/*
 * The window of an MSI doorbell: the aligned 4 KiB around the message
 * address, onto which the function maps its doorbell BAR. An IOMMU maps
 * the MSI controller's doorbell for the device in pages of at least this
 * size, and the GIC ITS's translation register sits alone in a 64 KiB
 * frame, so the window holds nothing else the host could reach.
 */
#define PCI_EP_DOORBELL_MSI_WINDOW	SZ_4K

/*
 * The MSI doorbell sets, at most one per controller device: the platform
 * MSI core gives a device one domain of that kind. Raw lock: the message
 * callback runs under the interrupt descriptor's raw lock.
 */
static DEFINE_RAW_SPINLOCK(pci_ep_msi_lock);
static LIST_HEAD(pci_ep_msi_list);

/**
 * pci_ep_doorbell_msi_write() - capture an MSI doorbell's message
 * @desc: the MSI descriptor of the doorbell's interrupt
 * @msg: the message the kernel composed for it
 *
 * The platform MSI core calls this where a device would write the message
 * into its hardware: when the interrupt is activated, and with an empty
 * message when it is deactivated. The doorbell keeps the first message:
 * it is what the function published to the host. Visible outside this
 * file only with CONFIG_KUNIT, for the tests.
 *
 * Context: any; takes a raw spinlock.
 */
VISIBLE_IF_KUNIT void pci_ep_doorbell_msi_write(struct msi_desc *desc,
						struct msi_msg *msg)
{
	struct pci_ep_doorbells *dbs;
	unsigned int i = desc->msi_index;
	unsigned long flags;
	bool changed = false;

	/* Deactivated: the doorbell comes back with the same message. */
	if (!msg->address_lo && !msg->address_hi)
		return;

	raw_spin_lock_irqsave(&pci_ep_msi_lock, flags);
	list_for_each_entry(dbs, &pci_ep_msi_list, msi.node) {
		if (dbs->msi.dev != desc->dev || i >= dbs->count)
			continue;
		if (!(dbs->msi.written & BIT(i))) {
			dbs->msi.msg[i] = *msg;
			dbs->msi.written |= BIT(i);
		} else if (memcmp(&dbs->msi.msg[i], msg, sizeof(*msg))) {
			changed = true;
		}
		break;
	}
	raw_spin_unlock_irqrestore(&pci_ep_msi_lock, flags);

	if (changed)
		dev_warn(desc->dev, "MSI doorbell %u: the message changed, the host still rings the old one\n",
			 i);
}
EXPORT_SYMBOL_IF_KUNIT(pci_ep_doorbell_msi_write);

/**
 * pci_ep_doorbell_msi_domain() - whether a controller can have MSI
 *	doorbells
 * @dev: the controller's device
 *
 * A platform device whose MSI domain is an MSI parent (the GIC ITS, given
 * by the device tree's msi-parent): one that allocates per-device MSIs
 * with a device ID of the controller's own. A PCI device's MSI domain is
 * its PCI MSIs', whose device ID is its requester ID, not the one of the
 * writes its endpoint receives. Visible outside this file only with
 * CONFIG_KUNIT, so that the tests can give a fake controller a domain.
 *
 * Return: true when the MSI backend can try.
 */
VISIBLE_IF_KUNIT bool pci_ep_doorbell_msi_domain(struct device *dev)
{
	struct irq_domain *domain;

	KUNIT_STATIC_STUB_REDIRECT(pci_ep_doorbell_msi_domain, dev);

	if (!IS_ENABLED(CONFIG_GENERIC_MSI_IRQ) || dev_is_pci(dev))
		return false;
	domain = dev_get_msi_domain(dev);
	return domain && irq_domain_is_msi_parent(domain);
}
EXPORT_SYMBOL_IF_KUNIT(pci_ep_doorbell_msi_domain);

/**
 * pci_ep_doorbell_msi_irqs_alloc() - allocate a controller's MSI doorbell
 *	interrupts
 * @dev: the controller's device, with an MSI parent domain
 * @count: number of interrupts
 *
 * platform_device_msi_init_and_alloc_irqs(), with the message callback
 * that captures each doorbell's message. Visible outside this file only
 * with CONFIG_KUNIT, so that the tests can make it fail.
 *
 * Return: 0 or its error: -ENODEV when it could not make the device's
 * MSI domain, which then is not there to free; any other error once it
 * made the domain, which pci_ep_doorbell_msi_irqs_free() removes.
 */
VISIBLE_IF_KUNIT int pci_ep_doorbell_msi_irqs_alloc(struct device *dev,
						    unsigned int count)
{
	KUNIT_STATIC_STUB_REDIRECT(pci_ep_doorbell_msi_irqs_alloc, dev, count);

#ifdef CONFIG_GENERIC_MSI_IRQ
	return platform_device_msi_init_and_alloc_irqs(dev, count,
						       pci_ep_doorbell_msi_write);
#else
	return -ENODEV;
#endif
}
EXPORT_SYMBOL_IF_KUNIT(pci_ep_doorbell_msi_irqs_alloc);

/**
 * pci_ep_doorbell_msi_irqs_free() - free a controller's MSI doorbell
 *	interrupts and its MSI domain
 * @dev: the controller's device
 *
 * After pci_ep_doorbell_msi_irqs_alloc() made the device's domain, even
 * when it failed afterwards: platform_device_msi_free_irqs_all() finds
 * its device's data missing otherwise. Visible outside this file only
 * with CONFIG_KUNIT, so that the tests can count the calls.
 */
VISIBLE_IF_KUNIT void pci_ep_doorbell_msi_irqs_free(struct device *dev)
{
	KUNIT_STATIC_STUB_REDIRECT(pci_ep_doorbell_msi_irqs_free, dev);

#ifdef CONFIG_GENERIC_MSI_IRQ
	platform_device_msi_free_irqs_all(dev);
#endif
}
EXPORT_SYMBOL_IF_KUNIT(pci_ep_doorbell_msi_irqs_free);

/* Never called: the interrupt is requested disabled. */
static irqreturn_t pci_ep_doorbell_msi_none(int irq, void *data)
{
	return IRQ_NONE;
}

/**
 * pci_ep_doorbell_msi_activate() - have an MSI doorbell's message composed
 * @dbs: the set, with its interrupts allocated
 * @index: the doorbell
 *
 * The platform MSI core composes and writes a message when the interrupt
 * is activated, at request_irq() time; a function needs it earlier, to
 * map its BAR and publish the doorbell. So the interrupt is requested
 * disabled and freed at once: the message, which names the MSI controller
 * and the event, not the target CPU, stays valid until the interrupts are
 * freed. Visible outside this file only with CONFIG_KUNIT, so that the
 * tests can write messages of their own.
 *
 * Return: the doorbell's Linux IRQ, or a negative error.
 */
VISIBLE_IF_KUNIT int pci_ep_doorbell_msi_activate(struct pci_ep_doorbells *dbs,
						  unsigned int index)
{
	int irq = 0;
	int ret;

	KUNIT_STATIC_STUB_REDIRECT(pci_ep_doorbell_msi_activate, dbs, index);

#ifdef CONFIG_GENERIC_MSI_IRQ
	irq = msi_get_virq(dbs->msi.dev, index);
#endif
	if (!irq)
		return -ENXIO;
	ret = request_irq(irq, pci_ep_doorbell_msi_none, IRQF_NO_AUTOEN,
			  "pci-ep-doorbell", dbs);
	if (ret)
		return ret;
	free_irq(irq, dbs);
	return irq;
}
EXPORT_SYMBOL_IF_KUNIT(pci_ep_doorbell_msi_activate);

/* Make @dbs the MSI set of @dev, the only one; a reference on @dev. */
static int pci_ep_doorbell_msi_claim(struct pci_ep_doorbells *dbs,
				     struct device *dev)
{
	struct pci_ep_doorbells *other;

	scoped_guard(raw_spinlock_irqsave, &pci_ep_msi_lock) {
		list_for_each_entry(other, &pci_ep_msi_list, msi.node) {
			if (other->msi.dev == dev) {
				dev_err(dev, "MSI doorbells already allocated on this controller\n");
				return -EBUSY;
			}
		}
		dbs->msi.dev = get_device(dev);
		dbs->msi.written = 0;
		list_add_tail(&dbs->msi.node, &pci_ep_msi_list);
	}
	return 0;
}

static void pci_ep_doorbell_msi_unclaim(struct pci_ep_doorbells *dbs)
{
	scoped_guard(raw_spinlock_irqsave, &pci_ep_msi_lock)
		list_del(&dbs->msi.node);
	put_device(dbs->msi.dev);
}

/* Doorbell @i from its captured message and its interrupt @irq */
static int pci_ep_doorbell_msi_fill(struct pci_ep_doorbells *dbs,
				    unsigned int i, int irq)
{
	struct pci_ep_doorbell *db = &dbs->db[i];
	struct device *dev = dbs->msi.dev;
	struct msi_msg msg;
	bool written;
	u64 addr;

	scoped_guard(raw_spinlock_irqsave, &pci_ep_msi_lock) {
		written = dbs->msi.written & BIT(i);
		msg = dbs->msi.msg[i];
	}
	if (!written) {
		dev_err(dev, "MSI doorbell %u: no message composed\n", i);
		return -EIO;
	}

	addr = (u64)msg.address_hi << 32 | msg.address_lo;
	if (!IS_ALIGNED(addr, sizeof(u32))) {
		dev_err(dev, "MSI doorbell %u: address %#llx not 32-bit aligned\n",
			i, addr);
		return -EINVAL;
	}

	db->bar = NO_BAR;
	db->dma_addr = ALIGN_DOWN(addr, PCI_EP_DOORBELL_MSI_WINDOW);
	db->offset = addr - db->dma_addr;
	db->size = PCI_EP_DOORBELL_MSI_WINDOW;
	db->data = msg.data;
	db->irq = irq;
	db->irq_flags = 0;
	return 0;
}

/**
 * pci_ep_doorbell_msi_alloc() - allocate doorbells from a platform MSI
 *	controller
 * @dbs: the set to fill; @dbs->epf and @dbs->count are set
 *
 * An MSI doorbell is a message of a platform MSI controller (the GIC ITS)
 * that the endpoint controller can write: the function maps one of its
 * BARs onto the message address and the host writes the message data.
 * The messages are allocated for the controller's device, whose device
 * tree msi-parent gives the ITS its device ID; each doorbell gets its own
 * message and its own interrupt. Under an IOMMU the address is the IOVA
 * that the kernel mapped the ITS's register at for the controller.
 *
 * -ENODEV when the controller has no platform MSI domain: the allocator
 * tries the next backend. Any other failure is a real one, which the
 * allocator returns instead of falling back.
 *
 * Visible outside this file only with CONFIG_KUNIT, for the tests.
 *
 * Return: 0; -ENODEV; -EBUSY when the controller has MSI doorbells
 * already (another function's); -ENOMEM; -EIO when no message was
 * composed or the domain could not be made; or the error of the platform
 * MSI core or of request_irq().
 */
VISIBLE_IF_KUNIT int pci_ep_doorbell_msi_alloc(struct pci_ep_doorbells *dbs)
{
	struct device *dev;
	unsigned int i;
	int ret, irq;

	KUNIT_STATIC_STUB_REDIRECT(pci_ep_doorbell_msi_alloc, dbs);

	dev = dbs->epf->epc->dev.parent;
	if (!pci_ep_doorbell_msi_domain(dev))
		return -ENODEV;

	dbs->msi.msg = kcalloc(dbs->count, sizeof(*dbs->msi.msg), GFP_KERNEL);
	if (!dbs->msi.msg)
		return -ENOMEM;

	ret = pci_ep_doorbell_msi_claim(dbs, dev);
	if (ret)
		goto free_msg;

	ret = pci_ep_doorbell_msi_irqs_alloc(dev, dbs->count);
	if (ret == -ENODEV) {
		/* An MSI parent that cannot give a device domain: a failure */
		dev_err(dev, "cannot make an MSI domain for the doorbells\n");
		ret = -EIO;
		goto unclaim;
	}
	if (ret) {
		dev_err(dev, "cannot allocate %u MSI doorbell(s): %d\n",
			dbs->count, ret);
		goto free_irqs;
	}

	for (i = 0; i < dbs->count; i++) {
		irq = pci_ep_doorbell_msi_activate(dbs, i);
		if (irq < 0) {
			dev_err(dev, "MSI doorbell %u: cannot activate: %d\n",
				i, irq);
			ret = irq;
			goto free_irqs;
		}
		ret = pci_ep_doorbell_msi_fill(dbs, i, irq);
		if (ret)
			goto free_irqs;
	}
	return 0;

free_irqs:
	pci_ep_doorbell_msi_irqs_free(dev);
unclaim:
	pci_ep_doorbell_msi_unclaim(dbs);
free_msg:
	kfree(dbs->msi.msg);
	dbs->msi.msg = NULL;
	return ret;
}
EXPORT_SYMBOL_IF_KUNIT(pci_ep_doorbell_msi_alloc);

/* The function freed the interrupts; the messages go with them. */
static void pci_ep_doorbell_msi_free(struct pci_ep_doorbells *dbs)
{
	/* Only a test's stub of the whole backend leaves nothing to undo. */
	if (!dbs->msi.msg)
		return;
	pci_ep_doorbell_msi_irqs_free(dbs->msi.dev);
	pci_ep_doorbell_msi_unclaim(dbs);
	kfree(dbs->msi.msg);
}

/**
 * pci_ep_doorbell_dma_map() - make a doorbell register reachable by the
 *	controller's inbound writes
 * @dev: the device that does the DMA: the controller's parent device
 * @phys: page-aligned physical address of the register's page
 * @size: size of the mapping, whole pages
 * @dir: DMA direction, DMA_FROM_DEVICE but under the test-only knob
 *
 * dma_map_resource() with no attributes: an IOVA under an IOMMU, the bus
 * address otherwise. Visible outside this file only with CONFIG_KUNIT, so
 * that the tests can observe the mapping.
 *
 * Return: the DMA address, or DMA_MAPPING_ERROR.
 */
VISIBLE_IF_KUNIT dma_addr_t pci_ep_doorbell_dma_map(struct device *dev,
						    phys_addr_t phys,
						    size_t size,
						    enum dma_data_direction dir)
{
	KUNIT_STATIC_STUB_REDIRECT(pci_ep_doorbell_dma_map, dev, phys, size,
				   dir);

	return dma_map_resource(dev, phys, size, dir, 0);
}
EXPORT_SYMBOL_IF_KUNIT(pci_ep_doorbell_dma_map);

/**
 * pci_ep_doorbell_dma_unmap() - undo pci_ep_doorbell_dma_map()
 * @dev: the device given to pci_ep_doorbell_dma_map()
 * @addr: the DMA address it returned
 * @size: the size it was given
 * @dir: the direction it was given
 *
 * Visible outside this file only with CONFIG_KUNIT, so that the tests can
 * observe the unmapping.
 */
VISIBLE_IF_KUNIT void pci_ep_doorbell_dma_unmap(struct device *dev,
						dma_addr_t addr, size_t size,
						enum dma_data_direction dir)
{
	KUNIT_STATIC_STUB_REDIRECT(pci_ep_doorbell_dma_unmap, dev, addr, size,
				   dir);

	dma_unmap_resource(dev, addr, size, dir, 0);
}
EXPORT_SYMBOL_IF_KUNIT(pci_ep_doorbell_dma_unmap);

/*
 * The host's write reaches the register as a write that the controller
 * makes into endpoint memory space, so the controller needs write access:
 * from the endpoint's point of view that is DMA_FROM_DEVICE (data flowing
 * from the device into memory). DMA_TO_DEVICE grants read access only,
 * and an IOMMU in strict mode then faults on the host's write.
 */
static enum dma_data_direction pci_ep_doorbell_dma_dir(struct device *dev)
{
	if (IS_ENABLED(CONFIG_PCI_EP_DOORBELL_FAULT_TEST) &&
	    READ_ONCE(pci_ep_doorbell_dma_to_device)) {
		dev_warn(dev, "test knob: doorbell mapped DMA_TO_DEVICE, the host's writes will fault\n");
		return DMA_TO_DEVICE;
	}
	return DMA_FROM_DEVICE;
}

/*
 * The controller's own doorbell register: one register, one interrupt,
 * so every doorbell of the set gets the same target, data and IRQ.
 */
static int pci_ep_doorbell_embedded_alloc(struct pci_ep_doorbells *dbs)
{
	struct pci_epc *epc = dbs->epf->epc;
	struct device *dev = epc->dev.parent;
	struct pci_ep_aux_entry *entry;
	struct pci_ep_aux_resource res;
	enum pci_barno bar = NO_BAR;
	resource_size_t offset;
	dma_addr_t dma_addr = 0;
	size_t size = 0;
	unsigned int i;
	int ret;

	entry = pci_ep_aux_get_doorbell(epc, &res);
	if (IS_ERR(entry))
		return PTR_ERR(entry);

	if (!IS_ALIGNED(res.phys_addr, sizeof(u32))) {
		dev_err(dev, "doorbell register %pa is not 32-bit aligned\n",
			&res.phys_addr);
		ret = -EINVAL;
		goto put;
	}

	if (res.bar != NO_BAR) {
		/* The controller already exposes it: nothing to map. */
		bar = res.bar;
		offset = res.bar_offset;
	} else {
		phys_addr_t page = ALIGN_DOWN(res.phys_addr, PAGE_SIZE);
		enum dma_data_direction dir = pci_ep_doorbell_dma_dir(dev);

		/* An aligned 32-bit register never crosses a page. */
		offset = res.phys_addr - page;
		size = PAGE_ALIGN(offset + sizeof(u32));

		dma_addr = pci_ep_doorbell_dma_map(dev, page, size, dir);
		if (dma_mapping_error(dev, dma_addr)) {
			dev_err(dev, "cannot map doorbell register %pa\n",
				&res.phys_addr);
			ret = -ENOMEM;
			goto put;
		}
		dbs->map.dev = dev;
		dbs->map.addr = dma_addr;
		dbs->map.size = size;
		dbs->map.dir = dir;
	}

	for (i = 0; i < dbs->count; i++) {
		struct pci_ep_doorbell *db = &dbs->db[i];

		db->bar = bar;
		db->offset = offset;
		db->dma_addr = dma_addr;
		db->size = size;
		db->data = res.u.db.data;
		db->irq = res.u.db.irq;
		db->irq_flags = res.u.db.irq_flags;
	}
	dbs->aux = entry;
	return 0;

put:
	pci_ep_aux_put(entry);
	return ret;
}

static void pci_ep_doorbell_embedded_free(struct pci_ep_doorbells *dbs)
{
	if (dbs->map.size)
		pci_ep_doorbell_dma_unmap(dbs->map.dev, dbs->map.addr,
					  dbs->map.size, dbs->map.dir);
	pci_ep_aux_put(dbs->aux);
}

/**
 * struct pci_ep_doorbell_backend_ops - one source of doorbells
 * @id: what the set's backend field reports
 * @name: for messages
 * @alloc: fill every entry of the set. -ENODEV when the backend has
 *	nothing to offer on this kernel or controller: the next one is
 *	tried; any other error ends the allocation. Leaves nothing to undo
 *	when it fails.
 * @free: undo a successful @alloc
 */
struct pci_ep_doorbell_backend_ops {
	enum pci_ep_doorbell_backend id;
	const char *name;
	int (*alloc)(struct pci_ep_doorbells *dbs);
	void (*free)(struct pci_ep_doorbells *dbs);
};

/* The order in which pci_ep_doorbell_alloc() tries the backends. */
static const struct pci_ep_doorbell_backend_ops pci_ep_doorbell_backends[] = {
	{
		.id = PCI_EP_DOORBELL_MSI,
		.name = "MSI",
		.alloc = pci_ep_doorbell_msi_alloc,
		.free = pci_ep_doorbell_msi_free,
	},
	{
		.id = PCI_EP_DOORBELL_EMBEDDED,
		.name = "embedded",
		.alloc = pci_ep_doorbell_embedded_alloc,
		.free = pci_ep_doorbell_embedded_free,
	},
};

/**
 * pci_ep_doorbell_alloc() - allocate doorbells for an endpoint function
 * @epf: the function; it must be bound to its controller (@epf->epc set)
 * @count: number of doorbells, 1 to %PCI_EP_DOORBELL_MAX_COUNT
 *
 * Tries the backends in order: MSI, then, when MSI reports -ENODEV (the
 * controller's device has no platform MSI domain), the controller's
 * embedded doorbell as registered with pci_ep_aux_register(). An error
 * other than -ENODEV from a backend is returned as is, without trying the
 * next.
 *
 * With the MSI backend, each doorbell has its own message data and its
 * own interrupt, and all share the address: the MSI controller's doorbell
 * register, which the function maps a BAR onto (@dma_addr, @offset and
 * @size of each doorbell). The messages stay valid until the set is
 * freed; a controller has one MSI set at a time.
 *
 * With the embedded backend, all @count doorbells are the same register,
 * data and interrupt: the host ringing any of them is one "kick", and the
 * function must look at everything a doorbell may signal when the
 * interrupt fires. When the register is not pre-exposed in a BAR, its page
 * is mapped for the controller with dma_map_resource(DMA_FROM_DEVICE) and
 * each doorbell carries the DMA address to map a BAR onto.
 *
 * The function requests the interrupt itself, with the IRQ and flags of
 * each doorbell. An embedded set keeps the module that registered the
 * doorbell loaded until it is freed, since that module's handler is the
 * one that lowers the interrupt.
 *
 * Context: process context; may sleep.
 * Return: the set, to free with pci_ep_doorbell_free(); or an ERR_PTR():
 * -EINVAL for a bad argument or a misaligned doorbell register, -ENODEV
 * when no backend has doorbells for @epf's controller, -ENOMEM, or the
 * error of a backend.
 */
struct pci_ep_doorbells *pci_ep_doorbell_alloc(struct pci_epf *epf,
					       unsigned int count)
{
	const struct pci_ep_doorbell_backend_ops *ops;
	struct pci_ep_doorbells *dbs;
	unsigned int i;
	int ret = -ENODEV;

	if (!epf || !epf->epc || !count || count > PCI_EP_DOORBELL_MAX_COUNT)
		return ERR_PTR(-EINVAL);

	dbs = kzalloc(struct_size(dbs, db, count), GFP_KERNEL);
	if (!dbs)
		return ERR_PTR(-ENOMEM);
	dbs->epf = epf;
	dbs->count = count;

	for (i = 0; i < ARRAY_SIZE(pci_ep_doorbell_backends); i++) {
		ops = &pci_ep_doorbell_backends[i];
		ret = ops->alloc(dbs);
		if (!ret) {
			dbs->backend = ops->id;
			dev_dbg(epf->epc->dev.parent,
				"%u doorbell(s) from the %s backend\n",
				count, ops->name);
			return dbs;
		}
		if (ret != -ENODEV)
			break;
	}

	kfree(dbs);
	return ERR_PTR(ret);
}
EXPORT_SYMBOL_GPL(pci_ep_doorbell_alloc);

/**
 * pci_ep_doorbell_free() - free doorbells from pci_ep_doorbell_alloc()
 * @dbs: the set; NULL or an ERR_PTR() is ignored
 *
 * Undoes what the backend did: frees the MSI doorbells' interrupts and
 * messages, or unmaps the embedded doorbell's page when it was mapped and
 * releases the module that registered it. The function must have freed
 * its interrupts first.
 *
 * Context: process context.
 */
void pci_ep_doorbell_free(struct pci_ep_doorbells *dbs)
{
	unsigned int i;

	if (IS_ERR_OR_NULL(dbs))
		return;

	for (i = 0; i < ARRAY_SIZE(pci_ep_doorbell_backends); i++) {
		if (pci_ep_doorbell_backends[i].id == dbs->backend) {
			pci_ep_doorbell_backends[i].free(dbs);
			break;
		}
	}
	kfree(dbs);
}
EXPORT_SYMBOL_GPL(pci_ep_doorbell_free);

static int __init pci_ep_doorbell_init(void)
{
	if (IS_ENABLED(CONFIG_PCI_EP_DOORBELL_FAULT_TEST)) {
		pci_ep_doorbell_debugfs = debugfs_create_dir("pci-ep-doorbell",
							     NULL);
		debugfs_create_bool("dma_to_device", 0600,
				    pci_ep_doorbell_debugfs,
				    &pci_ep_doorbell_dma_to_device);
	}
	return 0;
}
module_init(pci_ep_doorbell_init);

static void __exit pci_ep_doorbell_exit(void)
{
	debugfs_remove_recursive(pci_ep_doorbell_debugfs);
}
module_exit(pci_ep_doorbell_exit);

MODULE_DESCRIPTION("PCI endpoint doorbells: MSI, with an embedded-doorbell fallback");
MODULE_LICENSE("GPL");
MODULE_VERSION(VNTB_VERSION);
