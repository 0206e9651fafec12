// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual NTB endpoint function: configfs attributes
 *
 * The function's sub-directory (functions/pci_epf_vntb/<func>/<device>/)
 * has upstream's attributes with upstream's meanings:
 *
 *   spad_count     scratchpads of each side, 1 to EPF_VNTB_MAX_SPADS
 *   db_count       interrupt slots, 3 to 32 (N slots: N - 2 doorbells)
 *   num_mws        memory windows, 1 to 4
 *   mw1 .. mw4     window sizes: powers of two, at least 4 KiB
 *   vbus_number    bus number of the virtual PCI bus, 0 to 255
 *   vntb_vid       vendor ID of the NTB device on it (not 0 nor 0xffff)
 *   vntb_pid       its device ID
 *
 * and the BAR pins of newer kernels, a BAR number or -1 for automatic:
 *
 *   ctrl_bar, db_bar, mw1_bar .. mw4_bar
 *
 * and one of this driver's own:
 *
 *   doorbell_mode  "auto": interrupt-driven doorbells when the doorbell
 *                  layer has one, else polled; "poll": always polled
 *   bar_layout     read-only: the BARs chosen at bind, and whether they
 *                  are the layout Linux's ntb_hw_epf expects
 *
 * Every value is checked when written; a bad one is refused with a
 * message and changes nothing. While the function is bound, its layout is
 * in use: writes are refused with -EBUSY.
 */

#include <linux/configfs.h>
#include <linux/kernel.h>
#include <linux/log2.h>
#include <linux/pci-epf.h>
#include <linux/sizes.h>
#include <linux/string.h>

#include "pci-epf-vntb.h"

#define EPF_VNTB_MIN_MW_SIZE	SZ_4K

static const char * const epf_vntb_mw_names[EPF_VNTB_MAX_MWS] = {
	"mw1", "mw2", "mw3", "mw4",
};

static struct epf_vntb *to_epf_vntb(struct config_item *item)
{
	return container_of(to_config_group(item), struct epf_vntb, group);
}

/* Length of what was written, without the trailing newline of echo */
static int epf_vntb_input_len(const char *page)
{
	return strcspn(page, "\n");
}

/* Takes cfg_lock unless the function is bound; the caller unlocks */
static int epf_vntb_cfg_begin(struct epf_vntb *vntb, const char *name)
{
	mutex_lock(&vntb->cfg_lock);
	if (vntb->bound) {
		mutex_unlock(&vntb->cfg_lock);
		dev_err(epf_vntb_dev(vntb), "%s cannot change while the function is bound\n",
			name);
		return -EBUSY;
	}
	return 0;
}

static int epf_vntb_parse_u32(struct epf_vntb *vntb, const char *name,
			      const char *page, u32 min, u32 max, u32 *val)
{
	struct device *dev = epf_vntb_dev(vntb);
	int ret;

	ret = kstrtou32(page, 0, val);
	if (ret) {
		dev_err(dev, "%s: '%.*s' is not a number\n", name,
			epf_vntb_input_len(page), page);
		return -EINVAL;
	}
	if (*val < min || *val > max) {
		dev_err(dev, "%s: %u is out of range [%u, %u]\n", name, *val,
			min, max);
		return -ERANGE;
	}
	return 0;
}

#define EPF_VNTB_ATTR_U32(_name, _field, _min, _max)			\
static u32 *epf_vntb_##_name##_field(struct epf_vntb *vntb)		\
{									\
	return &vntb->cfg._field;					\
}									\
									\
