// SPDX-License-Identifier: GPL-2.0
/*
 * Host side of the endpoint doorbell test (pci-epf-db-test on the
 * endpoint): finds the function by vendor:device in sysfs, maps its
 * register BAR and the BAR that holds the doorbell through
 * /sys/bus/pci/devices/<dev>/resourceN, and rings.
 *
 *   db-test [-d VVVV:DDDD] [-b BAR] [-n RINGS] [-t MS]
 *	Ring RINGS times, then write a final SEQUENCE and ring once more,
 *	and wait (at most MS milliseconds) until the endpoint's doorbell
 *	interrupt has seen that SEQUENCE: no final kick is lost. Reports
 *	the rings and the endpoint's interrupt count, which may be lower:
 *	kicks coalesce.
 *
 * The round trip (the endpoint answering with an MSI) is measured in the
 * host's kernel, by drivers/misc/pci_ep_db_test.c: userspace takes no MSI.
 *
 * Everything read from the endpoint's register block is checked before
 * it is used: the endpoint is the other machine.
 *
 * Exit status: 0 pass, 1 fail, 2 usage or setup error.
 */

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <limits.h>
#include <sched.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#define SYSFS_PCI		"/sys/bus/pci/devices"
#define PCI_NUM_BARS		6
#define IORESOURCE_MEM		0x00000200	/* include/linux/ioport.h */

#define DEFAULT_VENDOR		0x1234
#define DEFAULT_DEVICE		0xdb01
#define DEFAULT_RINGS		1000
#define DEFAULT_TIMEOUT_MS	10000
#define NSEC_PER_SEC		1000000000LL
#define NSEC_PER_USEC		1000LL
#define USEC_PER_MSEC		1000LL

/*
 * The endpoint's register block (include/linux/pci-epf-db-test.h): 32-bit
 * little-endian words, at these offsets.
 */
enum {
	REG_MAGIC	= 0x00,
	REG_VERSION	= 0x04,
	REG_STATUS	= 0x08,
	REG_DB_BAR	= 0x0c,
	REG_DB_OFFSET	= 0x10,
	REG_DB_DATA	= 0x14,
	REG_COMMAND	= 0x18,
	REG_SEQUENCE	= 0x1c,
	REG_SEEN	= 0x20,
	REG_IRQ_COUNT	= 0x24,
	REG_ECHO	= 0x28,
	REG_ECHO_COUNT	= 0x2c,
	REG_MSI_COUNT	= 0x30,
	REG_BLOCK_SIZE	= 0x34,
};

#define DB_TEST_MAGIC			0x44425431	/* "DBT1" */
#define DB_TEST_VERSION			1
#define DB_TEST_STATUS_READY		(1u << 0)
#define DB_TEST_STATUS_PRE_EXPOSED	(1u << 1)
#define DB_TEST_STATUS_MSI_BACKEND	(1u << 2)

struct bar_map {
	int bar;
	uint64_t size;
	void *map;		/* what mmap() returned */
	size_t map_len;
	volatile uint8_t *base;	/* the BAR's first byte */
};

struct dev {
	char path[PATH_MAX];
	struct bar_map regs;
	struct bar_map db;
	volatile uint32_t *bell;
	uint32_t data;
	uint32_t status;
};

static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fprintf(stderr, "db-test: ");
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

/* DIR/NAME into OUT, which has room for PATH_MAX bytes */
static void join(char *out, const char *dir, const char *name)
{
	if (snprintf(out, PATH_MAX, "%s/%s", dir, name) >= PATH_MAX)
		die("%s/%s: path too long", dir, name);
}

static uint32_t rd(const struct dev *d, unsigned int off)
{
	return *(volatile uint32_t *)(d->regs.base + off);
}

static void wr(const struct dev *d, unsigned int off, uint32_t val)
{
	*(volatile uint32_t *)(d->regs.base + off) = val;
}

static void ring(const struct dev *d)
{
	*d->bell = d->data;
}

static int64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * NSEC_PER_SEC + ts.tv_nsec;
}

/* The number that sysfs file DIR/NAME holds, or -1 */
static long long read_num(const char *dir, const char *name)
{
	char path[PATH_MAX], buf[64];
	long long val;
	char *end;
	FILE *f;

	join(path, dir, name);
	f = fopen(path, "r");
	if (!f)
		return -1;
	if (!fgets(buf, sizeof(buf), f)) {
		fclose(f);
		return -1;
	}
	fclose(f);
	errno = 0;
	val = strtoll(buf, &end, 0);
	if (errno || end == buf)
		return -1;
	return val;
}

