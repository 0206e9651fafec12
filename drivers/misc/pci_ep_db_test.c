// SPDX-License-Identifier: GPL-2.0
/*
 * Host side of the endpoint doorbell test: the doorbell round trip
 *
 * Binds the endpoint's pci-epf-db-test function, takes its echo MSI and
 * measures, in the kernel, how long "the host rings, the endpoint answers
 * with an MSI" takes. One sample: write SEQUENCE, ring the doorbell where
 * the endpoint's register block says, wait for the MSI, check that ECHO
 * holds SEQUENCE. The endpoint's doorbell interrupt queues a work item
 * that writes ECHO and raises the MSI, so a sample covers the link both
 * ways, the endpoint's doorbell interrupt and its MSI raise.
 *
 * debugfs, per device, <debugfs>/pci_ep_db_test/<pci device>/:
 *   rtt	write N (1 to 100000) to take N samples (after a few warm-up
 *		round trips that are not counted); read the last result:
 *		"samples N p50_us X p99_us Y max_us Z"
 *
 * Everything read from the endpoint is checked before it is used: the
 * endpoint is another machine.
 */

#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/interrupt.h>
#include <linux/io.h>
#include <linux/kstrtox.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/pci.h>
#include <linux/pci-epf-db-test.h>
#include <linux/slab.h>
#include <linux/sort.h>

#define DB_TEST_MAX_SAMPLES	100000
#define DB_TEST_WARMUP		10
#define DB_TEST_TIMEOUT_MS	1000

/**
 * struct db_test - one bound test function
 * @pdev: the PCI device
 * @reg: its register block
 * @db: where the doorbell is rung
 * @db_data: what is written to ring it
 * @echo: completed by the echo MSI
 * @lock: one measurement at a time; guards @result
 * @result: the last measurement, as "rtt" reads it
 * @dir: the device's debugfs directory
 */
struct db_test {
	struct pci_dev *pdev;
	void __iomem *reg;
	void __iomem *db;
	u32 db_data;
	struct completion echo;
	struct mutex lock;	/* one measurement at a time; guards @result */
	char result[96];
	struct dentry *dir;
};

static struct dentry *db_test_debugfs;

static irqreturn_t db_test_irq(int irq, void *data)
{
	struct db_test *t = data;

	complete(&t->echo);
	return IRQ_HANDLED;
}

/* One round trip; its time in nanoseconds, or a negative errno */
static s64 db_test_round_trip(struct db_test *t, u32 seq)
{
	unsigned long left = msecs_to_jiffies(DB_TEST_TIMEOUT_MS);
	ktime_t start;

	reinit_completion(&t->echo);
	writel(seq, t->reg + EPF_DB_TEST_REG_SEQUENCE);
	start = ktime_get();
	writel(t->db_data, t->db);

	/* The MSI of an earlier, coalesced kick may come first: wait on */
	for (;;) {
		left = wait_for_completion_timeout(&t->echo, left);
		if (!left)
			return -ETIMEDOUT;
		if (readl(t->reg + EPF_DB_TEST_REG_ECHO) == seq)
			break;
		reinit_completion(&t->echo);
		/* The echo may have landed between the check and the re-arm */
		if (readl(t->reg + EPF_DB_TEST_REG_ECHO) == seq)
			break;
	}
	return ktime_to_ns(ktime_sub(ktime_get(), start));
}

static int db_test_cmp(const void *a, const void *b)
{
	s64 x = *(const s64 *)a, y = *(const s64 *)b;

	return x < y ? -1 : x > y;
}

/* Nanoseconds at percentile P of N sorted samples, in microseconds */
static u64 db_test_pct_us(const s64 *ns, unsigned int n, unsigned int p)
{
	return div_u64(ns[(u64)(n - 1) * p / 100], NSEC_PER_USEC);
}

static int db_test_measure(struct db_test *t, unsigned int n)
{
	u32 seq = readl(t->reg + EPF_DB_TEST_REG_SEQUENCE);
	unsigned int i;
	s64 *ns, dt;
	int ret = 0;

	ns = kvmalloc_array(n, sizeof(*ns), GFP_KERNEL);
	if (!ns)
		return -ENOMEM;

	writel(EPF_DB_TEST_CMD_ECHO, t->reg + EPF_DB_TEST_REG_COMMAND);
	for (i = 0; i < n + DB_TEST_WARMUP; i++) {
		dt = db_test_round_trip(t, ++seq);
		if (dt < 0) {
			pci_err(t->pdev, "round trip %u: no echo MSI in %u ms\n",
				i, DB_TEST_TIMEOUT_MS);
			ret = dt;
			goto out;
		}
		if (i >= DB_TEST_WARMUP)
			ns[i - DB_TEST_WARMUP] = dt;
	}

	sort(ns, n, sizeof(*ns), db_test_cmp, NULL);
	snprintf(t->result, sizeof(t->result),
		 "samples %u p50_us %llu p99_us %llu max_us %llu\n", n,
		 db_test_pct_us(ns, n, 50), db_test_pct_us(ns, n, 99),
		 db_test_pct_us(ns, n, 100));
out:
	writel(0, t->reg + EPF_DB_TEST_REG_COMMAND);
	kvfree(ns);
	return ret;
}

static ssize_t db_test_rtt_write(struct file *file, const char __user *buf,
				 size_t count, loff_t *ppos)
{
	struct db_test *t = file->private_data;
	unsigned int n;
	int ret;

	ret = kstrtouint_from_user(buf, count, 0, &n);
	if (ret)
		return ret;
	if (!n || n > DB_TEST_MAX_SAMPLES)
		return -ERANGE;

	mutex_lock(&t->lock);
	ret = db_test_measure(t, n);
	mutex_unlock(&t->lock);

	return ret ? ret : count;
}

