// SPDX-License-Identifier: GPL-2.0
/*
 * Host side: the vNTB control region, read through the PCI resource
 * files of the device that ntb_hw_epf drives, holds the layout the host
 * driver accepts: scratchpads aligned and inside the control BAR, every
 * doorbell slot the host rings inside the doorbell BAR, and, when the
 * endpoint has this project's extension, an extension that ends before
 * the scratchpads and a command doorbell inside the doorbell BAR.
 *
 *   vntb_ctrl_layout
 *
 * Environment: VNTB_PCI_DEV (the device, e.g. 0000:01:00.0; default: the
 * first one bound to ntb_hw_epf), VNTB_CTRL_BAR (0) and VNTB_DB_BAR. The
 * doorbells are where VNTB_DB_BAR says, else where the BAR map the
 * endpoint publishes says, else in BAR2 as in ntb_hw_epf's map for
 * 0x1957:0x0809. The map is read-only.
 */

#include <dirent.h>
#include <endian.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../../../kselftest.h"

/*
 * Offsets and values of include/linux/ntb_epf.h, which userspace cannot
 * include (it needs <linux/bits.h>); only those checked here.
 */
#define CTRL_SPAD_OFFSET	0x28
#define CTRL_SPAD_COUNT		0x2c
#define CTRL_DB_ENTRY_SIZE	0x30
#define CTRL_DB_DATA(slot)	(0x34 + (slot) * 4)
#define CTRL_DB_OFFSET(slot)	(0xb4 + (slot) * 4)
#define CTRL_DB_SLOTS		32
#define CTRL_SLOT_DB_FIRST	2
#define CTRL_EXT_BASE		0x134
#define CTRL_EXT_MAGIC_REG	0x134
#define CTRL_EXT_VERSION_SIZE	0x138	/* u16 version, then u16 size */
#define CTRL_EP_CAPS		0x13c
#define CTRL_CMD_DB_OFFSET	0x144
#define CTRL_EXT_END		0x14c
#define CTRL_EXT_MAGIC		0x58544e76
#define CTRL_CAP_CMD_DB		0x2
#define CTRL_CAP_BAR_MAP	0x10
#define CTRL_MAP_DB		0x198	/* the doorbell role's entry */
#define CTRL_MAP_END		0x1f0
#define CTRL_MAP_NONE		0xff
#define CTRL_BARS		6

#define SYSFS_DRIVER		"/sys/bus/pci/drivers/ntb_hw_epf"
#define SYSFS_DEVICES		"/sys/bus/pci/devices"

struct layout {
	const unsigned char *ctrl;	/* the control BAR, mapped */
	size_t ctrl_len;
	size_t db_len;			/* the doorbell BAR's length */
};

/*
 * One 32-bit load from the BAR each time it is called, never merged or
 * split by the compiler: what a device register needs.
 */
static unsigned int ctrl_read32(const struct layout *l, size_t off)
{
	return le32toh(__atomic_load_n((const uint32_t *)(l->ctrl + off),
				       __ATOMIC_RELAXED));
}

/* Does a 32-bit register at @pos fit a BAR of @len bytes, aligned? */
static int reg_fits(unsigned long long pos, size_t len)
{
	return !(pos % sizeof(uint32_t)) && pos + sizeof(uint32_t) <= len;
}

/* The device: VNTB_PCI_DEV, else the first one ntb_hw_epf drives */
static int find_device(char *name, size_t size)
{
	const char *env = getenv("VNTB_PCI_DEV");
	struct dirent *e;
	DIR *dir;

	if (env) {
		snprintf(name, size, "%s", env);
		return 0;
	}
	dir = opendir(SYSFS_DRIVER);
	if (!dir)
		return -ENOENT;
	while ((e = readdir(dir))) {
		/* Devices are the entries named domain:bus:slot.fn */
		if (strchr(e->d_name, ':')) {
			snprintf(name, size, "%s", e->d_name);
			closedir(dir);
			return 0;
		}
	}
	closedir(dir);
	return -ENOENT;
}

