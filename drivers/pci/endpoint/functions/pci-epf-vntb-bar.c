// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual NTB endpoint function: which BAR holds what
 *
 * Upstream's host driver does not read the layout from the device: it
 * has a BAR map per device ID, for 0x1957:0x0809 the control region in
 * BAR0, the doorbells in BAR2, the windows in BAR4 and BAR5. Our host
 * reads the map the function publishes (NTB_EPF_CAP_BAR_MAP). So the
 * function takes, first that fits the controller:
 * 1. that map, when no pin says otherwise: both hosts can use it;
 * 2. upstream's order: the control region in the first free BAR, the
 *    doorbells in the next, the windows after them, pinned roles first
 *    (on a controller with 64-bit BARs only that is BAR0, BAR2, BAR4);
 * 3. any assignment that fits, each role in the lowest BAR that lets the
 *    others fit too (R-Car S4: BAR0, BAR4, BAR2).
 * "Fits" means: a BAR that is not reserved, with its upper half free
 * when it must be 64-bit, and of a fixed size that holds the role (a
 * window's must be the window's size).
 *
 * Two things move BARs:
 * - a controller that exposes its doorbell in a BAR of its own: that BAR
 *   is where the host rings, so it is the doorbell BAR, and a db_bar pin
 *   that says otherwise is an error;
 * - the configfs pins (ctrl_bar, db_bar, mwN_bar): a pinned role takes
 *   its BAR whatever the rest.
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

