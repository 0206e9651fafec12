// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual NTB endpoint function: a hostile endpoint, for tests only
 *
 * Built only with fault injection (CONFIG_PCI_EPF_VNTB_HOSTILE_TEST, set by
 * the Kbuild file when make is given VNTB_FAULT_INJECTION=1). It lets a
 * host driver's tests check that the host bounds what an endpoint
 * publishes, since the host accesses its BARs at offsets the endpoint
 * gives. While the function is bound:
 *
 *   /sys/kernel/debug/pci-epf-vntb/<function device>/corrupt
 *
 * Writing a name below puts an out-of-range value into that field of the
 * control region and keeps it there: whenever the function rewrites the
 * field (LINK_STATUS on link changes), it corrupts it again. Writing
 * "none" writes the good values back. Reading the file lists the names
 * and the current choice. Other names: -EINVAL.
 *
 *   none           the good values
 *   db_offset      every DB_OFFSET: just past the doorbell BAR (the size
 *                  of the BAR the function programs; 0xfffffffc when
 *                  the controller's own BAR holds the doorbell)
 *   db_entry_size  DB_ENTRY_SIZE: 0x10000000
 *   spad_offset    SPAD_OFFSET: the size of the control BAR
 *   spad_count     SPAD_COUNT: 0x10000000
 *   mw_count       MW_COUNT: 0xffffffff
 *   mw1_offset     MW1_OFFSET: the size of window 1's BAR
 *   link_status    LINK_STATUS: 0xffff
 *   ext_size       EXT_SIZE: 0xffff, past the control BAR
 *   cmd_db_offset  CMD_DB_OFFSET: just past the doorbell BAR, as db_offset
 *   map_outside    published BAR map: window 1 from the end of its BAR on
 *   map_overlap    published BAR map: the doorbells at the start of
 *                  window 1
 *   map_mw_size    published BAR map: window 1 twice the size of its BAR
 *
 * Not offered: DB_DATA, since any 32-bit value is a valid datum, and a
 * doorbell count, since the region has none: the host counts its MSI
 * vectors.
 *
 *   /sys/kernel/debug/pci-epf-vntb/<function device>/cmd_fault
 *
 * Disturbs the next command once, then clears itself; "none" disarms.
 * Reading it shows the armed fault and the names:
 *
 *   late_answer    the next command's status is written
 *                  EPF_VNTB_HOSTILE_LATE_MS after it was handled, past
 *                  the host's one-second wait; the endpoint then takes
 *                  EPF_VNTB_HOSTILE_HOLD_MS more before it looks at the
 *                  next command, as a slow endpoint would, which leaves
 *                  the late answer in place for the host to see
 *   early_kick     the next kick that finds a command takes it for one
 *                  that came before the command's write and leaves the
 *                  command alone (KICKED mode; the re-check finds it)
 */

#include <linux/debugfs.h>
#include <linux/delay.h>
#include <linux/fs.h>
#include <linux/kernel.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include "pci-epf-vntb.h"

enum epf_vntb_hostile_field {
	EPF_VNTB_HOSTILE_NONE,
	EPF_VNTB_HOSTILE_DB_OFFSET,
	EPF_VNTB_HOSTILE_DB_ENTRY_SIZE,
	EPF_VNTB_HOSTILE_SPAD_OFFSET,
	EPF_VNTB_HOSTILE_SPAD_COUNT,
	EPF_VNTB_HOSTILE_MW_COUNT,
	EPF_VNTB_HOSTILE_MW1_OFFSET,
	EPF_VNTB_HOSTILE_LINK_STATUS,
	EPF_VNTB_HOSTILE_EXT_SIZE,
	EPF_VNTB_HOSTILE_CMD_DB_OFFSET,
	EPF_VNTB_HOSTILE_MAP_OUTSIDE,
	EPF_VNTB_HOSTILE_MAP_OVERLAP,
	EPF_VNTB_HOSTILE_MAP_MW_SIZE,
};

static const char * const epf_vntb_hostile_names[] = {
	[EPF_VNTB_HOSTILE_NONE]			= "none",
	[EPF_VNTB_HOSTILE_DB_OFFSET]		= "db_offset",
	[EPF_VNTB_HOSTILE_DB_ENTRY_SIZE]	= "db_entry_size",
	[EPF_VNTB_HOSTILE_SPAD_OFFSET]		= "spad_offset",
	[EPF_VNTB_HOSTILE_SPAD_COUNT]		= "spad_count",
	[EPF_VNTB_HOSTILE_MW_COUNT]		= "mw_count",
	[EPF_VNTB_HOSTILE_MW1_OFFSET]		= "mw1_offset",
	[EPF_VNTB_HOSTILE_LINK_STATUS]		= "link_status",
	[EPF_VNTB_HOSTILE_EXT_SIZE]		= "ext_size",
	[EPF_VNTB_HOSTILE_CMD_DB_OFFSET]	= "cmd_db_offset",
	[EPF_VNTB_HOSTILE_MAP_OUTSIDE]		= "map_outside",
	[EPF_VNTB_HOSTILE_MAP_OVERLAP]		= "map_overlap",
	[EPF_VNTB_HOSTILE_MAP_MW_SIZE]		= "map_mw_size",
};

enum epf_vntb_hostile_cmd_fault {
	EPF_VNTB_FAULT_NONE,
	EPF_VNTB_FAULT_LATE_ANSWER,
	EPF_VNTB_FAULT_EARLY_KICK,
};

static const char * const epf_vntb_fault_names[] = {
	[EPF_VNTB_FAULT_NONE]		= "none",
	[EPF_VNTB_FAULT_LATE_ANSWER]	= "late_answer",
	[EPF_VNTB_FAULT_EARLY_KICK]	= "early_kick",
};

/*
 * Past the host's one-second wait, with time for it to send its next
 * command; that one is still answered within its own second
 */
#define EPF_VNTB_HOSTILE_LATE_MS	1300
#define EPF_VNTB_HOSTILE_HOLD_MS	300

#define EPF_VNTB_HOSTILE_HUGE		0x10000000
#define EPF_VNTB_HOSTILE_FAR_OFFSET	0xfffffffc

/* The input of a write: the longest name and a newline fit */
#define EPF_VNTB_HOSTILE_INPUT_MAX	32

/* First offset past the doorbell BAR, as far as the function knows it */
static u32 epf_vntb_hostile_db_end(struct epf_vntb *vntb)
{
	if (vntb->db_epf_bar.barno == NO_BAR)
		return EPF_VNTB_HOSTILE_FAR_OFFSET;
	return vntb->db_epf_bar.size;
}

/* Window 1's entry of the published BAR map */
static void epf_vntb_hostile_map_mw1(struct epf_vntb *vntb, u32 offset,
				     u64 size)
{
	unsigned int e = NTB_EPF_BAR_MAP(NTB_EPF_ROLE_MW1);

	epf_vntb_write32(vntb, e + NTB_EPF_BAR_MAP_OFFSET, offset);
	epf_vntb_write32(vntb, e + NTB_EPF_BAR_MAP_SIZE_LO, lower_32_bits(size));
	epf_vntb_write32(vntb, e + NTB_EPF_BAR_MAP_SIZE_HI, upper_32_bits(size));
}

/* The doorbells' entry pointing at the start of window 1 */
static void epf_vntb_hostile_map_overlap(struct epf_vntb *vntb)
{
	unsigned int e = NTB_EPF_BAR_MAP(NTB_EPF_ROLE_DB);

	epf_vntb_write32(vntb, e + NTB_EPF_BAR_MAP_BAR, vntb->mw[0].bar);
	epf_vntb_write32(vntb, e + NTB_EPF_BAR_MAP_OFFSET, 0);
	epf_vntb_write32(vntb, e + NTB_EPF_BAR_MAP_SIZE_LO, sizeof(u32));
	epf_vntb_write32(vntb, e + NTB_EPF_BAR_MAP_SIZE_HI, 0);
}

/**
 * epf_vntb_hostile_apply() - corrupt the chosen field, if any
 * @vntb: the function
 *
 * Context: under ctrl_lock, after the function wrote its fields.
 */
void epf_vntb_hostile_apply(struct epf_vntb *vntb)
{
	unsigned int slot;

	lockdep_assert_held(&vntb->ctrl_lock);

	switch (vntb->hostile) {
	case EPF_VNTB_HOSTILE_DB_OFFSET:
		for (slot = 0; slot < NTB_EPF_DB_SLOTS; slot++)
			epf_vntb_write32(vntb, NTB_EPF_DB_OFFSET(slot),
					 epf_vntb_hostile_db_end(vntb));
		break;
	case EPF_VNTB_HOSTILE_DB_ENTRY_SIZE:
		epf_vntb_write32(vntb, NTB_EPF_DB_ENTRY_SIZE,
				 EPF_VNTB_HOSTILE_HUGE);
		break;
	case EPF_VNTB_HOSTILE_SPAD_OFFSET:
		epf_vntb_write32(vntb, NTB_EPF_SPAD_OFFSET,
				 vntb->epf->bar[vntb->ctrl_bar].size);
		break;
	case EPF_VNTB_HOSTILE_SPAD_COUNT:
		epf_vntb_write32(vntb, NTB_EPF_SPAD_COUNT,
				 EPF_VNTB_HOSTILE_HUGE);
		break;
	case EPF_VNTB_HOSTILE_MW_COUNT:
		epf_vntb_write32(vntb, NTB_EPF_MW_COUNT, U32_MAX);
		break;
	case EPF_VNTB_HOSTILE_MW1_OFFSET:
		epf_vntb_write32(vntb, NTB_EPF_MW1_OFFSET, vntb->mw[0].size);
		break;
	case EPF_VNTB_HOSTILE_LINK_STATUS:
		epf_vntb_write16(vntb, NTB_EPF_LINK_STATUS, U16_MAX);
		break;
	case EPF_VNTB_HOSTILE_EXT_SIZE:
		epf_vntb_write16(vntb, NTB_EPF_EXT_SIZE, U16_MAX);
		break;
	case EPF_VNTB_HOSTILE_CMD_DB_OFFSET:
		epf_vntb_write32(vntb, NTB_EPF_CMD_DB_OFFSET,
				 epf_vntb_hostile_db_end(vntb));
		break;
	case EPF_VNTB_HOSTILE_MAP_OUTSIDE:
		epf_vntb_hostile_map_mw1(vntb, vntb->mw[0].size,
					 vntb->mw[0].size);
		break;
	case EPF_VNTB_HOSTILE_MAP_OVERLAP:
		epf_vntb_hostile_map_overlap(vntb);
		break;
	case EPF_VNTB_HOSTILE_MAP_MW_SIZE:
		epf_vntb_hostile_map_mw1(vntb, 0, 2 * vntb->mw[0].size);
		break;
	default:
		break;
	}
}

/*
 * A knob's file reads as the armed choice and the choices accepted; a
 * write names one of them.
 */
static ssize_t epf_vntb_knob_read(char __user *ubuf, size_t count,
				  loff_t *ppos, const char *label,
				  const char * const *names, size_t n,
				  unsigned int cur)
{
	char buf[256];
	size_t i;
	int len;

	len = scnprintf(buf, sizeof(buf), "%s: %s\naccepted:", label,
			names[cur]);
	for (i = 0; i < n; i++)
		len += scnprintf(buf + len, sizeof(buf) - len, " %s", names[i]);
	len += scnprintf(buf + len, sizeof(buf) - len, "\n");

	return simple_read_from_buffer(ubuf, count, ppos, buf, len);
}

/* Return: the index of the choice written, or -errno (logged). */
static int epf_vntb_knob_parse(struct epf_vntb *vntb,
			       const char __user *ubuf, size_t count,
			       loff_t *ppos, const char *knob,
			       const char * const *names, size_t n)
{
	char buf[EPF_VNTB_HOSTILE_INPUT_MAX];
	ssize_t len;
	int i;

	len = simple_write_to_buffer(buf, sizeof(buf) - 1, ppos, ubuf, count);
	if (len < 0)
		return len;
	buf[len] = '\0';

	i = __sysfs_match_string(names, n, buf);
	if (i < 0)
		dev_err(epf_vntb_dev(vntb), "%s: unknown choice '%s'\n", knob,
			strim(buf));
	return i;
}

static ssize_t epf_vntb_hostile_read(struct file *file, char __user *ubuf,
				     size_t count, loff_t *ppos)
{
	struct epf_vntb *vntb = file->private_data;
	unsigned int cur;

	scoped_guard(mutex, &vntb->ctrl_lock)
		cur = vntb->hostile;
	return epf_vntb_knob_read(ubuf, count, ppos, "current",
				  epf_vntb_hostile_names,
				  ARRAY_SIZE(epf_vntb_hostile_names), cur);
}

static ssize_t epf_vntb_hostile_write(struct file *file,
				      const char __user *ubuf, size_t count,
				      loff_t *ppos)
{
	struct epf_vntb *vntb = file->private_data;
	int field;

	field = epf_vntb_knob_parse(vntb, ubuf, count, ppos, "corrupt",
				    epf_vntb_hostile_names,
				    ARRAY_SIZE(epf_vntb_hostile_names));
	if (field < 0)
		return field;

	scoped_guard(mutex, &vntb->ctrl_lock)
		vntb->hostile = field;
	/* Good values first, then the corruption, if any */
	epf_vntb_ctrl_publish(vntb);

	if (field != EPF_VNTB_HOSTILE_NONE)
		dev_warn(epf_vntb_dev(vntb), "test knob: control field %s corrupted\n",
			 epf_vntb_hostile_names[field]);
	return count;
}

static const struct file_operations epf_vntb_hostile_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= epf_vntb_hostile_read,
	.write	= epf_vntb_hostile_write,
	.llseek	= default_llseek,
};