static int bar_number(const char *var, int def)
{
	const char *env = getenv(var);

	return env ? atoi(env) : def;
}

static int resource_path(char *path, size_t size, const char *dev, int bar)
{
	int n = snprintf(path, size, SYSFS_DEVICES "/%s/resource%d", dev, bar);

	return n > 0 && (size_t)n < size ? 0 : -ENAMETOOLONG;
}

static int bar_length(const char *dev, int bar, size_t *len)
{
	char path[PATH_MAX];
	struct stat st;

	if (resource_path(path, sizeof(path), dev, bar) || stat(path, &st))
		return -errno;
	*len = st.st_size;
	return 0;
}

/*
 * Where the control BAR cannot be mapped: why, for the skip. Opening the
 * resource file takes root; the kernel refuses the map itself under
 * lockdown (-EPERM), and (-EINVAL) for a BAR a driver holds when it was
 * built with CONFIG_IO_STRICT_DEVMEM=y, as distributions' kernels are.
 */
struct map_error {
	const char *stage;	/* "open" or "mmap" */
	int err;
};

static int map_ctrl(struct layout *l, const char *dev, int bar,
		    struct map_error *me)
{
	char path[PATH_MAX];
	void *map;
	int fd;

	me->stage = "open";
	if (resource_path(path, sizeof(path), dev, bar))
		return -ENAMETOOLONG;
	fd = open(path, O_RDONLY);
	if (fd < 0)
		return -errno;
	if (bar_length(dev, bar, &l->ctrl_len) || !l->ctrl_len) {
		close(fd);
		return -ENODEV;
	}
	me->stage = "mmap";
	map = mmap(NULL, l->ctrl_len, PROT_READ, MAP_SHARED, fd, 0);
	close(fd);
	if (map == MAP_FAILED)
		return -errno;
	l->ctrl = map;
	return 0;
}

/* The lockdown mode in force ("integrity", "confidentiality"), or NULL */
static const char *lockdown_mode(char *buf, size_t size)
{
	FILE *f = fopen("/sys/kernel/security/lockdown", "r");
	char *open, *close;

	if (!f)
		return NULL;
	if (!fgets(buf, size, f))
		buf[0] = '\0';
	fclose(f);
	open = strchr(buf, '[');
	close = open ? strchr(open, ']') : NULL;
	if (!close || !strncmp(open, "[none]", 6))
		return NULL;
	*close = '\0';
	return open + 1;
}

/*
 * The name of what holds the BAR's memory: in /proc/iomem, an entry
 * nested in the device's own one (a driver's claim) that covers the BAR's
 * start; copied to @holder, 0 when there is one.
 */
static int bar_holder(const char *dev, int bar, char *holder, size_t size)
{
	unsigned long long start, s, e;
	char path[PATH_MAX], line[256], name[128];
	int i, depth, dev_depth = -1, ret = -ENOENT;
	FILE *f;

	snprintf(path, sizeof(path), SYSFS_DEVICES "/%s/resource", dev);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	for (i = 0; i <= bar; i++)
		if (!fgets(line, sizeof(line), f))
			line[0] = '\0';
	fclose(f);
	start = strtoull(line, NULL, 16);
	if (!start)
		return -ENOENT;
	f = fopen("/proc/iomem", "r");
	if (!f)
		return -errno;
	while (ret && fgets(line, sizeof(line), f)) {
		depth = strspn(line, " ");
		if (sscanf(line + depth, "%llx-%llx : %127[^\n]", &s, &e,
			   name) != 3 || start < s || start > e)
			continue;
		if (!strcmp(name, dev)) {
			dev_depth = depth;
		} else if (dev_depth >= 0 && depth > dev_depth) {
			snprintf(holder, size, "%s", name);
			ret = 0;
		}
	}
	fclose(f);
	return ret;
}