static ssize_t epf_vntb_##_name##_show(struct config_item *item,	\
				       char *page)			\
{									\
	struct epf_vntb *vntb = to_epf_vntb(item);			\
									\
	guard(mutex)(&vntb->cfg_lock);					\
	return sysfs_emit(page, "%u\n", *epf_vntb_##_name##_field(vntb));	\
}									\
									\
static ssize_t epf_vntb_##_name##_store(struct config_item *item,	\
					const char *page, size_t len)	\
{									\
	struct epf_vntb *vntb = to_epf_vntb(item);			\
	u32 val;							\
	int ret;							\
									\
	ret = epf_vntb_parse_u32(vntb, #_name, page, _min, _max, &val);	\
	if (ret)							\
		return ret;						\
	ret = epf_vntb_cfg_begin(vntb, #_name);				\
	if (ret)							\
		return ret;						\
	*epf_vntb_##_name##_field(vntb) = val;				\
	mutex_unlock(&vntb->cfg_lock);					\
	return len;							\
}									\
CONFIGFS_ATTR(epf_vntb_, _name)

EPF_VNTB_ATTR_U32(spad_count, spad_count, 1, EPF_VNTB_MAX_SPADS);
EPF_VNTB_ATTR_U32(db_count, db_count, EPF_VNTB_MIN_DB_COUNT,
		  EPF_VNTB_MAX_DB_COUNT);
EPF_VNTB_ATTR_U32(num_mws, num_mws, 1, EPF_VNTB_MAX_MWS);
EPF_VNTB_ATTR_U32(vbus_number, vbus_number, 0, 0xff);
/* 0 and 0xffff read as "no device" in a vendor ID: the scan would miss it */
EPF_VNTB_ATTR_U32(vntb_vid, vid, 1, 0xfffe);
EPF_VNTB_ATTR_U32(vntb_pid, pid, 0, 0xffff);

static ssize_t epf_vntb_mw_show(struct config_item *item, char *page,
				unsigned int idx)
{
	struct epf_vntb *vntb = to_epf_vntb(item);

	guard(mutex)(&vntb->cfg_lock);
	return sysfs_emit(page, "%llu\n", vntb->cfg.mw_size[idx]);
}

static ssize_t epf_vntb_mw_store(struct config_item *item, const char *page,
				 size_t len, unsigned int idx)
{
	struct epf_vntb *vntb = to_epf_vntb(item);
	struct device *dev = epf_vntb_dev(vntb);
	u64 val;
	int ret;

	if (kstrtou64(page, 0, &val)) {
		dev_err(dev, "%s: '%.*s' is not a number\n",
			epf_vntb_mw_names[idx], epf_vntb_input_len(page), page);
		return -EINVAL;
	}
	if (!is_power_of_2(val) || val < EPF_VNTB_MIN_MW_SIZE ||
	    val > SIZE_MAX) {
		dev_err(dev, "%s: %#llx is not a power of two from %#x\n",
			epf_vntb_mw_names[idx], val, EPF_VNTB_MIN_MW_SIZE);
		return -ERANGE;
	}

	ret = epf_vntb_cfg_begin(vntb, epf_vntb_mw_names[idx]);
	if (ret)
		return ret;
	vntb->cfg.mw_size[idx] = val;
	mutex_unlock(&vntb->cfg_lock);
	return len;
}

static ssize_t epf_vntb_bar_show(struct config_item *item, char *page,
				 enum pci_barno *(*field)(struct epf_vntb *))
{
	struct epf_vntb *vntb = to_epf_vntb(item);

	guard(mutex)(&vntb->cfg_lock);
	return sysfs_emit(page, "%d\n", *field(vntb));
}

static ssize_t epf_vntb_bar_store(struct config_item *item, const char *page,
				  size_t len, const char *name,
				  enum pci_barno *(*field)(struct epf_vntb *))
{
	struct epf_vntb *vntb = to_epf_vntb(item);
	int val, ret;

	if (kstrtoint(page, 0, &val)) {
		dev_err(epf_vntb_dev(vntb), "%s: '%.*s' is not a number\n",
			name, epf_vntb_input_len(page), page);
		return -EINVAL;
	}
	if (val < NO_BAR || val > BAR_5) {
		dev_err(epf_vntb_dev(vntb), "%s: %d is neither a BAR (0 to 5) nor -1 (automatic)\n",
			name, val);
		return -ERANGE;
	}

	ret = epf_vntb_cfg_begin(vntb, name);
	if (ret)
		return ret;
	*field(vntb) = val;
	mutex_unlock(&vntb->cfg_lock);
	return len;
}

#define EPF_VNTB_ATTR_BAR(_name, _field)				\
static enum pci_barno *epf_vntb_##_name##_ptr(struct epf_vntb *vntb) \
{									\
	return &vntb->cfg._field;					\
}									\
									\
static ssize_t epf_vntb_##_name##_show(struct config_item *item,	\
				       char *page)			\
{									\
	return epf_vntb_bar_show(item, page, epf_vntb_##_name##_ptr);	\
}									\
									\
static ssize_t epf_vntb_##_name##_store(struct config_item *item,	\
					const char *page, size_t len)	\
{									\
	return epf_vntb_bar_store(item, page, len, #_name,		\
				  epf_vntb_##_name##_ptr);		\
}									\
CONFIGFS_ATTR(epf_vntb_, _name)

EPF_VNTB_ATTR_BAR(ctrl_bar, ctrl_bar);
EPF_VNTB_ATTR_BAR(db_bar, db_bar);
EPF_VNTB_ATTR_BAR(mw1_bar, mw_bar[0]);
EPF_VNTB_ATTR_BAR(mw2_bar, mw_bar[1]);
EPF_VNTB_ATTR_BAR(mw3_bar, mw_bar[2]);
EPF_VNTB_ATTR_BAR(mw4_bar, mw_bar[3]);

#define EPF_VNTB_ATTR_MW(_n)						\
static const unsigned int epf_vntb_mw##_n##_idx = (_n) - 1;		\
									\
static ssize_t epf_vntb_mw##_n##_show(struct config_item *item,	\
				      char *page)			\
{									\
	return epf_vntb_mw_show(item, page, epf_vntb_mw##_n##_idx);	\
}									\
									\
static ssize_t epf_vntb_mw##_n##_store(struct config_item *item,	\
				       const char *page, size_t len)	\
{									\
	return epf_vntb_mw_store(item, page, len,			\
				 epf_vntb_mw##_n##_idx);		\
}									\
CONFIGFS_ATTR(epf_vntb_, mw##_n)

EPF_VNTB_ATTR_MW(1);
EPF_VNTB_ATTR_MW(2);
EPF_VNTB_ATTR_MW(3);
EPF_VNTB_ATTR_MW(4);

static ssize_t epf_vntb_doorbell_mode_show(struct config_item *item,
					   char *page)
{
	struct epf_vntb *vntb = to_epf_vntb(item);

	guard(mutex)(&vntb->cfg_lock);
	return sysfs_emit(page, "%s\n", vntb->cfg.db_poll ? "poll" : "auto");
}

static ssize_t epf_vntb_doorbell_mode_store(struct config_item *item,
					    const char *page, size_t len)
{
	struct epf_vntb *vntb = to_epf_vntb(item);
	bool poll;
	int ret;

	if (sysfs_streq(page, "auto")) {
		poll = false;
	} else if (sysfs_streq(page, "poll")) {
		poll = true;
	} else {
		dev_err(epf_vntb_dev(vntb), "doorbell_mode: '%.*s' is neither 'auto' nor 'poll'\n",
			epf_vntb_input_len(page), page);
		return -EINVAL;
	}

	ret = epf_vntb_cfg_begin(vntb, "doorbell_mode");
	if (ret)
		return ret;
	vntb->cfg.db_poll = poll;
	mutex_unlock(&vntb->cfg_lock);
	return len;
}
CONFIGFS_ATTR(epf_vntb_, doorbell_mode);

/*
 * The BARs the bound function chose, and whether Linux's own ntb_hw_epf
 * finds them (vntb-setup tells its user when it does not).
 */
static ssize_t epf_vntb_bar_layout_show(struct config_item *item, char *page)
{
	struct epf_vntb *vntb = to_epf_vntb(item);
	unsigned int i;
	int len;

	guard(mutex)(&vntb->cfg_lock);
	if (!vntb->bound || !vntb->ctrl)
		return sysfs_emit(page, "unbound\n");

	len = sysfs_emit(page, "control %d doorbells %d", vntb->ctrl_bar,
			 vntb->db_barno);
	for (i = 0; i < vntb->num_mws; i++)
		len += sysfs_emit_at(page, len, " mw%u %d", i + 1,
				     vntb->mw[i].bar);
	return len + sysfs_emit_at(page, len, " upstream %s\n",
				   epf_vntb_bars_upstream(vntb) ? "yes" : "no");
}
CONFIGFS_ATTR_RO(epf_vntb_, bar_layout);

static struct configfs_attribute *epf_vntb_attrs[] = {
	&epf_vntb_attr_spad_count,
	&epf_vntb_attr_db_count,
	&epf_vntb_attr_num_mws,
	&epf_vntb_attr_mw1,
	&epf_vntb_attr_mw2,
	&epf_vntb_attr_mw3,
	&epf_vntb_attr_mw4,
	&epf_vntb_attr_vbus_number,
	&epf_vntb_attr_vntb_pid,
	&epf_vntb_attr_vntb_vid,
	&epf_vntb_attr_ctrl_bar,
	&epf_vntb_attr_db_bar,
	&epf_vntb_attr_mw1_bar,
	&epf_vntb_attr_mw2_bar,
	&epf_vntb_attr_mw3_bar,
	&epf_vntb_attr_mw4_bar,
	&epf_vntb_attr_doorbell_mode,
	&epf_vntb_attr_bar_layout,
	NULL,
};

static const struct config_item_type epf_vntb_group_type = {
	.ct_attrs	= epf_vntb_attrs,
	.ct_owner	= THIS_MODULE,
};

/**
 * epf_vntb_config_init() - the configuration before configfs writes
 * @cfg: the configuration to fill
 *
 * Upstream's defaults where it has usable ones (64 scratchpads, 4
 * interrupt slots, bus 0xff); the IDs and window sizes must be written.
 */
void epf_vntb_config_init(struct epf_vntb_config *cfg)
{
	unsigned int i;

	cfg->spad_count = 64;
	cfg->db_count = 4;
	cfg->num_mws = 1;
	cfg->vbus_number = 0xff;
	cfg->ctrl_bar = NO_BAR;
	cfg->db_bar = NO_BAR;
	for (i = 0; i < EPF_VNTB_MAX_MWS; i++)
		cfg->mw_bar[i] = NO_BAR;
}

/**
 * epf_vntb_add_cfs() - the function's configfs sub-directory
 * @epf: the function
 * @group: the function's own group, parent of the new one
 *
 * Return: the group, named after the function device as upstream's.
 */
struct config_group *epf_vntb_add_cfs(struct pci_epf *epf,
				      struct config_group *group)
{
	struct epf_vntb *vntb = epf_get_drvdata(epf);

	config_group_init_type_name(&vntb->group, dev_name(&epf->dev),
				    &epf_vntb_group_type);
	return &vntb->group;
}