/* Disarms @fault and says whether it was armed */
static bool epf_vntb_hostile_take(struct epf_vntb *vntb, unsigned int fault)
{
	return cmpxchg(&vntb->cmd_fault, fault, EPF_VNTB_FAULT_NONE) == fault;
}

/**
 * epf_vntb_hostile_cmd_late() - answer late, if so armed
 * @vntb: the function
 * @cmd: the command just handled, whose status is about to be written
 *
 * Context: cmd_work, which sleeps here: the host's next command waits
 * for it.
 * Return: true when it delayed the answer: the caller then calls
 * epf_vntb_hostile_cmd_hold() once it has answered.
 */
bool epf_vntb_hostile_cmd_late(struct epf_vntb *vntb, u32 cmd)
{
	if (!epf_vntb_hostile_take(vntb, EPF_VNTB_FAULT_LATE_ANSWER))
		return false;
	dev_warn(epf_vntb_dev(vntb), "fault injection: answering command %u %u ms late\n",
		 cmd, EPF_VNTB_HOSTILE_LATE_MS);
	msleep(EPF_VNTB_HOSTILE_LATE_MS);
	return true;
}

/**
 * epf_vntb_hostile_cmd_hold() - be slow to look at the next command
 * @vntb: the function, which has just given a late answer
 *
 * Context: cmd_work.
 */