/* Skip, saying why the control BAR cannot be mapped, when that is known */
static void skip_unmappable(const char *dev, int bar, const struct map_error *me,
			    int err)
{
	char buf[128], holder[128];
	const char *mode;

	if (!strcmp(me->stage, "open") && (err == -EACCES || err == -EPERM))
		ksft_exit_skip("opening the resource files of %s needs root\n",
			       dev);
	if (strcmp(me->stage, "mmap"))
		return;
	mode = lockdown_mode(buf, sizeof(buf));
	if (err == -EPERM && mode)
		ksft_exit_skip("kernel lockdown (%s) forbids mapping PCI BARs from user space\n",
			       mode);
	if (err == -EINVAL && !bar_holder(dev, bar, holder, sizeof(holder)))
		ksft_exit_skip("%s holds BAR%d: IO_STRICT_DEVMEM forbids the map (iomem=relaxed)\n",
			       holder, bar);
}

/*
 * Where the doorbells are: @db_len is the length of the doorbell BAR, or
 * of the doorbell role within it when the endpoint publishes its BAR map
 * (doorbell offsets count from the role's start). Non-zero when the
 * published role does not fit its BAR.
 */
static int find_doorbells(struct layout *l, const char *dev, int ext)
{
	unsigned long long off, size;
	unsigned int bar;
	size_t len;

	if (getenv("VNTB_DB_BAR") || !ext ||
	    !(ctrl_read32(l, CTRL_EP_CAPS) & CTRL_CAP_BAR_MAP) ||
	    l->ctrl_len < CTRL_MAP_END ||
	    CTRL_EXT_BASE + (ctrl_read32(l, CTRL_EXT_VERSION_SIZE) >> 16) <
	    CTRL_MAP_END)
		return bar_length(dev, bar_number("VNTB_DB_BAR", 2), &l->db_len);

	bar = ctrl_read32(l, CTRL_MAP_DB) & 0xff;
	off = ctrl_read32(l, CTRL_MAP_DB + 4);
	size = ctrl_read32(l, CTRL_MAP_DB + 8) |
	       (unsigned long long)ctrl_read32(l, CTRL_MAP_DB + 12) << 32;
	if (bar == CTRL_MAP_NONE || bar >= CTRL_BARS ||
	    bar_length(dev, bar, &len) || size > len || off > len - size) {
		ksft_print_msg("doorbell role: BAR %u, %#llx bytes at %#llx, outside it\n",
			       bar, size, off);
		return -EINVAL;
	}
	ksft_print_msg("published BAR map: doorbells in BAR%u at %#llx, %#llx bytes\n",
		       bar, off, size);
	l->db_len = size;
	return 0;
}

static void test_spads(const struct layout *l, int ext)
{
	unsigned int off = ctrl_read32(l, CTRL_SPAD_OFFSET);
	unsigned int count = ctrl_read32(l, CTRL_SPAD_COUNT);
	unsigned int min = ext ? CTRL_EXT_END : CTRL_EXT_BASE;
	/* The host's scratchpads, then the endpoint's */
	unsigned long long end = off + 2ULL * count * sizeof(uint32_t);

	ksft_print_msg("%u scratchpads at %#x, control BAR %#zx bytes\n",
		       count, off, l->ctrl_len);
	ksft_test_result(count && off >= min && !(off % sizeof(uint32_t)) &&
			 end <= l->ctrl_len,
			 "scratchpads aligned, after the control region, inside the control BAR\n");
}

/*
 * The host rings slots NTB_EPF_SLOT_DB_FIRST up to its vector count (one
 * vector per slot); without MSI vectors to count, every slot is checked.
 */
static unsigned int slots_rung(const char *dev)
{
	unsigned int n = 0;
	struct dirent *e;
	char path[PATH_MAX];
	DIR *dir;

	snprintf(path, sizeof(path), SYSFS_DEVICES "/%s/msi_irqs", dev);
	dir = opendir(path);
	if (!dir)
		return CTRL_DB_SLOTS;
	while ((e = readdir(dir)))
		if (e->d_name[0] != '.')
			n++;
	closedir(dir);
	return n && n < CTRL_DB_SLOTS ? n : CTRL_DB_SLOTS;
}

