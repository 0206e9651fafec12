/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Wire layout between the vNTB endpoint function (pci-epf-vntb) and its
 * host driver (ntb_hw_epf).
 *
 * The endpoint lays out a control region at the start of the control BAR;
 * the host reads and writes it through that BAR. Everything up to
 * NTB_EPF_EXT_BASE is the layout that Linux 6.12's drivers use, kept
 * unchanged so that either side can be paired with an unmodified peer.
 * The extension that follows is this project's: an endpoint that has it
 * stamps NTB_EPF_EXT_MAGIC there; an older endpoint leaves the area zero,
 * or puts scratchpads there when its controller's alignment lets them
 * start right after the legacy part: a host trusts the extension only
 * when it ends before SPAD_OFFSET.
 *
 * Both sides are little-endian on the wire; the endpoint's region is
 * normal memory, the host's view of it is MMIO.
 */
#ifndef _LINUX_NTB_EPF_H
#define _LINUX_NTB_EPF_H

#include <linux/bits.h>

/* Control region, legacy part (offsets from the start of the BAR). */
#define NTB_EPF_COMMAND			0x00	/* u32, host writes */
#define NTB_EPF_ARGUMENT		0x04	/* u32, host writes */
#define NTB_EPF_CMD_STATUS		0x08	/* u16, endpoint writes */
#define NTB_EPF_LINK_STATUS		0x0a	/* u16, endpoint writes */
#define NTB_EPF_TOPOLOGY		0x0c	/* u32 */
#define NTB_EPF_ADDR_LO			0x10	/* u32, CMD_CONFIGURE_MW */
#define NTB_EPF_ADDR_HI			0x14
#define NTB_EPF_SIZE_LO			0x18
#define NTB_EPF_SIZE_HI			0x1c
#define NTB_EPF_MW_COUNT		0x20	/* u32, endpoint writes */
#define NTB_EPF_MW1_OFFSET		0x24	/* u32, endpoint writes */
#define NTB_EPF_SPAD_OFFSET		0x28	/* u32, endpoint writes */
#define NTB_EPF_SPAD_COUNT		0x2c	/* u32, endpoint writes */
#define NTB_EPF_DB_ENTRY_SIZE		0x30	/* u32, endpoint writes */
#define NTB_EPF_DB_DATA(slot)		(0x34 + (slot) * 4)
#define NTB_EPF_DB_OFFSET(slot)		(0xb4 + (slot) * 4)
#define NTB_EPF_DB_SLOTS		32

/* Commands (NTB_EPF_COMMAND) and their status (NTB_EPF_CMD_STATUS). */
#define NTB_EPF_CMD_CONFIGURE_DOORBELL	1
#define NTB_EPF_CMD_TEARDOWN_DOORBELL	2
#define NTB_EPF_CMD_CONFIGURE_MW	3
#define NTB_EPF_CMD_TEARDOWN_MW		4
#define NTB_EPF_CMD_LINK_UP		5
#define NTB_EPF_CMD_LINK_DOWN		6

#define NTB_EPF_CMD_STATUS_OK		1
#define NTB_EPF_CMD_STATUS_ERROR	2

/*
 * CMD_CONFIGURE_DOORBELL argument: the vector count, and whether the
 * host's vectors are MSI-X (else MSI). An endpoint that shows no MSI-X
 * table (a controller without MSI-X, or an older endpoint function)
 * refuses NTB_EPF_DB_ARG_MSIX; one that shows it accepts up to its
 * table's size.
 */
#define NTB_EPF_DB_ARG_COUNT		GENMASK(15, 0)
#define NTB_EPF_DB_ARG_MSIX		BIT(16)

#define NTB_EPF_LINK_UP			BIT(0)

/*
 * Interrupt slots, legacy numbering. Slot 0 is the link event, slot 1 is
 * unused, doorbell bit n uses slot n + 2: the host rings doorbell bit n
 * through entry n + 2 of DB_DATA/DB_OFFSET, and the endpoint signals bit
 * n to the host with the host's vector n + 2 (MSI or MSI-X number n + 3
 * in the endpoint's 1-based raise call). Both directions keep this numbering so
 * that unmodified peers keep working.
 */