static ssize_t db_test_rtt_read(struct file *file, char __user *buf,
				size_t count, loff_t *ppos)
{
	struct db_test *t = file->private_data;
	char result[sizeof(t->result)];

	mutex_lock(&t->lock);
	strscpy(result, t->result);
	mutex_unlock(&t->lock);

	return simple_read_from_buffer(buf, count, ppos, result,
				       strlen(result));
}

static const struct file_operations db_test_rtt_fops = {
	.owner	= THIS_MODULE,
	.open	= simple_open,
	.read	= db_test_rtt_read,
	.write	= db_test_rtt_write,
	.llseek	= default_llseek,
};

/* The BAR whose start holds the register block, by its magic */
static int db_test_find_reg(struct db_test *t)
{
	struct pci_dev *pdev = t->pdev;
	void __iomem *const *map = pcim_iomap_table(pdev);
	int bar;

	for (bar = 0; bar < PCI_STD_NUM_BARS; bar++) {
		if (!map[bar] ||
		    pci_resource_len(pdev, bar) < EPF_DB_TEST_REG_SIZE)
			continue;
		if (readl(map[bar] + EPF_DB_TEST_REG_MAGIC) ==
		    EPF_DB_TEST_MAGIC) {
			t->reg = map[bar];
			return 0;
		}
	}

	pci_err(pdev, "no BAR holds the test function's registers\n");
	return -ENODEV;
}

/* Where the endpoint says the doorbell is, checked against our BARs */
static int db_test_find_db(struct db_test *t)
{
	struct pci_dev *pdev = t->pdev;
	void __iomem *const *map = pcim_iomap_table(pdev);
	u32 status, bar, offset;

	status = readl(t->reg + EPF_DB_TEST_REG_STATUS);
	if (readl(t->reg + EPF_DB_TEST_REG_VERSION) != EPF_DB_TEST_VERSION ||
	    !(status & EPF_DB_TEST_STATUS_READY)) {
		pci_err(pdev, "test function not ready (status %#x)\n", status);
		return -ENODEV;
	}

	bar = readl(t->reg + EPF_DB_TEST_REG_DB_BAR);
	offset = readl(t->reg + EPF_DB_TEST_REG_DB_OFFSET);
	if (bar >= PCI_STD_NUM_BARS || !map[bar] || offset % 4 ||
	    (u64)offset + 4 > pci_resource_len(pdev, bar)) {
		pci_err(pdev, "doorbell at BAR%u + %#x is outside the BARs\n",
			bar, offset);
		return -EINVAL;
	}
	t->db = map[bar] + offset;
	t->db_data = readl(t->reg + EPF_DB_TEST_REG_DB_DATA);
	return 0;
}

static int db_test_probe(struct pci_dev *pdev, const struct pci_device_id *id)
{
	struct db_test *t;
	int ret;

	t = devm_kzalloc(&pdev->dev, sizeof(*t), GFP_KERNEL);
	if (!t)
		return -ENOMEM;
	t->pdev = pdev;
	init_completion(&t->echo);
	mutex_init(&t->lock);
	strscpy(t->result, "no measurement yet\n");

	ret = pcim_enable_device(pdev);
	if (ret)
		return ret;
	ret = pcim_iomap_regions(pdev, GENMASK(PCI_STD_NUM_BARS - 1, 0) &
				 pci_select_bars(pdev, IORESOURCE_MEM),
				 KBUILD_MODNAME);
	if (ret)
		return ret;
	pci_set_master(pdev);

	ret = db_test_find_reg(t);
	if (ret)
		return ret;
	ret = db_test_find_db(t);
	if (ret)
		return ret;

	ret = pci_alloc_irq_vectors(pdev, 1, 1, PCI_IRQ_MSI);
	if (ret < 0)
		return ret;
	ret = request_irq(pci_irq_vector(pdev, 0), db_test_irq, 0,
			  KBUILD_MODNAME, t);
	if (ret) {
		pci_free_irq_vectors(pdev);
		return ret;
	}

	pci_set_drvdata(pdev, t);
	t->dir = debugfs_create_dir(pci_name(pdev), db_test_debugfs);
	debugfs_create_file("rtt", 0600, t->dir, t, &db_test_rtt_fops);
	return 0;
}

static void db_test_remove(struct pci_dev *pdev)
{
	struct db_test *t = pci_get_drvdata(pdev);

	/* No reader or writer of "rtt" is left once this returns */
	debugfs_remove_recursive(t->dir);
	free_irq(pci_irq_vector(pdev, 0), t);
	pci_free_irq_vectors(pdev);
}

static const struct pci_device_id db_test_ids[] = {
	{ PCI_DEVICE(EPF_DB_TEST_VENDOR_ID, EPF_DB_TEST_DEVICE_ID) },
	{ }
};
MODULE_DEVICE_TABLE(pci, db_test_ids);

static struct pci_driver db_test_driver = {
	.name		= KBUILD_MODNAME,
	.id_table	= db_test_ids,
	.probe		= db_test_probe,
	.remove		= db_test_remove,
};

static int __init db_test_init(void)
{
	int ret;

	db_test_debugfs = debugfs_create_dir(KBUILD_MODNAME, NULL);
	ret = pci_register_driver(&db_test_driver);
	if (ret)
		debugfs_remove_recursive(db_test_debugfs);
	return ret;
}
module_init(db_test_init);

static void __exit db_test_exit(void)
{
	pci_unregister_driver(&db_test_driver);
	debugfs_remove_recursive(db_test_debugfs);
}
module_exit(db_test_exit);

MODULE_DESCRIPTION("Host side of the endpoint doorbell test: round trip");
MODULE_LICENSE("GPL");
MODULE_VERSION(VNTB_VERSION);