static bool find_dev(unsigned int vendor, unsigned int device, char *out,
		     size_t len)
{
	struct dirent *de;
	bool found = false;
	char dir[PATH_MAX];
	DIR *dp;

	dp = opendir(SYSFS_PCI);
	if (!dp)
		die("%s: %s", SYSFS_PCI, strerror(errno));
	while (!found && (de = readdir(dp))) {
		if (de->d_name[0] == '.')
			continue;
		join(dir, SYSFS_PCI, de->d_name);
		if (read_num(dir, "vendor") == vendor &&
		    read_num(dir, "device") == device) {
			if (snprintf(out, len, "%s", dir) >= (int)len)
				die("%s: path too long", dir);
			found = true;
		}
	}
	closedir(dp);
	return found;
}

/*
 * Without pci_ep_db_test bound on the host, turn on memory decoding
 * through sysfs (pci_enable_device()) unless something already did.
 */
static void enable_dev(const char *dir)
{
	char path[PATH_MAX];
	FILE *f;

	if (read_num(dir, "enable") > 0)
		return;
	join(path, dir, "enable");
	f = fopen(path, "w");
	if (!f || fputs("1", f) == EOF || fclose(f) == EOF)
		die("%s: cannot enable: %s", path, strerror(errno));
}

/* BAR n's start and size from the sysfs "resource" file; size 0: none */
static void bar_resource(const char *dir, int bar, uint64_t *start,
			 uint64_t *size)
{
	unsigned long long s, e, flags;
	char path[PATH_MAX], line[128];
	FILE *f;
	int i;

	*start = 0;
	*size = 0;
	join(path, dir, "resource");
	f = fopen(path, "r");
	if (!f)
		die("%s: %s", path, strerror(errno));
	for (i = 0; i <= bar; i++) {
		if (!fgets(line, sizeof(line), f))
			die("%s: no line for BAR%d", path, bar);
	}
	fclose(f);
	if (sscanf(line, "%llx %llx %llx", &s, &e, &flags) != 3)
		die("%s: cannot parse '%s'", path, line);
	if (!e || e < s || !(flags & IORESOURCE_MEM))
		return;
	*start = s;
	*size = e - s + 1;
}

/*
 * Map BAR n. sysfs maps whole pages from the one that holds the BAR's
 * start; a BAR smaller than a page may start inside it.
 */
static void map_bar(const char *dir, int bar, struct bar_map *m)
{
	uint64_t start, size, page = sysconf(_SC_PAGESIZE);
	char path[PATH_MAX], name[16];
	size_t in_page;
	int fd;

	bar_resource(dir, bar, &start, &size);
	if (!size)
		die("%s: BAR%d is not an enabled memory BAR", dir, bar);
	in_page = start & (page - 1);
	m->bar = bar;
	m->size = size;
	m->map_len = (in_page + size + page - 1) & ~(page - 1);

	snprintf(name, sizeof(name), "resource%d", bar);
	join(path, dir, name);
	fd = open(path, O_RDWR | O_SYNC);
	if (fd < 0)
		die("%s: %s", path, strerror(errno));
	m->map = mmap(NULL, m->map_len, PROT_READ | PROT_WRITE, MAP_SHARED,
		      fd, 0);
	close(fd);
	if (m->map == MAP_FAILED)
		die("%s: mmap: %s", path, strerror(errno));
	m->base = (volatile uint8_t *)m->map + in_page;
}

/* Check the register block, then map the doorbell it points to */
static void setup(struct dev *d, int reg_bar)
{
	uint32_t magic, version, db_bar, offset;

	map_bar(d->path, reg_bar, &d->regs);
	if (d->regs.size < REG_BLOCK_SIZE)
		die("BAR%d: %" PRIu64 " bytes, the register block needs %d",
		    reg_bar, d->regs.size, REG_BLOCK_SIZE);

	magic = rd(d, REG_MAGIC);
	version = rd(d, REG_VERSION);
	d->status = rd(d, REG_STATUS);
	if (magic != DB_TEST_MAGIC)
		die("magic %#x, expected %#x (link down or another function?)",
		    magic, DB_TEST_MAGIC);
	if (version != DB_TEST_VERSION)
		die("register block version %u, expected %u", version,
		    DB_TEST_VERSION);
	if (!(d->status & DB_TEST_STATUS_READY))
		die("the endpoint's doorbell is not ready (status %#x)",
		    d->status);

	db_bar = rd(d, REG_DB_BAR);
	offset = rd(d, REG_DB_OFFSET);
	d->data = rd(d, REG_DB_DATA);
	if (db_bar >= PCI_NUM_BARS)
		die("doorbell BAR %u out of range 0..%d", db_bar,
		    PCI_NUM_BARS - 1);
	if (db_bar == (uint32_t)reg_bar)
		d->db = d->regs;
	else
		map_bar(d->path, db_bar, &d->db);
	if (offset % sizeof(uint32_t) ||
	    (uint64_t)offset + sizeof(uint32_t) > d->db.size)
		die("doorbell offset %#x outside BAR%u (%" PRIu64 " bytes) or unaligned",
		    offset, db_bar, d->db.size);
	d->bell = (volatile uint32_t *)(d->db.base + offset);

	printf("device %s: doorbell BAR%u + %#x (%" PRIu64 " bytes), data %#x, %s, %s backend\n",
	       strrchr(d->path, '/') + 1, db_bar, offset, d->db.size, d->data,
	       d->status & DB_TEST_STATUS_PRE_EXPOSED ?
	       "pre-exposed" : "mapped by the function",
	       d->status & DB_TEST_STATUS_MSI_BACKEND ? "MSI" : "embedded");
}