static void test_doorbells(const struct layout *l, const char *dev)
{
	unsigned int entry = ctrl_read32(l, CTRL_DB_ENTRY_SIZE);
	unsigned int slot, end = slots_rung(dev), bad = 0;

	for (slot = CTRL_SLOT_DB_FIRST; slot < end; slot++) {
		unsigned int off = ctrl_read32(l, CTRL_DB_OFFSET(slot));
		unsigned long long pos = (unsigned long long)entry * slot + off;

		if (!reg_fits(pos, l->db_len)) {
			ksft_print_msg("slot %u at %#llx: outside the %#zx byte doorbell BAR\n",
				       slot, pos, l->db_len);
			bad++;
		}
	}
	ksft_print_msg("doorbell slots %u to %u, entry size %u, doorbell BAR %#zx bytes\n",
		       CTRL_SLOT_DB_FIRST, end - 1, entry, l->db_len);
	ksft_test_result(end > CTRL_SLOT_DB_FIRST && !bad,
			 "doorbell slots land inside the doorbell BAR\n");
}

static void test_ext(const struct layout *l, int ext)
{
	const char *desc = "extension: version, size and command doorbell";
	unsigned int vs, version, size, off, caps, spad;
	int ok;

	if (!ext) {
		ksft_test_result_skip("%s: no extension, an upstream endpoint\n",
				      desc);
		return;
	}
	vs = ctrl_read32(l, CTRL_EXT_VERSION_SIZE);
	version = vs & 0xffff;
	size = vs >> 16;
	caps = ctrl_read32(l, CTRL_EP_CAPS);
	off = ctrl_read32(l, CTRL_CMD_DB_OFFSET);
	spad = ctrl_read32(l, CTRL_SPAD_OFFSET);
	ksft_print_msg("extension version %u, %#x bytes, caps %#x, command doorbell at %#x\n",
		       version, size, caps, off);
	ok = version >= 1 && size >= CTRL_EXT_END - CTRL_EXT_BASE &&
	     CTRL_EXT_BASE + size <= spad;
	if (caps & CTRL_CAP_CMD_DB)
		ok = ok && reg_fits(off, l->db_len);
	ksft_test_result(ok, "%s\n", desc);
}

int main(void)
{
	struct layout l = { 0 };
	int ctrl_bar = bar_number("VNTB_CTRL_BAR", 0);
	char dev[NAME_MAX + 1];
	struct map_error me;
	int ext, ret;

	ksft_print_header();
	if (find_device(dev, sizeof(dev)))
		ksft_exit_skip("no device bound to ntb_hw_epf (set VNTB_PCI_DEV)\n");
	ret = map_ctrl(&l, dev, ctrl_bar, &me);
	if (ret)
		skip_unmappable(dev, ctrl_bar, &me, ret);
	ksft_set_plan(4);
	ksft_print_msg("device %s\n", dev);
	if (ret) {
		ksft_test_result_fail("control BAR%d of %s mapped: %s failed: %s\n",
				      ctrl_bar, dev, me.stage, strerror(-ret));
		ksft_test_result_skip("scratchpads: no control BAR\n");
		ksft_test_result_skip("doorbells: no control BAR\n");
		ksft_test_result_skip("extension: no control BAR\n");
		ksft_finished();
	}
	ext = l.ctrl_len >= CTRL_EXT_END &&
	      ctrl_read32(&l, CTRL_EXT_MAGIC_REG) == CTRL_EXT_MAGIC;
	ksft_test_result(l.ctrl_len >= CTRL_EXT_BASE &&
			 !find_doorbells(&l, dev, ext) && l.db_len,
			 "control BAR holds the control region, doorbell BAR present\n");
	test_spads(&l, ext);
	test_doorbells(&l, dev);
	test_ext(&l, ext);

	munmap((void *)l.ctrl, l.ctrl_len);
	ksft_finished();
}