/* The map upstream's ntb_hw_epf has for 0x1957:0x0809 */
static const enum pci_barno epf_vntb_upstream_map[EPF_VNTB_ROLES] = {
	BAR_0, BAR_2, BAR_4, BAR_5, NO_BAR, NO_BAR,
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

/* Does the BAR's size hold the role? Any programmable BAR does. */
static bool epf_vntb_bar_fits(struct epf_vntb *vntb, enum epf_vntb_role role,
			      enum pci_barno bar)
{
	const struct pci_epc_bar_desc *desc = &vntb->features->bar[bar];

	if (desc->type != BAR_FIXED)
		return true;
	switch (role) {
	case EPF_VNTB_ROLE_CTRL:
		return desc->fixed_size >= epf_vntb_ctrl_min_size(vntb);
	case EPF_VNTB_ROLE_DB:
		return epf_vntb_db_bar_fits(vntb, bar);
	default:
		return desc->fixed_size ==
		       vntb->cfg.mw_size[role - EPF_VNTB_ROLE_MW1];
	}
}

static bool epf_vntb_bar_ok(struct epf_vntb *vntb, unsigned long used,
			    enum epf_vntb_role role, enum pci_barno bar)
{
	return epf_vntb_bar_free(vntb, used, role, bar) &&
	       epf_vntb_bar_fits(vntb, role, bar);
}

static void epf_vntb_bar_take(struct epf_vntb *vntb, unsigned long *used,
			      enum epf_vntb_role role, enum pci_barno bar)
{
	*used |= BIT(bar);
	if (epf_vntb_bar_wide(vntb, role, bar))
		*used |= BIT(bar + 1);
}

/**
 * struct epf_vntb_layout - an assignment being built
 * @bar: BAR per role, NO_BAR while unassigned
 * @used: BARs taken, upper halves included
 * @pinned: roles whose BAR is given (pins, the controller's doorbell)
 * @roles: roles to place
 */
struct epf_vntb_layout {
	enum pci_barno bar[EPF_VNTB_ROLES];
	unsigned long used;
	unsigned long pinned;
	unsigned int roles;
};

/* 1: upstream's map, if the pins agree with it and every role fits */
static bool epf_vntb_layout_upstream(struct epf_vntb *vntb,
				     struct epf_vntb_layout *l)
{
	struct epf_vntb_layout try = *l;
	unsigned int r;

	for (r = 0; r < l->roles; r++) {
		enum pci_barno want = epf_vntb_upstream_map[r];

		if (l->pinned & BIT(r)) {
			if (l->bar[r] != want)
				return false;
			continue;
		}
		if (want == NO_BAR || !epf_vntb_bar_ok(vntb, try.used, r, want))
			return false;
		try.bar[r] = want;
		epf_vntb_bar_take(vntb, &try.used, r, want);
	}
	*l = try;
	return true;
}

/* 2: upstream's order, each automatic role after the previous role */
static bool epf_vntb_layout_order(struct epf_vntb *vntb,
				  struct epf_vntb_layout *l)
{
	struct epf_vntb_layout try = *l;
	enum pci_barno cursor = BAR_0;
	unsigned int r;

	for (r = 0; r < l->roles; r++) {
		if (!(l->pinned & BIT(r))) {
			while (cursor <= BAR_5 &&
			       !epf_vntb_bar_ok(vntb, try.used, r, cursor))
				cursor++;
			if (cursor > BAR_5)
				return false;
			try.bar[r] = cursor;
			epf_vntb_bar_take(vntb, &try.used, r, cursor);
		}
		cursor = try.bar[r] + 1;
	}
	*l = try;
	return true;
}

/* 3: any assignment that fits, from role @r on; six BARs at most */
static bool epf_vntb_layout_search(struct epf_vntb *vntb,
				   struct epf_vntb_layout *l, unsigned int r)
{
	unsigned long used = l->used;
	enum pci_barno bar;

	if (r == l->roles)
		return true;
	if (l->pinned & BIT(r))
		return epf_vntb_layout_search(vntb, l, r + 1);

	for (bar = BAR_0; bar <= BAR_5; bar++) {
		if (!epf_vntb_bar_ok(vntb, used, r, bar))
			continue;
		l->bar[r] = bar;
		epf_vntb_bar_take(vntb, &l->used, r, bar);
		if (epf_vntb_layout_search(vntb, l, r + 1))
			return true;
		l->used = used;
	}
	l->bar[r] = NO_BAR;
	return false;
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

/* Take the pinned roles; 0 or -EINVAL after saying why */
static int epf_vntb_bars_pin(struct epf_vntb *vntb, struct epf_vntb_layout *l,
			     enum pci_barno db_fixed)
{
	const struct epf_vntb_config *cfg = &vntb->cfg;
	struct device *dev = epf_vntb_dev(vntb);
	unsigned int r;

	l->bar[EPF_VNTB_ROLE_CTRL] = cfg->ctrl_bar;
	l->bar[EPF_VNTB_ROLE_DB] = cfg->db_bar;
	memcpy(&l->bar[EPF_VNTB_ROLE_MW1], cfg->mw_bar, sizeof(cfg->mw_bar));

	if (db_fixed != NO_BAR) {
		if (cfg->db_bar != NO_BAR && cfg->db_bar != db_fixed) {
			dev_err(dev, "db_bar is %d but the controller exposes its doorbell in BAR%d\n",
				cfg->db_bar, db_fixed);
			return -EINVAL;
		}
		/* Reserved in the features: the controller owns it */
		l->bar[EPF_VNTB_ROLE_DB] = db_fixed;
		l->used |= BIT(db_fixed);
		l->pinned |= BIT(EPF_VNTB_ROLE_DB);
	}

	for (r = 0; r < l->roles; r++) {
		if (l->bar[r] == NO_BAR || l->pinned & BIT(r))
			continue;
		if (!epf_vntb_bar_free(vntb, l->used, r, l->bar[r])) {
			dev_err(dev, "%s: BAR%d is reserved, taken or has no upper half\n",
				epf_vntb_role_names[r], l->bar[r]);
			return -EINVAL;
		}
		if (!epf_vntb_bar_fits(vntb, r, l->bar[r])) {
			dev_err(dev, "%s: BAR%d has a fixed size of %#llx bytes, which does not fit\n",
				epf_vntb_role_names[r], l->bar[r],
				vntb->features->bar[l->bar[r]].fixed_size);
			return -EINVAL;
		}
		epf_vntb_bar_take(vntb, &l->used, r, l->bar[r]);
		l->pinned |= BIT(r);
	}
	return 0;
}

/**
 * epf_vntb_bars_assign() - choose the BAR of every role
 * @vntb: the function, with its configuration, its doorbell and the
 *	controller's features
 * @db_fixed: BAR in which the controller exposes the doorbell, or NO_BAR
 *
 * Return: 0, or -EINVAL for a pin that cannot be honoured, -ENOSPC when
 * the controller's BARs cannot hold every role.
 */
int epf_vntb_bars_assign(struct epf_vntb *vntb, enum pci_barno db_fixed)
{
	struct epf_vntb_layout l = {
		.roles = EPF_VNTB_ROLE_MW1 + vntb->num_mws,
	};
	int ret;

	ret = epf_vntb_bars_pin(vntb, &l, db_fixed);
	if (ret)
		return ret;

	if (!epf_vntb_layout_upstream(vntb, &l) &&
	    !epf_vntb_layout_order(vntb, &l) &&
	    !epf_vntb_layout_search(vntb, &l, 0)) {
		dev_err(epf_vntb_dev(vntb), "no layout of control, doorbells and %u window(s) fits the controller's BARs\n",
			vntb->num_mws);
		return -ENOSPC;
	}

	epf_vntb_bars_store(vntb, l.bar);
	return 0;
}

/**
 * epf_vntb_bars_upstream() - can upstream's host driver use the layout?
 * @vntb: the function, with its BARs chosen
 *
 * Return: true when every role is where upstream's ntb_hw_epf looks for
 * it under 0x1957:0x0809.
 */
bool epf_vntb_bars_upstream(struct epf_vntb *vntb)
{
	unsigned int i;

	if (vntb->ctrl_bar != epf_vntb_upstream_map[EPF_VNTB_ROLE_CTRL] ||
	    vntb->db_barno != epf_vntb_upstream_map[EPF_VNTB_ROLE_DB])
		return false;
	for (i = 0; i < vntb->num_mws; i++)
		if (vntb->mw[i].bar != epf_vntb_upstream_map[EPF_VNTB_ROLE_MW1 + i])
			return false;
	return true;
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
