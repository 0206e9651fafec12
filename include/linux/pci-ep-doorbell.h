/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Endpoint doorbells: a target that the host writes through a BAR and that
 * raises an interrupt on the endpoint, so that an endpoint function learns
 * "the host wrote" without polling.
 *
 * Two sides:
 *
 * - An endpoint controller (EPC) driver, or a module that knows the
 *   controller, describes the auxiliary resources of the controller, at
 *   least a doorbell register, with pci_ep_aux_register(). Linux 6.12's
 *   struct pci_epc_ops has no slot for this; the registration needs no
 *   core change, and an upstream-style get_aux_resources() operation can
 *   replace it later. The registering module is pinned while doorbells
 *   from it are allocated: its interrupt handler is what lowers the
 *   doorbell's level.
 *
 * - An endpoint function (EPF) driver allocates N doorbells with
 *   pci_ep_doorbell_alloc() and frees them with pci_ep_doorbell_free().
 *   Backends are tried in order: MSI (a platform MSI controller such as
 *   the GIC ITS, reached through the controller's device tree
 *   msi-parent) first, then the controller's embedded doorbell when the
 *   MSI backend reports -ENODEV, that is when the controller's device
 *   has no platform MSI domain.
 *
 * The names carry a pci_ep_ prefix of their own so that they never collide
 * with the doorbell API of newer kernels (pci_epf_alloc_doorbell() and
 * friends, Linux 6.17 and later).
 */
#ifndef __LINUX_PCI_EP_DOORBELL_H
#define __LINUX_PCI_EP_DOORBELL_H

#include <linux/dma-direction.h>
#include <linux/init.h>
#include <linux/list.h>
#include <linux/pci-epc.h>
#include <linux/pci-epf.h>
#include <linux/types.h>

/**
 * enum pci_ep_aux_type - kinds of auxiliary controller resources
 * @PCI_EP_AUX_DOORBELL_MMIO: a doorbell register: a 32-bit write to it
 *	raises @irq on the endpoint
 */
enum pci_ep_aux_type {
	PCI_EP_AUX_DOORBELL_MMIO,
};

/**
 * struct pci_ep_aux_resource - an auxiliary resource of an endpoint
 *	controller
 * @type: what the resource is
 * @phys_addr: CPU physical address of the register
 * @size: size of the register block at @phys_addr
 * @bar: BAR through which the controller already exposes the resource to
 *	the host, or NO_BAR
 * @bar_offset: offset of @phys_addr within @bar (when @bar is not NO_BAR)
 * @u: per-type details
 * @u.db: for PCI_EP_AUX_DOORBELL_MMIO
 * @u.db.irq: Linux IRQ that a write raises on the endpoint
 * @u.db.irq_flags: flags to request @u.db.irq with (IRQF_SHARED when the
 *	controller driver acknowledges the doorbell in a handler of its own)
 * @u.db.data: value the host writes
 */
struct pci_ep_aux_resource {
	enum pci_ep_aux_type type;
	phys_addr_t phys_addr;
	resource_size_t size;
	enum pci_barno bar;
	resource_size_t bar_offset;
	union {
		struct {
			int irq;
			unsigned long irq_flags;
			u32 data;
		} db;
	} u;
};

/*
 * At most this many resources per pci_ep_aux_register(). Upstream's
 * proposal knows three kinds (DMA controller registers, DMA channel
 * descriptors, doorbell) and a controller has a few of each; the bound
 * turns a garbage count into -EINVAL rather than a large allocation.
 */
#define PCI_EP_AUX_MAX_COUNT	16

struct module;
struct msi_msg;
struct pci_ep_aux_entry;

int __pci_ep_aux_register(struct device *dev,
			  const struct pci_ep_aux_resource *res,
			  unsigned int count, struct module *owner);

/**
 * pci_ep_aux_register() - describe the auxiliary resources of a controller
 * @dev: the controller's device, the parent of its endpoint controller
 * @res: its resources
 * @count: number of entries in @res
 *
 * __pci_ep_aux_register() with the calling module as the owner: the module
 * whose interrupt handler acknowledges the doorbell, which the doorbell
 * layer pins while doorbells from @dev are allocated.
 */
