// SPDX-License-Identifier: GPL-2.0
/*
 * Host driver for the PCI endpoint NTB functions: the BAR maps other than
 * the PCI ID's, the one the endpoint publishes and the bar_map module
 * parameter.
 *
 * An endpoint with NTB_EPF_CAP_BAR_MAP publishes in its control region
 * the BAR, offset and size of each role; the host reads the control
 * region where the PCI ID's map (BAR0 for a device given by driver_override)
 * puts it, then takes the rest from there, checked like any value the
 * endpoint writes. It replaces the per-ID map and bar_map.
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
#include <linux/sizes.h>
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

/* Names of the published roles, for the messages */
static const char * const ntb_hw_epf_role_names[NTB_EPF_BAR_MAP_ROLES] = {
	"control", "scratchpads", "doorbells", "window 1", "window 2",
	"window 3", "window 4",
};

/* One role of the published map */
struct ntb_hw_epf_role {
	u8 bar;
	u32 off;
	u64 size;
};

static void ntb_hw_epf_role_read(struct ntb_hw_epf *ndev, unsigned int role,
				 struct ntb_hw_epf_role *r)
{
	void __iomem *e = ndev->ctrl + NTB_EPF_BAR_MAP(role);

	r->bar = readl(e + NTB_EPF_BAR_MAP_BAR) & 0xff;
	r->off = readl(e + NTB_EPF_BAR_MAP_OFFSET);
	r->size = (u64)readl(e + NTB_EPF_BAR_MAP_SIZE_HI) << 32 |
		  readl(e + NTB_EPF_BAR_MAP_SIZE_LO);
}

/*
 * Check role @i of @roles against the device's BARs and the roles before
 * it. Return: NULL, or why it is refused.
 */
static const char *ntb_hw_epf_role_check(struct ntb_hw_epf *ndev,
					 const struct ntb_hw_epf_role *roles,
					 unsigned int i, int ctrl_bar)
{
	const struct ntb_hw_epf_role *r = &roles[i];
	struct pci_dev *pdev = ndev->ntb.pdev;
	unsigned int j;
	u64 len;

	if (r->bar >= PCI_STD_NUM_BARS)
		return "no such BAR";
	len = pci_resource_len(pdev, r->bar);
	if (!(pci_resource_flags(pdev, r->bar) & IORESOURCE_MEM) || !len)
		return "the device has no such memory BAR";
	if (!r->size)
		return "empty";
	if (r->size > len)
		return "larger than its BAR";
	if (!ntb_hw_epf_fits(len, r->off, r->size))
		return "outside its BAR";

	switch (i) {
	case NTB_EPF_ROLE_CTRL:
		if (r->bar != ctrl_bar || r->off)
			return "not at the start of the BAR read as control";
		if (r->size < NTB_EPF_EXT_END)
			return "smaller than the control region";
		break;
	case NTB_EPF_ROLE_SPAD:
		if (r->bar != ctrl_bar ||
		    r->off != readl(ndev->ctrl + NTB_EPF_SPAD_OFFSET))
			return "not where SPAD_OFFSET of the control BAR says";
		if (r->size < 2ULL * readl(ndev->ctrl + NTB_EPF_SPAD_COUNT) *
			      sizeof(u32))
			return "smaller than SPAD_COUNT scratchpads";
		break;
	case NTB_EPF_ROLE_DB:
		if (r->size < sizeof(u32))
			return "smaller than a doorbell";
		break;
	default:
		if (r->size < SZ_4K)
			return "a window smaller than a page";
		break;
	}

	for (j = 0; j < i; j++) {
		const struct ntb_hw_epf_role *o = &roles[j];

		if (o->bar == r->bar && r->off < o->off + o->size &&
		    o->off < r->off + r->size)
			return "overlapping an earlier role";
	}
	return NULL;
}

/**
 * ntb_hw_epf_bar_map_read() - take the BAR map the endpoint publishes
 * @ndev: the device, its control region mapped
 * @need: the device has no per-ID map: without a published one, refuse
 *
 * Every value is checked against the device's BARs: a BAR that exists,
 * each role inside it, no two roles overlapping, windows of a page or
 * more. On success @ndev->map holds the published map.
 *
 * Return: 0 (also when the endpoint publishes none and @need is false),
 * -EIO for a map refused, -ENODEV when @need and none is published; one
 * line says why.
 */
