/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Register block of the endpoint doorbell test function (pci-epf-db-test
 * on the endpoint, pci_ep_db_test on the host): 32-bit little-endian
 * words behind the function's register BAR. The host only writes COMMAND
 * and SEQUENCE; the endpoint writes the rest. Counters wrap at 2^32.
 */
#ifndef __LINUX_PCI_EPF_DB_TEST_H
#define __LINUX_PCI_EPF_DB_TEST_H

#include <linux/bits.h>

#define EPF_DB_TEST_REG_MAGIC		0x00	/* EPF_DB_TEST_MAGIC */
#define EPF_DB_TEST_REG_VERSION		0x04	/* EPF_DB_TEST_VERSION */
#define EPF_DB_TEST_REG_STATUS		0x08	/* EPF_DB_TEST_STATUS_* */
#define EPF_DB_TEST_REG_DB_BAR		0x0c	/* BAR the host rings through */
#define EPF_DB_TEST_REG_DB_OFFSET	0x10	/* doorbell's offset in it */
#define EPF_DB_TEST_REG_DB_DATA		0x14	/* value the host writes */
#define EPF_DB_TEST_REG_COMMAND		0x18	/* EPF_DB_TEST_CMD_* */
#define EPF_DB_TEST_REG_SEQUENCE	0x1c	/* written before a ring */
#define EPF_DB_TEST_REG_SEEN		0x20	/* SEQUENCE at last interrupt */
#define EPF_DB_TEST_REG_IRQ_COUNT	0x24	/* doorbell interrupts taken */
#define EPF_DB_TEST_REG_ECHO		0x28	/* SEQUENCE at last echo */
#define EPF_DB_TEST_REG_ECHO_COUNT	0x2c	/* echoes done */
#define EPF_DB_TEST_REG_MSI_COUNT	0x30	/* MSIs the echoes raised */
#define EPF_DB_TEST_REG_SIZE		0x34

#define EPF_DB_TEST_MAGIC		0x44425431	/* "DBT1" */
#define EPF_DB_TEST_VERSION		1

#define EPF_DB_TEST_STATUS_READY	BIT(0)	/* doorbell armed */
#define EPF_DB_TEST_STATUS_PRE_EXPOSED	BIT(1)	/* controller's own BAR */
#define EPF_DB_TEST_STATUS_MSI_BACKEND	BIT(2)	/* else: embedded */

/*
 * ECHO: each doorbell interrupt also answers the host: ECHO gets
 * SEQUENCE, then MSI EPF_DB_TEST_ECHO_MSI (1-based) goes to the host if
 * it enabled MSI.
 */
#define EPF_DB_TEST_CMD_ECHO		BIT(0)
#define EPF_DB_TEST_ECHO_MSI		1

/* PCI identity: no upstream host driver matches it */
#define EPF_DB_TEST_VENDOR_ID		0x1234
#define EPF_DB_TEST_DEVICE_ID		0xdb01

#endif /* __LINUX_PCI_EPF_DB_TEST_H */
