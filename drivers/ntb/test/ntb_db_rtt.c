// SPDX-License-Identifier: GPL-2.0
/*
 * NTB doorbell round trip, a test-only NTB client
 *
 * Loaded on both sides of an NTB link (with no other client: unload
 * ntb_transport first). Whichever side is asked to measure rings the
 * peer's doorbell and waits; the peer's doorbell callback rings back at
 * once; the measuring side's callback ends the sample. A sample is then
 * "one NTB client rings, the peer's client rings back", through whatever
 * the hardware drivers of both sides do in between, timed per round trip
 * (upstream's ntb_pingpong counts round trips, with no distribution).
 *
 * A ring that gets no answer within DB_RTT_TIMEOUT_MS is counted as lost
 * and rung again: Linux 6.12's pci-epf-vntb clears a polled doorbell
 * after its callback, so a ring that comes back while the callback still
 * runs is lost there. Too many lost rings end the measurement.
 *
 * Any doorbell that arrives while no measurement waits is answered, so
 * either side may measure; both ring doorbell bit db_bit (a parameter),
 * whatever bits the peer's driver reports. Its default is 1, not 0:
 * Linux 6.12's pci-epf-vntb raises bit 0 on the host's reserved vector,
 * which its host driver drops.
 *
 * debugfs, per NTB device, <debugfs>/ntb_db_rtt/<device>/:
 *   rtt	write N (1 to 100000) to take N samples, after a few warm-up
 *		round trips; waits up to 10 s for the link first. Read the
 *		last result: "samples N p50_us X p99_us Y max_us Z lost L"
 *   answered	doorbells answered for the peer since the module loaded
 */

#include <linux/completion.h>
#include <linux/debugfs.h>
#include <linux/jiffies.h>
#include <linux/kstrtox.h>
#include <linux/ktime.h>
#include <linux/module.h>
#include <linux/mutex.h>
#include <linux/ntb.h>
#include <linux/slab.h>
#include <linux/sort.h>
#include <linux/wait.h>

#define DB_RTT_MAX_SAMPLES	100000
#define DB_RTT_WARMUP		10
#define DB_RTT_TIMEOUT_MS	500
#define DB_RTT_LINK_MS		10000

static unsigned int db_bit = 1;
module_param(db_bit, uint, 0444);
MODULE_PARM_DESC(db_bit, "Doorbell bit both sides ring (default 1)");

/**
 * struct db_rtt - the client on one NTB device
 * @ntb: the device
 * @lock: one measurement at a time; guards @result
 * @waiting: a measurement waits for the peer's answer
 * @back: completed by the peer's answer while @waiting
 * @link_wq: woken by link events
 * @answered: doorbells answered for the peer
 * @result: the last measurement, as "rtt" reads it
 * @dir: the device's debugfs directory
 */
struct db_rtt {
	struct ntb_dev *ntb;
	struct mutex lock;	/* one measurement at a time; guards @result */
	bool waiting;
	struct completion back;
	wait_queue_head_t link_wq;
	atomic64_t answered;
	char result[96];
	struct dentry *dir;
};

static struct dentry *db_rtt_root;

static void db_rtt_link_event(void *ctx)
{
	struct db_rtt *rtt = ctx;

	wake_up_all(&rtt->link_wq);
}

/* The peer rang: our answer, or its ping to answer */
static void db_rtt_db_event(void *ctx, int vector)
{
	struct db_rtt *rtt = ctx;
	struct ntb_dev *ntb = rtt->ntb;
	u64 bits = ntb_db_read(ntb);

	if (bits)
		ntb_db_clear(ntb, bits);
	if (READ_ONCE(rtt->waiting)) {
		complete(&rtt->back);
		return;
	}
	ntb_peer_db_set(ntb, BIT_ULL(db_bit));
	atomic64_inc(&rtt->answered);
}

static const struct ntb_ctx_ops db_rtt_ops = {
	.link_event = db_rtt_link_event,
	.db_event = db_rtt_db_event,
};