int ntb_hw_epf_bar_map_read(struct ntb_hw_epf *ndev, bool need)
{
	struct ntb_hw_epf_role roles[NTB_EPF_BAR_MAP_ROLES];
	struct ntb_hw_epf_map map = { .published = true };
	int ctrl_bar = ndev->map.bar[NTB_HW_EPF_CTRL];
	const char *why;
	u32 count, mws;
	unsigned int i;

	if (!ntb_hw_epf_ext_valid(ndev) ||
	    !(readl(ndev->ctrl + NTB_EPF_EP_CAPS) & NTB_EPF_CAP_BAR_MAP) ||
	    readw(ndev->ctrl + NTB_EPF_EXT_SIZE) <
	    NTB_EPF_EXT_END - NTB_EPF_EXT_BASE) {
		if (!need)
			return 0;
		dev_err(ndev->dev, "no BAR map for this PCI ID and the endpoint publishes none: not binding\n");
		return -ENODEV;
	}

	count = readl(ndev->ctrl + NTB_EPF_BAR_MAP_COUNT);
	mws = readl(ndev->ctrl + NTB_EPF_MW_COUNT);
	if (count < NTB_EPF_ROLE_MW1 + 1 || count > NTB_EPF_BAR_MAP_ROLES ||
	    count != NTB_EPF_ROLE_MW1 + mws) {
		atomic64_inc(&ndev->stats.refused_bar_map);
		dev_err(ndev->dev, "published BAR map refused: %u roles for %u memory windows\n",
			count, mws);
		return -EIO;
	}

	/* The map places window 1: an offset of the legacy kind on top is not */
	if (readl(ndev->ctrl + NTB_EPF_MW1_OFFSET)) {
		atomic64_inc(&ndev->stats.refused_bar_map);
		dev_err(ndev->dev, "published BAR map refused: MW1_OFFSET is %#x, not 0\n",
			readl(ndev->ctrl + NTB_EPF_MW1_OFFSET));
		return -EIO;
	}

	for (i = 0; i < count; i++) {
		ntb_hw_epf_role_read(ndev, i, &roles[i]);
		why = ntb_hw_epf_role_check(ndev, roles, i, ctrl_bar);
		if (why) {
			atomic64_inc(&ndev->stats.refused_bar_map);
			dev_err(ndev->dev, "published BAR map refused: %s at BAR%u + %#x, %#llx bytes: %s\n",
				ntb_hw_epf_role_names[i], roles[i].bar,
				roles[i].off, roles[i].size, why);
			return -EIO;
		}
	}

	for (i = 0; i < NTB_HW_EPF_REGIONS; i++)
		map.bar[i] = NTB_HW_EPF_NO_BAR;
	/*
	 * Both scratchpad sets follow SPAD_OFFSET in the control BAR, which
	 * the host maps whole, as with the other maps.
	 */
	map.bar[NTB_HW_EPF_CTRL] = ctrl_bar;
	map.bar[NTB_HW_EPF_PEER_SPAD] = ctrl_bar;
	map.bar[NTB_HW_EPF_DB] = roles[NTB_EPF_ROLE_DB].bar;
	map.off[NTB_HW_EPF_DB] = roles[NTB_EPF_ROLE_DB].off;
	map.size[NTB_HW_EPF_DB] = roles[NTB_EPF_ROLE_DB].size;
	for (i = 0; i < mws; i++) {
		const struct ntb_hw_epf_role *r = &roles[NTB_EPF_ROLE_MW1 + i];

		map.bar[NTB_HW_EPF_MW1 + i] = r->bar;
		map.off[NTB_HW_EPF_MW1 + i] = r->off;
		map.size[NTB_HW_EPF_MW1 + i] = r->size;
	}

	ndev->map = map;
	dev_info(ndev->dev, "BARs as the endpoint publishes them: control BAR%d, doorbells BAR%d + %#llx, window 1 BAR%d + %#llx (%#llx bytes)\n",
		 ctrl_bar, map.bar[NTB_HW_EPF_DB], map.off[NTB_HW_EPF_DB],
		 map.bar[NTB_HW_EPF_MW1], map.off[NTB_HW_EPF_MW1],
		 map.size[NTB_HW_EPF_MW1]);
	return 0;
}
