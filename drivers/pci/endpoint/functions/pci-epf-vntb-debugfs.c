// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual NTB endpoint function: counters and state in debugfs
 *
 * While a function is bound:
 *
 *   /sys/kernel/debug/pci-epf-vntb/<function device>/counters
 *   /sys/kernel/debug/pci-epf-vntb/<function device>/state
 *
 * Both read-only, one "name value" pair per line; the names are stable
 * (Documentation/ntb/vntb.rst lists them). The counters start from zero
 * at each bind. The directory goes at unbind, before what it shows.
 */

#include <linux/debugfs.h>
#include <linux/seq_file.h>
#include <linux/stddef.h>

#include "pci-epf-vntb.h"

/* The module's directory, parent of one directory per bound function */
static struct dentry *epf_vntb_debugfs_root;

struct epf_vntb_counter {
	const char *name;
	size_t offset;
};

#define EPF_VNTB_COUNTER(field) \
	{ #field, offsetof(struct epf_vntb_stats, field) }

/* Single counters, in the order they are shown around the arrays */
static const struct epf_vntb_counter epf_vntb_kick_counters[] = {
	EPF_VNTB_COUNTER(kicks),
	EPF_VNTB_COUNTER(kicks_spurious),
};

static const struct epf_vntb_counter epf_vntb_host_counters[] = {
	EPF_VNTB_COUNTER(peer_db_set),
	EPF_VNTB_COUNTER(peer_db_msi),
	EPF_VNTB_COUNTER(peer_db_msix),
	EPF_VNTB_COUNTER(peer_db_direct),
	EPF_VNTB_COUNTER(msi_direct_refused),
	EPF_VNTB_COUNTER(msix_direct_refused),
	EPF_VNTB_COUNTER(msix_direct_fallback),
	EPF_VNTB_COUNTER(peer_db_dropped),
	EPF_VNTB_COUNTER(peer_db_failed),
	EPF_VNTB_COUNTER(link_msi),
	EPF_VNTB_COUNTER(link_msix),
	EPF_VNTB_COUNTER(poll_passes),
	EPF_VNTB_COUNTER(poll_cmds),
	EPF_VNTB_COUNTER(poll_dbs),
	EPF_VNTB_COUNTER(cmd_rechecks),
	EPF_VNTB_COUNTER(cmd_recheck_found),
};

static const char * const epf_vntb_cmd_names[EPF_VNTB_CMD_TYPES] = {
	[0]				= "unknown",
	[NTB_EPF_CMD_CONFIGURE_DOORBELL] = "configure_doorbell",
	[NTB_EPF_CMD_TEARDOWN_DOORBELL]	= "teardown_doorbell",
	[NTB_EPF_CMD_CONFIGURE_MW]	= "configure_mw",
	[NTB_EPF_CMD_TEARDOWN_MW]	= "teardown_mw",
	[NTB_EPF_CMD_LINK_UP]		= "link_up",
	[NTB_EPF_CMD_LINK_DOWN]		= "link_down",
};

static void epf_vntb_show_counters(struct seq_file *s,
				   struct epf_vntb_stats *stats,
				   const struct epf_vntb_counter *c,
				   unsigned int n)
{
	while (n--) {
		atomic64_t *v = (void *)stats + c->offset;

		seq_printf(s, "%s %lld\n", c->name, atomic64_read(v));
		c++;
	}
}

static int epf_vntb_counters_show(struct seq_file *s, void *unused)
{
	struct epf_vntb *vntb = s->private;
	struct epf_vntb_stats *stats = &vntb->stats;
	u64 events[NTB_EPF_MAX_DB], sum = 0;
	unsigned int i;

	epf_vntb_show_counters(s, stats, epf_vntb_kick_counters,
			       ARRAY_SIZE(epf_vntb_kick_counters));

	for (i = 0; i < vntb->n_db; i++) {
		events[i] = atomic64_read(&stats->db_events[i]);
		sum += events[i];
	}
	seq_printf(s, "db_events %llu\n", sum);
	for (i = 0; i < vntb->n_db; i++)
		seq_printf(s, "db_event_%u %llu\n", i, events[i]);

	epf_vntb_show_counters(s, stats, epf_vntb_host_counters,
			       ARRAY_SIZE(epf_vntb_host_counters));

	/* By command number, the unknown ones (index 0) last */
	seq_printf(s, "cmds %llu\n", epf_vntb_cmd_handled(vntb));
	for (i = 1; i <= EPF_VNTB_CMD_TYPES; i++) {
		unsigned int cmd = i % EPF_VNTB_CMD_TYPES;

		seq_printf(s, "cmd_%s %lld\n", epf_vntb_cmd_names[cmd],
			   atomic64_read(&stats->cmds[cmd]));
	}
	seq_printf(s, "cmd_errors %lld\n", atomic64_read(&stats->cmd_errors));
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(epf_vntb_counters);

/* How the host reaches the doorbell */
static const char *epf_vntb_reach(struct epf_vntb *vntb)
{
	if (vntb->db_polled)
		return "polled_memory";
	if (vntb->db_epf_bar.barno == NO_BAR)
		return "controller_bar";
	return "mapped_bar";
}

static const char *epf_vntb_db_source(struct epf_vntb *vntb)
{
	if (vntb->db_polled)
		return vntb->cfg.db_poll ? "doorbell_mode" : "unavailable";
	return epf_vntb_db_backend(vntb);
}

/* The host's interrupt type as CONFIGURE_DOORBELL declared it */
static const char *epf_vntb_host_irq(struct epf_vntb *vntb)
{
	switch (READ_ONCE(vntb->host_irq_type)) {
	case PCI_IRQ_MSI:
		return "msi";
	case PCI_IRQ_MSIX:
		return "msix";
	default:
		return "unset";
	}
}

/* The window of direct MSI-Xs: the host addresses it covers, or none */
static void epf_vntb_msix_state(struct seq_file *s, struct epf_vntb *vntb)
{
	unsigned long flags;
	size_t size = 0;
	u64 addr = 0;

	spin_lock_irqsave(&vntb->msix_lock, flags);
	if (vntb->msix_win) {
		addr = vntb->msix_map.pci_addr;
		size = vntb->msix_map.pci_size;
	}
	spin_unlock_irqrestore(&vntb->msix_lock, flags);
	if (size)
		seq_printf(s, "msix_direct %#llx-%#llx\n", addr, addr + size - 1);
	else
		seq_puts(s, "msix_direct none\n");
}

static int epf_vntb_state_show(struct seq_file *s, void *unused)
{
	struct epf_vntb *vntb = s->private;
	u32 vectors = READ_ONCE(vntb->host_db_vectors);

	seq_printf(s, "doorbell_mode %s\n",
		   vntb->db_polled ? "poll" : "interrupt");
	seq_printf(s, "doorbell_source %s\n", epf_vntb_db_source(vntb));
	seq_printf(s, "reach %s\n", epf_vntb_reach(vntb));
	seq_printf(s, "db_bar %d\n", vntb->db_barno);
	seq_printf(s, "db_offset %#x\n", vntb->db_offset);
	seq_printf(s, "doorbells %u\n", vntb->n_db);
	seq_printf(s, "command_mode %s\n",
		   READ_ONCE(vntb->cmd_by_kick) ? "KICKED" : "POLL");
	seq_printf(s, "ep_caps %#x\n", epf_vntb_ctrl_ep_caps(vntb));
	seq_printf(s, "host_caps %#x\n",
		   epf_vntb_read32(vntb, NTB_EPF_HOST_CAPS));
	if (vectors == U32_MAX)
		seq_puts(s, "host_db_vectors unset\n");
	else
		seq_printf(s, "host_db_vectors %u\n", vectors);
	seq_printf(s, "host_irq_type %s\n", epf_vntb_host_irq(vntb));
	seq_printf(s, "msix %s\n", vntb->msix ? "offered" : "none");
	epf_vntb_msix_state(s, vntb);
	seq_printf(s, "link %s\n", READ_ONCE(vntb->link_up) ? "up" : "down");
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(epf_vntb_state);

/**
 * epf_vntb_debugfs_add() - the bound function's directory and files
 * @vntb: the function, at the end of bind
 *
 * Debugfs failures are not fatal: the function works without its files.
 */
void epf_vntb_debugfs_add(struct epf_vntb *vntb)
{
	vntb->debugfs = debugfs_create_dir(dev_name(epf_vntb_dev(vntb)),
					   epf_vntb_debugfs_root);
	debugfs_create_file("counters", 0400, vntb->debugfs, vntb,
			    &epf_vntb_counters_fops);
	debugfs_create_file("state", 0400, vntb->debugfs, vntb,
			    &epf_vntb_state_fops);
	epf_vntb_hostile_add(vntb);
}

/**
 * epf_vntb_debugfs_remove() - remove the function's directory
 * @vntb: the function, being unbound
 *
 * Waits for the files' readers (and the test knob's writers) to finish.
 */
void epf_vntb_debugfs_remove(struct epf_vntb *vntb)
{
	debugfs_remove_recursive(vntb->debugfs);
	vntb->debugfs = NULL;
	epf_vntb_hostile_remove(vntb);
}

/**
 * epf_vntb_debugfs_module_init() - the module's debugfs directory
 */
void epf_vntb_debugfs_module_init(void)
{
	epf_vntb_debugfs_root = debugfs_create_dir("pci-epf-vntb", NULL);
}

/**
 * epf_vntb_debugfs_module_exit() - remove the module's debugfs directory
 */
void epf_vntb_debugfs_module_exit(void)
{
	debugfs_remove_recursive(epf_vntb_debugfs_root);
}
