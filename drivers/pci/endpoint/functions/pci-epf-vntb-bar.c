// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual NTB endpoint function: which BAR holds what
 *
 * Upstream's host driver does not read the layout from the device: it
 * has a BAR map per device ID. So the function keeps upstream's order:
 * the control region in the first free BAR, the doorbells in the next,
 * the memory windows after them; on a controller with 64-bit BARs only
 * (the i.MX8 map that ntb_hw_epf has for 0x1957:0x0809) that is BAR0,
 * BAR2, BAR4.
 *
 * Two things move BARs:
 * - a controller that exposes its doorbell in a BAR of its own: that BAR
 *   is where the host rings, so it is the doorbell BAR, and a db_bar pin
 *   that says otherwise is an error;
 * - the configfs pins (ctrl_bar, db_bar, mwN_bar): a pinned role takes
 *   its BAR, and the automatic ones continue after it.
 */

#include <linux/bits.h>

#include "pci-epf-vntb.h"

/* Roles in upstream's order */
enum epf_vntb_role {
	EPF_VNTB_ROLE_CTRL,
	EPF_VNTB_ROLE_DB,
	EPF_VNTB_ROLE_MW1,
	EPF_VNTB_ROLES = EPF_VNTB_ROLE_MW1 + EPF_VNTB_MAX_MWS,
};

static const char * const epf_vntb_role_names[EPF_VNTB_ROLES] = {
	"ctrl_bar", "db_bar", "mw1_bar", "mw2_bar", "mw3_bar", "mw4_bar",
};

/* A BAR is wide when it takes the next one as its upper half */
static bool epf_vntb_bar_wide(struct epf_vntb *vntb, enum epf_vntb_role role,
			      enum pci_barno bar)
{
	if (vntb->features->bar[bar].only_64bit)
		return true;
	return role >= EPF_VNTB_ROLE_MW1 &&
	       upper_32_bits(vntb->cfg.mw_size[role - EPF_VNTB_ROLE_MW1]);
}

static bool epf_vntb_bar_free(struct epf_vntb *vntb, unsigned long used,
			      enum epf_vntb_role role, enum pci_barno bar)
{
	if (vntb->features->bar[bar].type == BAR_RESERVED ||
	    used & BIT(bar))
		return false;
	if (epf_vntb_bar_wide(vntb, role, bar) &&
	    (bar == BAR_5 || used & BIT(bar + 1)))
		return false;
	return true;
}

static void epf_vntb_bar_take(struct epf_vntb *vntb, unsigned long *used,
			      enum epf_vntb_role role, enum pci_barno bar)
{
	*used |= BIT(bar);
	if (epf_vntb_bar_wide(vntb, role, bar))
		*used |= BIT(bar + 1);
}

static void epf_vntb_bars_store(struct epf_vntb *vntb,
				const enum pci_barno *bar)
{
	unsigned int i;

	vntb->ctrl_bar = bar[EPF_VNTB_ROLE_CTRL];
	vntb->db_barno = bar[EPF_VNTB_ROLE_DB];
	for (i = 0; i < vntb->num_mws; i++)
		vntb->mw[i].bar = bar[EPF_VNTB_ROLE_MW1 + i];
}

/**
 * epf_vntb_bars_assign() - choose the BAR of every role
 * @vntb: the function, with its configuration and the controller's
 *	features
 * @db_fixed: BAR in which the controller exposes the doorbell, or NO_BAR
 *
 * Return: 0, or -EINVAL for a pin that cannot be honoured, -ENOSPC when
 * the controller has too few BARs.
 */