void epf_vntb_hostile_cmd_hold(struct epf_vntb *vntb)
{
	msleep(EPF_VNTB_HOSTILE_HOLD_MS);
}

/**
 * epf_vntb_hostile_kick_early() - act as if the kick overtook @cmd
 * @vntb: the function
 * @cmd: the command the kick found
 *
 * Context: the doorbell interrupt.
 * Return: true when the kick is to leave @cmd alone.
 */
bool epf_vntb_hostile_kick_early(struct epf_vntb *vntb, u32 cmd)
{
	if (!READ_ONCE(vntb->cmd_by_kick) ||
	    !epf_vntb_hostile_take(vntb, EPF_VNTB_FAULT_EARLY_KICK))
		return false;
	dev_warn(epf_vntb_dev(vntb), "fault injection: the kick of command %u taken as come before it\n",
		 cmd);
	return true;
}

static ssize_t epf_vntb_fault_read(struct file *file, char __user *ubuf,
				   size_t count, loff_t *ppos)
{
	struct epf_vntb *vntb = file->private_data;

	return epf_vntb_knob_read(ubuf, count, ppos, "armed",
				  epf_vntb_fault_names,
				  ARRAY_SIZE(epf_vntb_fault_names),
				  READ_ONCE(vntb->cmd_fault));
}