static int db_rtt_cmp(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

/* Nanoseconds at percentile P of N sorted samples, in microseconds */
static u64 db_rtt_pct_us(const u64 *ns, unsigned int n, unsigned int p)
{
	unsigned int rank = DIV_ROUND_UP(n * p, 100);

	return div_u64(ns[clamp(rank, 1U, n) - 1], NSEC_PER_USEC);
}

/* One round trip in nanoseconds, or a negative error */
static s64 db_rtt_one(struct db_rtt *rtt)
{
	unsigned long left;
	ktime_t t0;
	int ret;

	reinit_completion(&rtt->back);
	t0 = ktime_get();
	ret = ntb_peer_db_set(rtt->ntb, BIT_ULL(db_bit));
	if (ret)
		return ret;
	left = wait_for_completion_timeout(&rtt->back,
					   msecs_to_jiffies(DB_RTT_TIMEOUT_MS));
	if (!left)
		return -ETIMEDOUT;
	return ktime_to_ns(ktime_sub(ktime_get(), t0));
}

static int db_rtt_measure(struct db_rtt *rtt, unsigned int n)
{
	struct device *dev = &rtt->ntb->dev;
	unsigned int i = 0, lost = 0;
	u64 *ns;
	s64 t;
	int ret = 0;

	if (!wait_event_timeout(rtt->link_wq,
				ntb_link_is_up(rtt->ntb, NULL, NULL),
				msecs_to_jiffies(DB_RTT_LINK_MS))) {
		dev_err(dev, "ntb_db_rtt: the link is not up\n");
		return -ENOLINK;
	}
	ns = kvmalloc_array(n, sizeof(*ns), GFP_KERNEL);
	if (!ns)
		return -ENOMEM;

	WRITE_ONCE(rtt->waiting, true);
	while (i < DB_RTT_WARMUP + n) {
		t = db_rtt_one(rtt);
		if (t == -ETIMEDOUT && lost < DB_RTT_WARMUP + n / 10) {
			lost++;
			continue;
		}
		if (t < 0) {
			dev_err(dev, "ntb_db_rtt: round trip %u (%u lost): %lld\n",
				i, lost, t);
			ret = t;
			break;
		}
		if (i >= DB_RTT_WARMUP)
			ns[i - DB_RTT_WARMUP] = t;
		i++;
	}
	WRITE_ONCE(rtt->waiting, false);

	if (!ret) {
		sort(ns, n, sizeof(*ns), db_rtt_cmp, NULL);
		snprintf(rtt->result, sizeof(rtt->result),
			 "samples %u p50_us %llu p99_us %llu max_us %llu lost %u\n",
			 n, db_rtt_pct_us(ns, n, 50), db_rtt_pct_us(ns, n, 99),
			 div_u64(ns[n - 1], NSEC_PER_USEC), lost);
	}
	kvfree(ns);
	return ret;
}

static ssize_t db_rtt_write(struct file *file, const char __user *buf,
			    size_t len, loff_t *pos)
{
	struct db_rtt *rtt = file_inode(file)->i_private;
	unsigned int n;
	int ret;

	ret = kstrtouint_from_user(buf, len, 0, &n);
	if (ret)
		return ret;
	if (!n || n > DB_RTT_MAX_SAMPLES)
		return -EINVAL;

	mutex_lock(&rtt->lock);
	rtt->result[0] = '\0';
	ret = db_rtt_measure(rtt, n);
	mutex_unlock(&rtt->lock);
	return ret ?: len;
}

static ssize_t db_rtt_read(struct file *file, char __user *buf, size_t len,
			   loff_t *pos)
{
	struct db_rtt *rtt = file_inode(file)->i_private;
	ssize_t ret;

	mutex_lock(&rtt->lock);
	ret = simple_read_from_buffer(buf, len, pos, rtt->result,
				      strlen(rtt->result));
	mutex_unlock(&rtt->lock);
	return ret;
}

static const struct file_operations db_rtt_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = db_rtt_read,
	.write = db_rtt_write,
	.llseek = default_llseek,
};

static int db_rtt_answered_get(void *data, u64 *val)
{
	struct db_rtt *rtt = data;

	*val = atomic64_read(&rtt->answered);
	return 0;
}
DEFINE_DEBUGFS_ATTRIBUTE(db_rtt_answered_fops, db_rtt_answered_get, NULL,
			 "%llu\n");

static int db_rtt_probe(struct ntb_client *client, struct ntb_dev *ntb)
{
	struct db_rtt *rtt;
	int ret;

	if (db_bit >= BITS_PER_LONG_LONG ||
	    !(ntb_db_valid_mask(ntb) & BIT_ULL(db_bit))) {
		dev_err(&ntb->dev, "ntb_db_rtt: no doorbell bit %u (valid %#llx)\n",
			db_bit, ntb_db_valid_mask(ntb));
		return -EINVAL;
	}
	rtt = kzalloc(sizeof(*rtt), GFP_KERNEL);
	if (!rtt)
		return -ENOMEM;
	rtt->ntb = ntb;
	mutex_init(&rtt->lock);
	init_completion(&rtt->back);
	init_waitqueue_head(&rtt->link_wq);

	ret = ntb_set_ctx(ntb, rtt, &db_rtt_ops);
	if (ret) {
		kfree(rtt);
		return ret;
	}
	ntb_db_clear_mask(ntb, ntb_db_valid_mask(ntb));
	ntb_link_enable(ntb, NTB_SPEED_AUTO, NTB_WIDTH_AUTO);
	ntb_link_event(ntb);

	rtt->dir = debugfs_create_dir(dev_name(&ntb->dev), db_rtt_root);
	debugfs_create_file("rtt", 0600, rtt->dir, rtt, &db_rtt_fops);
	debugfs_create_file("answered", 0400, rtt->dir, rtt,
			    &db_rtt_answered_fops);
	return 0;
}

static void db_rtt_remove(struct ntb_client *client, struct ntb_dev *ntb)
{
	struct db_rtt *rtt = ntb->ctx;

	debugfs_remove_recursive(rtt->dir);
	ntb_db_set_mask(ntb, ntb_db_valid_mask(ntb));
	ntb_link_disable(ntb);
	ntb_clear_ctx(ntb);
	kfree(rtt);
}

static struct ntb_client db_rtt_client = {
	.ops = {
		.probe = db_rtt_probe,
		.remove = db_rtt_remove,
	},
};

static int __init db_rtt_init(void)
{
	int ret;

	db_rtt_root = debugfs_create_dir(KBUILD_MODNAME, NULL);
	ret = ntb_register_client(&db_rtt_client);
	if (ret)
		debugfs_remove_recursive(db_rtt_root);
	return ret;
}
module_init(db_rtt_init);

static void __exit db_rtt_exit(void)
{
	ntb_unregister_client(&db_rtt_client);
	debugfs_remove_recursive(db_rtt_root);
}
module_exit(db_rtt_exit);

MODULE_DESCRIPTION("NTB doorbell round trip (test only)");
MODULE_LICENSE("GPL");
MODULE_VERSION(VNTB_VERSION);