int epf_vntb_bars_assign(struct epf_vntb *vntb, enum pci_barno db_fixed)
{
	const struct epf_vntb_config *cfg = &vntb->cfg;
	struct device *dev = epf_vntb_dev(vntb);
	enum pci_barno bar[EPF_VNTB_ROLES];
	unsigned int roles = EPF_VNTB_ROLE_MW1 + vntb->num_mws;
	enum pci_barno cursor = BAR_0;
	unsigned long used = 0;
	unsigned int r;

	bar[EPF_VNTB_ROLE_CTRL] = cfg->ctrl_bar;
	bar[EPF_VNTB_ROLE_DB] = cfg->db_bar;
	memcpy(&bar[EPF_VNTB_ROLE_MW1], cfg->mw_bar, sizeof(cfg->mw_bar));

	if (db_fixed != NO_BAR) {
		if (cfg->db_bar != NO_BAR && cfg->db_bar != db_fixed) {
			dev_err(dev, "db_bar is %d but the controller exposes its doorbell in BAR%d\n",
				cfg->db_bar, db_fixed);
			return -EINVAL;
		}
		/* Reserved in the features: the controller owns it */
		bar[EPF_VNTB_ROLE_DB] = db_fixed;
		used |= BIT(db_fixed);
	}

	/* Pinned roles first, so that the automatic ones go around them */
	for (r = 0; r < roles; r++) {
		if (bar[r] == NO_BAR || (r == EPF_VNTB_ROLE_DB &&
					 db_fixed != NO_BAR))
			continue;
		if (!epf_vntb_bar_free(vntb, used, r, bar[r])) {
			dev_err(dev, "%s: BAR%d is reserved, taken or has no upper half\n",
				epf_vntb_role_names[r], bar[r]);
			return -EINVAL;
		}
		epf_vntb_bar_take(vntb, &used, r, bar[r]);
	}

	for (r = 0; r < roles; r++) {
		if (bar[r] == NO_BAR) {
			while (cursor <= BAR_5 &&
			       !epf_vntb_bar_free(vntb, used, r, cursor))
				cursor++;
			if (cursor > BAR_5) {
				dev_err(dev, "no free BAR left for %s\n",
					epf_vntb_role_names[r]);
				return -ENOSPC;
			}
			bar[r] = cursor;
			epf_vntb_bar_take(vntb, &used, r, cursor);
		}
		cursor = bar[r] + 1;
	}

	epf_vntb_bars_store(vntb, bar);
	return 0;
}

static int epf_vntb_bar_set(struct epf_vntb *vntb, struct pci_epf_bar *bar,
			    const char *what)
{
	struct pci_epf *epf = vntb->epf;
	int ret;

	ret = pci_epc_set_bar(epf->epc, epf->func_no, epf->vfunc_no, bar);
	if (ret)
		dev_err(&epf->dev, "BAR%d (%s): %d\n", bar->barno, what, ret);
	return ret;
}

static void epf_vntb_bar_clear(struct epf_vntb *vntb, struct pci_epf_bar *bar)
{
	struct pci_epf *epf = vntb->epf;

	pci_epc_clear_bar(epf->epc, epf->func_no, epf->vfunc_no, bar);
}

/**
 * epf_vntb_bars_set() - program every BAR of the function
 * @vntb: the function
 *
 * The memory windows get their current target: ntb_transport's buffer if
 * it set one already, the parking buffer otherwise.
 *
 * Return: 0 or the controller's error, with nothing left programmed.
 */
int epf_vntb_bars_set(struct epf_vntb *vntb)
{
	struct pci_epf *epf = vntb->epf;
	unsigned int i;
	int ret;

	guard(mutex)(&vntb->lock);

	ret = epf_vntb_bar_set(vntb, &epf->bar[vntb->ctrl_bar], "control");
	if (ret)
		return ret;

	if (vntb->db_epf_bar.barno != NO_BAR) {
		ret = epf_vntb_bar_set(vntb, &vntb->db_epf_bar, "doorbells");
		if (ret)
			goto clear_ctrl;
	}

	for (i = 0; i < vntb->num_mws; i++) {
		ret = epf_vntb_bar_set(vntb, &vntb->mw[i].cur, "memory window");
		if (ret)
			goto clear_mws;
	}

	vntb->epc_ready = true;
	return 0;

clear_mws:
	while (i--)
		epf_vntb_bar_clear(vntb, &vntb->mw[i].cur);
	if (vntb->db_epf_bar.barno != NO_BAR)
		epf_vntb_bar_clear(vntb, &vntb->db_epf_bar);
clear_ctrl:
	epf_vntb_bar_clear(vntb, &epf->bar[vntb->ctrl_bar]);
	return ret;
}

/**
 * epf_vntb_bars_clear() - undo epf_vntb_bars_set(), if it was done
 * @vntb: the function
 */
void epf_vntb_bars_clear(struct epf_vntb *vntb)
{
	unsigned int i;

	guard(mutex)(&vntb->lock);

	if (!vntb->epc_ready)
		return;

	for (i = 0; i < vntb->num_mws; i++)
		epf_vntb_bar_clear(vntb, &vntb->mw[i].cur);
	if (vntb->db_epf_bar.barno != NO_BAR)
		epf_vntb_bar_clear(vntb, &vntb->db_epf_bar);
	epf_vntb_bar_clear(vntb, &vntb->epf->bar[vntb->ctrl_bar]);
	vntb->epc_ready = false;
}