#define NTB_EPF_SLOT_LINK		0
#define NTB_EPF_SLOT_DB_FIRST		2
#define NTB_EPF_DB_SLOT(bit)		((bit) + NTB_EPF_SLOT_DB_FIRST)
#define NTB_EPF_MAX_DB			(NTB_EPF_DB_SLOTS - NTB_EPF_SLOT_DB_FIRST)

/* Extension (this project): present when NTB_EPF_EXT_MAGIC reads back. */
#define NTB_EPF_EXT_BASE		0x134
#define NTB_EPF_EXT_MAGIC_REG		0x134	/* u32, endpoint writes */
#define NTB_EPF_EXT_VERSION		0x138	/* u16, endpoint writes */
#define NTB_EPF_EXT_SIZE		0x13a	/* u16, endpoint writes */
#define NTB_EPF_EP_CAPS			0x13c	/* u32, endpoint writes */
#define NTB_EPF_HOST_CAPS		0x140	/* u32, host writes */
#define NTB_EPF_CMD_DB_OFFSET		0x144	/* u32, endpoint writes */
#define NTB_EPF_CMD_DB_DATA		0x148	/* u32, endpoint writes */
/* The fields above are in every extension; groups below need a cap bit */
#define NTB_EPF_EXT_CORE_END		0x14c
#define NTB_EPF_CMD_SEQ			0x14c	/* u32, host writes */
#define NTB_EPF_CMD_SEQ_DONE		0x150	/* u32, endpoint writes */
/* NTB_EPF_CAP_MSI_DIRECT: the host's MSI message, host writes */
#define NTB_EPF_MSI_ADDR_LO		0x154	/* u32 */
#define NTB_EPF_MSI_ADDR_HI		0x158	/* u32 */
#define NTB_EPF_MSI_DATA		0x15c	/* u32, vector 0's data */
#define NTB_EPF_MSI_COUNT		0x160	/* u32, vectors enabled */
#define NTB_EPF_MSI_END			0x170	/* 0x164-0x16f reserved */

/*
 * Published BAR map (NTB_EPF_CAP_BAR_MAP), endpoint writes: where each
 * role lies, NTB_EPF_BAR_MAP_ROLES entries of NTB_EPF_BAR_MAP_ENTRY
 * bytes. An entry gives the role's BAR (NTB_EPF_BAR_MAP_NONE: absent),
 * its offset in that BAR and its size, so that roles may share a BAR.
 * The control role is always at offset 0 of the BAR the host read it
 * from. Offsets in the doorbell fields (DB_OFFSET, CMD_DB_OFFSET) are
 * from the start of the doorbell role, and MW1_OFFSET is 0.
 */
#define NTB_EPF_BAR_MAP_COUNT		0x170	/* u32: entries filled in */
#define NTB_EPF_BAR_MAP(role)		(0x178 + (role) * 0x10)
#define  NTB_EPF_BAR_MAP_BAR		0x00	/* u8 */
#define  NTB_EPF_BAR_MAP_OFFSET		0x04	/* u32 */
#define  NTB_EPF_BAR_MAP_SIZE_LO	0x08	/* u64, as two u32 */
#define  NTB_EPF_BAR_MAP_SIZE_HI	0x0c
#define NTB_EPF_BAR_MAP_ENTRY		0x10
#define NTB_EPF_BAR_MAP_NONE		0xff
#define NTB_EPF_EXT_END			0x1f0

/* Roles of the published BAR map, in entry order */
#define NTB_EPF_ROLE_CTRL		0	/* legacy region + extension */
#define NTB_EPF_ROLE_SPAD		1	/* both scratchpad sets */
#define NTB_EPF_ROLE_DB			2	/* doorbells */
#define NTB_EPF_ROLE_MW1		3	/* memory windows 1 to 4 */
#define NTB_EPF_BAR_MAP_ROLES		(NTB_EPF_ROLE_MW1 + 4)