/* Poll REG until it reads WANT or DEADLINE (ns) passes */
static bool wait_reg(const struct dev *d, unsigned int reg, uint32_t want,
		     int64_t deadline)
{
	while (rd(d, reg) != want) {
		if (now_ns() > deadline)
			return false;
		sched_yield();
	}
	return true;
}

static int ring_test(struct dev *d, unsigned long rings, long timeout_ms)
{
	uint32_t irq0, irq1, final, irqs;
	int64_t t0, t1;
	unsigned long i;
	bool seen;

	wr(d, REG_COMMAND, 0);
	irq0 = rd(d, REG_IRQ_COUNT);
	/* A final value that SEEN cannot already hold */
	final = rd(d, REG_SEEN) + 2;
	wr(d, REG_SEQUENCE, final - 1);

	t0 = now_ns();
	for (i = 0; i < rings; i++)
		ring(d);
	wr(d, REG_SEQUENCE, final);
	ring(d);
	t1 = now_ns();
	seen = wait_reg(d, REG_SEEN, final,
			t1 + timeout_ms * USEC_PER_MSEC * NSEC_PER_USEC);
	irq1 = rd(d, REG_IRQ_COUNT);
	irqs = irq1 - irq0;

	printf("rings %lu ep_irqs %u final_kick %s ring_us %lld settle_us %lld\n",
	       rings + 1, irqs, seen ? "seen" : "lost",
	       (long long)((t1 - t0) / NSEC_PER_USEC),
	       (long long)((now_ns() - t1) / NSEC_PER_USEC));

	if (!seen) {
		printf("FAIL: the endpoint saw SEQUENCE %#x, not the final %#x within %ld ms\n",
		       rd(d, REG_SEEN), final, timeout_ms);
		return 1;
	}
	if (!irqs || irqs > rings + 1) {
		printf("FAIL: %u endpoint interrupts for %lu rings\n", irqs,
		       rings + 1);
		return 1;
	}
	printf("PASS\n");
	return 0;
}

static void usage(void)
{
	fprintf(stderr,
		"usage: db-test [-d VVVV:DDDD] [-b BAR] [-n COUNT] [-t MS]\n"
		"  -d  vendor:device of the function (default %04x:%04x)\n"
		"  -b  BAR of its register block (default 0)\n"
		"  -n  rings before the final one (default %d)\n"
		"  -t  how long to wait for the endpoint, ms (default %d)\n",
		DEFAULT_VENDOR, DEFAULT_DEVICE, DEFAULT_RINGS,
		DEFAULT_TIMEOUT_MS);
	exit(2);
}

static unsigned long parse_ul(const char *s, unsigned long max)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 0);
	if (errno || end == s || *end || v > max)
		usage();
	return v;
}

int main(int argc, char **argv)
{
	unsigned int vendor = DEFAULT_VENDOR, device = DEFAULT_DEVICE;
	unsigned long count = DEFAULT_RINGS;
	long timeout_ms = DEFAULT_TIMEOUT_MS;
	struct dev d = { 0 };
	int reg_bar = 0;
	int opt;

	while ((opt = getopt(argc, argv, "b:d:n:t:")) != -1) {
		switch (opt) {
		case 'b':
			reg_bar = parse_ul(optarg, PCI_NUM_BARS - 1);
			break;
		case 'd':
			if (sscanf(optarg, "%x:%x", &vendor, &device) != 2 ||
			    vendor > UINT16_MAX || device > UINT16_MAX)
				usage();
			break;
		case 'n':
			count = parse_ul(optarg, UINT32_MAX - 1);
			break;
		case 't':
			timeout_ms = parse_ul(optarg, INT_MAX);
			break;
		default:
			usage();
		}
	}
	if (optind != argc)
		usage();

	if (!find_dev(vendor, device, d.path, sizeof(d.path)))
		die("no PCI function %04x:%04x", vendor, device);
	enable_dev(d.path);
	setup(&d, reg_bar);

	return ring_test(&d, count, timeout_ms);
}