static ssize_t epf_vntb_fault_write(struct file *file,
				    const char __user *ubuf, size_t count,
				    loff_t *ppos)
{
	struct epf_vntb *vntb = file->private_data;
	int fault;

	fault = epf_vntb_knob_parse(vntb, ubuf, count, ppos, "cmd_fault",
				    epf_vntb_fault_names,
				    ARRAY_SIZE(epf_vntb_fault_names));
	if (fault < 0)
		return fault;
	WRITE_ONCE(vntb->cmd_fault, fault);
	if (fault != EPF_VNTB_FAULT_NONE)
		dev_warn(epf_vntb_dev(vntb), "test knob: %s armed for the next command\n",
			 epf_vntb_fault_names[fault]);
	return count;
}

static const struct file_operations epf_vntb_fault_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= epf_vntb_fault_read,
	.write	= epf_vntb_fault_write,
	.llseek	= default_llseek,
};

/**
 * epf_vntb_hostile_add() - the knobs, in the function's debugfs directory
 * @vntb: the bound function
 */
void epf_vntb_hostile_add(struct epf_vntb *vntb)
{
	vntb->hostile = EPF_VNTB_HOSTILE_NONE;
	WRITE_ONCE(vntb->cmd_fault, EPF_VNTB_FAULT_NONE);
	debugfs_create_file("corrupt", 0600, vntb->debugfs, vntb,
			    &epf_vntb_hostile_fops);
	debugfs_create_file("cmd_fault", 0600, vntb->debugfs, vntb,
			    &epf_vntb_fault_fops);
}

/**
 * epf_vntb_hostile_remove() - back to the good values for good
 * @vntb: the function, being unbound, whose debugfs directory (and the
 *	knob in it) is gone: no writer is left
 */
void epf_vntb_hostile_remove(struct epf_vntb *vntb)
{
	scoped_guard(mutex, &vntb->ctrl_lock)
		vntb->hostile = EPF_VNTB_HOSTILE_NONE;
	WRITE_ONCE(vntb->cmd_fault, EPF_VNTB_FAULT_NONE);
}