#define NTB_EPF_EXT_MAGIC		0x58544e76	/* "vNTX" */
#define NTB_EPF_EXT_VERSION_1		1

/*
 * Capabilities. The endpoint advertises in NTB_EPF_EP_CAPS what it
 * offers; the host answers in NTB_EPF_HOST_CAPS with what it will use,
 * a subset. Both are zero with an older peer, which is the legacy
 * behaviour.
 *
 * NTB_EPF_CAP_DB_IRQ: the endpoint takes doorbells as interrupts, not by
 * polling. Informational: the host rings the same way either way.
 *
 * NTB_EPF_CAP_CMD_DB: after writing a command and its argument, the host
 * rings the command doorbell: it writes NTB_EPF_CMD_DB_DATA at
 * NTB_EPF_CMD_DB_OFFSET of the doorbell BAR. Once the host has set this
 * bit, the endpoint stops polling for commands, and raises the link slot
 * when it has written a command's status, so that the host need not
 * poll either. The host clears the bit (and rings) before it goes away.
 * The ring may reach the endpoint before the command's write does: an
 * endpoint that finds no command on a ring looks again a while later
 * (100 ms for this project's), well within the host's wait.
 */
#define NTB_EPF_CAP_DB_IRQ		BIT(0)
#define NTB_EPF_CAP_CMD_DB		BIT(1)

/*
 * A group of fields past NTB_EPF_EXT_CORE_END is there only when its
 * capability bit is set and NTB_EPF_EXT_SIZE covers it.
 *
 * NTB_EPF_CAP_CMD_SEQ (fields NTB_EPF_CMD_SEQ and NTB_EPF_CMD_SEQ_DONE):
 * commands carry a sequence number, so that the host can tell its
 * command's answer from the late answer to one it gave up on. The host
 * clears CMD_STATUS, then writes ARGUMENT and a NTB_EPF_CMD_SEQ that is
 * neither 0 nor all-ones and differs from the last one, then COMMAND.
 * The endpoint reads NTB_EPF_CMD_SEQ with the command and, after writing
 * CMD_STATUS, writes it back into NTB_EPF_CMD_SEQ_DONE. The host takes
 * CMD_STATUS as its command's answer only once NTB_EPF_CMD_SEQ_DONE
 * holds that command's number; any other status is the late answer of an
 * earlier command, and the host keeps waiting. The endpoint echoes the
 * number whatever HOST_CAPS says; a host uses it only when the endpoint
 * offers the bit. With an older peer on either side the channel works as
 * before, a late answer included.
 */
#define NTB_EPF_CAP_CMD_SEQ		BIT(2)

/*
 * NTB_EPF_CAP_MSI_DIRECT: the endpoint can raise the host's MSIs with a
 * write of its own through an outbound window, in any context. A host
 * that uses MSI (not MSI-X) writes its message into NTB_EPF_MSI_*:
 * the address of its vectors, vector 0's data (vector n's data is that
 * plus n, as multi-vector MSI has it) and how many vectors it enabled,
 * then sets the bit before CONFIGURE_DOORBELL. The endpoint checks them
 * and maps the address at CONFIGURE_DOORBELL and at LINK_UP; it raises
 * through its controller as before when they are refused or it has no
 * outbound window to spare. The group is valid only with the bit set on
 * both sides and NTB_EPF_EXT_SIZE reaching NTB_EPF_MSI_END.
 */
#define NTB_EPF_CAP_MSI_DIRECT		BIT(3)

/*
 * NTB_EPF_CAP_BAR_MAP: the endpoint publishes its BAR map at
 * NTB_EPF_BAR_MAP_COUNT, valid when EXT_SIZE also covers it. A host sets
 * it in HOST_CAPS when it maps the roles from there; an endpoint whose
 * layout is not the one of its PCI ID may refuse a host that does not.
 */
#define NTB_EPF_CAP_BAR_MAP		BIT(4)

#endif /* _LINUX_NTB_EPF_H */
