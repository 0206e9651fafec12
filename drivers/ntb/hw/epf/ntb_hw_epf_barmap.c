// SPDX-License-Identifier: GPL-2.0
/*
 * Host driver for the PCI endpoint NTB functions: the bar_map module
 * parameter.
 *
 * The BAR of each region comes with the PCI ID, but an endpoint function
 * lays its BARs out as its controller lets it: upstream's pci-epf-vntb on a
 * controller with six 32-bit BARs (Linux's generic DesignWare glue) uses
 * BAR0, BAR1 and BAR2 under the ID whose map says BAR0, BAR2 and BAR4.
 * bar_map=CTRL,DB,MW1[,MW2..MW4] replaces the map of every device probed
 * from then on: the control region with both scratchpad sets, the
 * doorbells, the windows. An empty value goes back to the per-ID maps.
 */

#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/ctype.h>
#include <linux/kernel.h>
#include <linux/moduleparam.h>
#include <linux/pci.h>
#include <linux/string.h>

#include "ntb_hw_epf.h"

/* Its longest value, "0,1,2,3,4,5", with room for blanks and a newline */
#define NTB_HW_EPF_BAR_MAP_MAX	32

/* The regions bar_map names, in its order */
static const enum ntb_hw_epf_region ntb_hw_epf_bar_map_order[] = {
	NTB_HW_EPF_CTRL, NTB_HW_EPF_DB, NTB_HW_EPF_MW1, NTB_HW_EPF_MW1 + 1,
	NTB_HW_EPF_MW1 + 2, NTB_HW_EPF_MW1 + 3,
};

/* The map bar_map set, valid when ntb_hw_epf_bar_map_len is not zero */
static struct ntb_hw_epf_map ntb_hw_epf_bar_map_val;
static unsigned int ntb_hw_epf_bar_map_len;

/*
 * Parse @val into @map, BAR numbers 0 to 5 separated by commas, each BAR
 * at most once. Return: how many were given (0: none), or -EINVAL after
 * saying why.
 */
static int ntb_hw_epf_bar_map_parse(const char *val,
				    struct ntb_hw_epf_map *map)
{
	char buf[NTB_HW_EPF_BAR_MAP_MAX], shown[NTB_HW_EPF_BAR_MAP_MAX];
	unsigned long used = 0;
	unsigned int n = 0, i;
	char *s, *word;

	if (strscpy(buf, val, sizeof(buf)) < 0) {
		pr_err("bar_map: too long, want CTRL,DB,MW1[,MW2..MW4]\n");
		return -EINVAL;
	}
	s = strim(buf);
	if (!*s)
		return 0;
	/* For the messages: the value without the newline of an echo */
	strscpy(shown, s, sizeof(shown));
	val = shown;

	for (i = 0; i < NTB_HW_EPF_REGIONS; i++)
		map->bar[i] = NTB_HW_EPF_NO_BAR;

	while ((word = strsep(&s, ","))) {
		word = strim(word);
		if (n == ARRAY_SIZE(ntb_hw_epf_bar_map_order)) {
			pr_err("bar_map \"%s\": at most %u windows\n", val,
			       NTB_HW_EPF_MAX_MW);
			return -EINVAL;
		}
		if (strlen(word) != 1 || word[0] < '0' ||
		    word[0] >= '0' + PCI_STD_NUM_BARS) {
			pr_err("bar_map \"%s\": \"%s\" is not a BAR number 0 to %u\n",
			       val, word, PCI_STD_NUM_BARS - 1);
			return -EINVAL;
		}
		i = word[0] - '0';
		if (__test_and_set_bit(i, &used)) {
			pr_err("bar_map \"%s\": BAR%u is given twice\n", val, i);
			return -EINVAL;
		}
		map->bar[ntb_hw_epf_bar_map_order[n++]] = i;
	}

	if (n < 3) {
		pr_err("bar_map \"%s\": want CTRL,DB,MW1[,MW2..MW4]\n", val);
		return -EINVAL;
	}
	/* The peer's scratchpads follow the own ones in the control BAR. */
	map->bar[NTB_HW_EPF_PEER_SPAD] = map->bar[NTB_HW_EPF_CTRL];

	return n;
}

static int ntb_hw_epf_bar_map_set(const char *val,
				  const struct kernel_param *kp)
{
	struct ntb_hw_epf_map map;
	int n;

	n = ntb_hw_epf_bar_map_parse(val, &map);
	if (n < 0)
		return n;

	/* Under the parameter lock, which ntb_hw_epf_bar_map() takes too */
	ntb_hw_epf_bar_map_val = map;
	ntb_hw_epf_bar_map_len = n;

	return 0;
}

static int ntb_hw_epf_bar_map_get(char *buffer, const struct kernel_param *kp)
{
	const struct ntb_hw_epf_map *map = &ntb_hw_epf_bar_map_val;
	unsigned int i;
	int len = 0;

	for (i = 0; i < ntb_hw_epf_bar_map_len; i++)
		len += sysfs_emit_at(buffer, len, "%s%d", i ? "," : "",
				     map->bar[ntb_hw_epf_bar_map_order[i]]);

	return len + sysfs_emit_at(buffer, len, "\n");
}

static const struct kernel_param_ops ntb_hw_epf_bar_map_ops = {
	.set = ntb_hw_epf_bar_map_set,
	.get = ntb_hw_epf_bar_map_get,
};

module_param_cb(bar_map, &ntb_hw_epf_bar_map_ops, NULL, 0644);
MODULE_PARM_DESC(bar_map,
		 "BARs of the control region (and scratchpads), the doorbells and the windows, as CTRL,DB,MW1[,MW2..MW4], for every device probed; empty: the map of the PCI ID");

/**
 * ntb_hw_epf_bar_map() - the BAR map the bar_map parameter gives
 * @map: where to copy it
 *
 * Context: process (takes the module's parameter lock).
 * Return: true when bar_map is set and @map holds it, false when the
 * device's own map applies.
 */
bool ntb_hw_epf_bar_map(struct ntb_hw_epf_map *map)
{
	bool set;

	kernel_param_lock(THIS_MODULE);
	set = ntb_hw_epf_bar_map_len;
	if (set)
		*map = ntb_hw_epf_bar_map_val;
	kernel_param_unlock(THIS_MODULE);

	return set;
}
