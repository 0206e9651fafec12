// SPDX-License-Identifier: GPL-2.0
/*
 * Host driver for the PCI endpoint NTB functions: counters and state in
 * debugfs, one directory per device named after it, as the NTB hardware
 * drivers have theirs:
 *
 *   /sys/kernel/debug/ntb_hw_epf/<PCI device>/counters
 *   /sys/kernel/debug/ntb_hw_epf/<PCI device>/state
 *
 * Both read-only, one "name value" pair per line; the names are stable
 * (Documentation/ntb/vntb.rst lists them). The counters start at probe.
 */

#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/stddef.h>

#include "ntb_hw_epf.h"

/* The module's directory, parent of one directory per device */
static struct dentry *ntb_hw_epf_debugfs_root;

struct ntb_hw_epf_counter {
	const char *name;
	size_t offset;
};

#define NTB_HW_EPF_COUNTER(field) \
	{ #field, offsetof(struct ntb_hw_epf_stats, field) }

/* Shown after the doorbell interrupts of each vector */
static const struct ntb_hw_epf_counter ntb_hw_epf_counters[] = {
	NTB_HW_EPF_COUNTER(link_irqs),
	NTB_HW_EPF_COUNTER(unused_irqs),
	NTB_HW_EPF_COUNTER(link_events),
	NTB_HW_EPF_COUNTER(cmds),
	NTB_HW_EPF_COUNTER(cmds_announced),
	NTB_HW_EPF_COUNTER(cmds_polled),
	NTB_HW_EPF_COUNTER(cmd_timeouts),
	NTB_HW_EPF_COUNTER(cmd_late_answers),
	NTB_HW_EPF_COUNTER(cmd_refused),
	NTB_HW_EPF_COUNTER(refused_cmd_status),
	NTB_HW_EPF_COUNTER(refused_doorbell),
	NTB_HW_EPF_COUNTER(refused_extension),
	NTB_HW_EPF_COUNTER(refused_mw_offset),
	NTB_HW_EPF_COUNTER(refused_spad_offset),
	NTB_HW_EPF_COUNTER(refused_bar_map),
	NTB_HW_EPF_COUNTER(endpoint_gone),
};

static int ntb_hw_epf_counters_show(struct seq_file *s, void *unused)
{
	struct ntb_hw_epf *ndev = s->private;
	struct ntb_hw_epf_stats *stats = &ndev->stats;
	u64 irqs[NTB_EPF_MAX_DB], sum = 0;
	unsigned int i;

	seq_printf(s, "peer_db_set %lld\n", atomic64_read(&stats->peer_db_set));
	seq_printf(s, "db_rings %lld\n", atomic64_read(&stats->db_rings));

	for (i = 0; i < ndev->db_count; i++) {
		irqs[i] = atomic64_read(&stats->db_irqs[i]);
		sum += irqs[i];
	}
	seq_printf(s, "db_irqs %llu\n", sum);
	for (i = 0; i < ndev->db_count; i++)
		seq_printf(s, "db_irq_%u %llu\n", i, irqs[i]);

	for (i = 0; i < ARRAY_SIZE(ntb_hw_epf_counters); i++) {
		const struct ntb_hw_epf_counter *c = &ntb_hw_epf_counters[i];
		atomic64_t *v = (void *)stats + c->offset;

		seq_printf(s, "%s %lld\n", c->name, atomic64_read(v));
	}
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ntb_hw_epf_counters);

static int ntb_hw_epf_state_show(struct seq_file *s, void *unused)
{
	struct ntb_hw_epf *ndev = s->private;

	seq_printf(s, "irq_type %s\n",
		   ndev->ntb.pdev->msix_enabled ? "MSI-X" : "MSI");
	seq_printf(s, "vectors %u\n", ndev->nr_vectors);
	seq_printf(s, "doorbells %u\n", ndev->db_count);
	seq_printf(s, "extension %s\n", READ_ONCE(ndev->ext) ? "yes" : "no");
	seq_printf(s, "command_completion %s\n",
		   READ_ONCE(ndev->cmd_db) ? "announced" : "polled");
	seq_printf(s, "command_sequence %s\n",
		   READ_ONCE(ndev->cmd_seq) ? "yes" : "no");
	seq_printf(s, "link_enabled %s\n",
		   READ_ONCE(ndev->link_enabled) ? "yes" : "no");
	seq_printf(s, "link %s\n", ntb_hw_epf_link_state(ndev) ? "up" : "down");
	seq_printf(s, "db_mask %#llx\n", (u64)atomic64_read(&ndev->db_mask));
	seq_printf(s, "db_pending %#llx\n",
		   (u64)atomic64_read(&ndev->db_pending));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(ntb_hw_epf_state);

/**
 * ntb_hw_epf_debugfs_add() - the device's directory and files
 * @ndev: the device, probed
 *
 * Debugfs failures are not fatal: the device works without its files.
 */
void ntb_hw_epf_debugfs_add(struct ntb_hw_epf *ndev)
{
	ndev->debugfs = debugfs_create_dir(pci_name(ndev->ntb.pdev),
					   ntb_hw_epf_debugfs_root);
	debugfs_create_file("counters", 0400, ndev->debugfs, ndev,
			    &ntb_hw_epf_counters_fops);
	debugfs_create_file("state", 0400, ndev->debugfs, ndev,
			    &ntb_hw_epf_state_fops);
}

/**
 * ntb_hw_epf_debugfs_remove() - remove the device's directory
 * @ndev: the device, being removed
 *
 * Waits for the files' readers to finish.
 */
void ntb_hw_epf_debugfs_remove(struct ntb_hw_epf *ndev)
{
	debugfs_remove_recursive(ndev->debugfs);
	ndev->debugfs = NULL;
}

/**
 * ntb_hw_epf_debugfs_init() - the module's debugfs directory
 */
void ntb_hw_epf_debugfs_init(void)
{
	ntb_hw_epf_debugfs_root = debugfs_create_dir(KBUILD_MODNAME, NULL);
}

/**
 * ntb_hw_epf_debugfs_exit() - remove the module's debugfs directory
 */
void ntb_hw_epf_debugfs_exit(void)
{
	debugfs_remove_recursive(ntb_hw_epf_debugfs_root);
}
