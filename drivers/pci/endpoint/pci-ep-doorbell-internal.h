/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Endpoint doorbells: the seams that the KUnit tests replace with static
 * stubs (kunit/static_stub.h) to choose a backend's answer, to stand in
 * for the platform MSI calls and to observe the DMA mappings. Without
 * CONFIG_KUNIT they are static functions of pci-ep-doorbell.c and nothing
 * here is visible.
 */
#ifndef __PCI_EP_DOORBELL_INTERNAL_H
#define __PCI_EP_DOORBELL_INTERNAL_H

#include <linux/pci-ep-doorbell.h>

struct msi_desc;
struct msi_msg;

#if IS_ENABLED(CONFIG_KUNIT)
int pci_ep_doorbell_msi_alloc(struct pci_ep_doorbells *dbs);
bool pci_ep_doorbell_msi_domain(struct device *dev);
int pci_ep_doorbell_msi_irqs_alloc(struct device *dev, unsigned int count);
void pci_ep_doorbell_msi_irqs_free(struct device *dev);
int pci_ep_doorbell_msi_activate(struct pci_ep_doorbells *dbs,
				 unsigned int index);
void pci_ep_doorbell_msi_write(struct msi_desc *desc, struct msi_msg *msg);
dma_addr_t pci_ep_doorbell_dma_map(struct device *dev, phys_addr_t phys,
				   size_t size, enum dma_data_direction dir);
void pci_ep_doorbell_dma_unmap(struct device *dev, dma_addr_t addr,
			       size_t size, enum dma_data_direction dir);
#endif

#endif /* __PCI_EP_DOORBELL_INTERNAL_H */