#define pci_ep_aux_register(dev, res, count) \
	__pci_ep_aux_register(dev, res, count, THIS_MODULE)

void pci_ep_aux_unregister(struct device *dev);

/*
 * At most this many doorbells per pci_ep_doorbell_alloc(): every consumer
 * names its doorbells by the bits of a 32-bit mask (pci-epf-vntb's
 * MAX_DB_COUNT, the NTB doorbell bits), and with the embedded backend
 * more entries would all be the same register anyway. The bound also
 * keeps a bogus count (say, from configfs) from sizing an allocation.
 */
#define PCI_EP_DOORBELL_MAX_COUNT	32

/**
 * enum pci_ep_doorbell_backend - where a set of doorbells comes from
 * @PCI_EP_DOORBELL_MSI: a platform MSI controller, one interrupt each
 * @PCI_EP_DOORBELL_EMBEDDED: the endpoint controller's own doorbell
 *	register; one interrupt shared by every doorbell of the set
 */
enum pci_ep_doorbell_backend {
	PCI_EP_DOORBELL_MSI,
	PCI_EP_DOORBELL_EMBEDDED,
};

/**
 * struct pci_ep_doorbell - one doorbell, as the host must ring it
 * @bar: BAR that already exposes the doorbell, or NO_BAR: then the
 *	function maps one of its own BARs inbound onto @dma_addr
 * @offset: offset of the doorbell within @bar (or within the BAR that the
 *	function maps onto @dma_addr, when @dma_addr is not page aligned)
 * @dma_addr: address, in the controller's DMA space, that the function
 *	maps a BAR onto (valid when @bar is NO_BAR); an IOVA when the
 *	endpoint has an IOMMU
 * @size: bytes from @dma_addr that the backend made reachable for the
 *	doorbell (when @bar is NO_BAR; 0 otherwise). A function must not map
 *	a BAR window beyond them: the addresses around are other mappings
 *	or other registers.
 * @data: value the host writes
 * @irq: Linux IRQ the write raises
 * @irq_flags: flags to request @irq with
 */
struct pci_ep_doorbell {
	enum pci_barno bar;
	resource_size_t offset;
	dma_addr_t dma_addr;
	resource_size_t size;
	u32 data;
	int irq;
	unsigned long irq_flags;
};

/**
 * struct pci_ep_doorbells - a set of doorbells allocated for one function
 * @epf: the function they belong to
 * @backend: the backend that provided them
 * @count: number of entries in @db
 * @db: the doorbells
 *
 * The set is the function's to read and the backend's to write: the
 * function never changes an entry, it frees the whole set with
 * pci_ep_doorbell_free().
 *
 * With the MSI backend each doorbell is a message of its own: the same
 * address for all (the MSI controller's doorbell register), its own data
 * and its own interrupt. With the embedded backend every doorbell of the
 * set is the same register and raises the same interrupt: they are
 * equivalent "kicks", and the function must check all the work a
 * doorbell may signal when the interrupt fires.
 */
struct pci_ep_doorbells {
	struct pci_epf *epf;
	enum pci_ep_doorbell_backend backend;
	unsigned int count;
	/* private: what the backend undoes on free */
	struct pci_ep_aux_entry *aux;
	struct {
		struct device *dev;
		struct list_head node;
		struct msi_msg *msg;
		unsigned long written;
	} msi;
	struct {
		struct device *dev;
		dma_addr_t addr;
		size_t size;
		enum dma_data_direction dir;
	} map;
	/* public: */
	struct pci_ep_doorbell db[] __counted_by(count);
};

struct pci_ep_doorbells *pci_ep_doorbell_alloc(struct pci_epf *epf,
					       unsigned int count);
void pci_ep_doorbell_free(struct pci_ep_doorbells *dbs);

#endif /* __LINUX_PCI_EP_DOORBELL_H */
