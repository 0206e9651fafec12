/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host driver for the PCI endpoint NTB functions (pci-epf-vntb and
 * pci-epf-ntb): state shared by the driver's files.
 *
 * The endpoint owns the control region and may write anything into it at
 * any time, or vanish and read back all-ones. Every offset, size and count
 * taken from it is checked against the BAR it points into right before
 * use; nothing read from the endpoint is trusted beyond that one access.
 */
#ifndef _NTB_HW_EPF_H
#define _NTB_HW_EPF_H

#include <linux/atomic.h>
#include <linux/io.h>
#include <linux/irq_work.h>
#include <linux/mutex.h>
#include <linux/ntb.h>
#include <linux/ntb_epf.h>
#include <linux/pci.h>
#include <linux/wait.h>
#include <linux/workqueue.h>

/*
 * What each BAR of the endpoint holds. The SoC's function driver decides
 * it, so it comes with the PCI ID (driver_data), as an ntb_hw_epf_map,
 * unless the bar_map parameter replaces it (ntb_hw_epf_barmap.c).
 */
enum ntb_hw_epf_region {
	NTB_HW_EPF_CTRL,	/* control region + own scratchpads */
	NTB_HW_EPF_PEER_SPAD,	/* the peer's scratchpads */
	NTB_HW_EPF_DB,		/* doorbells */
	NTB_HW_EPF_MW1,		/* memory windows, MW1..MW4 */
	NTB_HW_EPF_REGIONS = NTB_HW_EPF_MW1 + 4,
};

#define NTB_HW_EPF_MAX_MW	(NTB_HW_EPF_REGIONS - NTB_HW_EPF_MW1)
#define NTB_HW_EPF_NO_BAR	-1

/**
 * struct ntb_hw_epf_map - BAR of each region on one SoC
 * @bar: BAR number per enum ntb_hw_epf_region, or NTB_HW_EPF_NO_BAR
 */
struct ntb_hw_epf_map {
	s8 bar[NTB_HW_EPF_REGIONS];
};

/*
 * Interrupt vectors: the legacy slot numbering of <linux/ntb_epf.h>. The
 * fewest vectors worth running with: the link slot, the unused one and a
 * single doorbell. At most one vector per doorbell slot.
 */
#define NTB_HW_EPF_MIN_VECTORS	(NTB_EPF_SLOT_DB_FIRST + 1)
#define NTB_HW_EPF_MAX_VECTORS	NTB_EPF_DB_SLOTS

/* How long the endpoint gets to answer one command. */
#define NTB_HW_EPF_CMD_TIMEOUT_MS	1000

/* How long a rebound endpoint waits for the client to drop the old link */
#define NTB_HW_EPF_RELEASE_TIMEOUT_MS	2000

/*
 * How long after a ring the host looks at LINK_STATUS: rings are posted
 * writes, which an endpoint that is gone takes without a word.
 */
#define NTB_HW_EPF_RING_CHECK_MS	1000

/* A doorbell whose location the endpoint gave outside the doorbell BAR */
#define NTB_HW_EPF_DB_BAD	U64_MAX

/* A register of an endpoint that is gone: u16 (LINK_STATUS) and u32. */
#define NTB_HW_EPF_GONE16	0xffff
#define NTB_HW_EPF_GONE32	0xffffffff

struct ntb_hw_epf;

/**
 * struct ntb_hw_epf_stats - counters of one device, shown in debugfs
 * @peer_db_set: peer_db_set() calls of the NTB clients
 * @db_rings: doorbell writes into the doorbell BAR (one per bit rung)
 * @db_irqs: doorbell interrupts, per doorbell vector
 * @link_irqs: link vector interrupts (link changes, command completions)
 * @unused_irqs: interrupts on the unused vector
 * @link_events: ntb_link_event() calls
 * @cmds: commands sent
 * @cmds_announced: commands whose answer the endpoint announced with the
 *	link vector (command doorbell in use)
 * @cmds_polled: commands whose answer the host polled for
 * @cmd_timeouts: commands the endpoint did not answer in time
 * @cmd_refused: commands the endpoint answered NTB_EPF_CMD_STATUS_ERROR
 * @refused_cmd_status: answers that are neither OK nor ERROR
 * @refused_doorbell: doorbell or command doorbell locations outside the
 *	doorbell BAR: not written (a doorbell's counted when it is read, see
 *	ntb_hw_epf_db_refresh())
 * @refused_extension: extensions with a bad version, size or placement
 * @refused_mw_offset: MW1_OFFSET values outside the window's BAR
 * @refused_spad_offset: SPAD_OFFSET values outside the control BAR
 * @endpoint_gone: LINK_STATUS or SPAD_OFFSET reads of all-ones (an endpoint gone)
 *
 * The refused_* counters count the endpoint-written values that the
 * driver's checks turned down, each time one was read.
 */
struct ntb_hw_epf_stats {
	atomic64_t peer_db_set;
	atomic64_t db_rings;
	atomic64_t db_irqs[NTB_EPF_MAX_DB];
	atomic64_t link_irqs;
	atomic64_t unused_irqs;
	atomic64_t link_events;
	atomic64_t cmds;
	atomic64_t cmds_announced;
	atomic64_t cmds_polled;
	atomic64_t cmd_timeouts;
	atomic64_t cmd_refused;
	atomic64_t refused_cmd_status;
	atomic64_t refused_doorbell;
	atomic64_t refused_extension;
	atomic64_t refused_mw_offset;
	atomic64_t refused_spad_offset;
	atomic64_t endpoint_gone;
};

/**
 * struct ntb_hw_epf_db_vec - context of one doorbell vector
 * @ndev: the device
 * @bit: the doorbell bit it signals (host vector NTB_EPF_DB_SLOT(@bit))
 */
struct ntb_hw_epf_db_vec {
	struct ntb_hw_epf *ndev;
	unsigned int bit;
};

/**
 * struct ntb_hw_epf - one endpoint NTB function, seen from the host
 * @ntb: the NTB device registered with the NTB core
 * @dev: the PCI device's struct device, for messages
 * @map: BAR of each region: the PCI ID's, or the bar_map parameter's
 * @ctrl: control region (BAR mapping)
 * @ctrl_len: size of @ctrl
 * @peer_spad: the peer's scratchpads when they have a BAR of their own
 *	(NULL when they follow the own ones in @ctrl)
 * @peer_spad_len: size of @peer_spad
 * @db: doorbell BAR mapping
 * @db_len: size of @db
 * @mw_count: memory windows, as the endpoint reported them at probe
 * @spad_count: scratchpads per side, as reported at probe
 * @nr_vectors: interrupt vectors allocated
 * @db_count: doorbells: one per vector past the legacy reserved ones
 * @db_valid_mask: the @db_count low bits
 * @db_pending: doorbells received and not yet cleared
 * @db_mask: doorbells whose events are held back
 * @db_replay: delivers the doorbells that came while masked, once unmasked
 * @db_ring: per doorbell bit, its offset in the doorbell BAR (upper 32
 *	bits) and the value to write there (lower 32), or NTB_HW_EPF_DB_BAD;
 *	see ntb_hw_epf_db_refresh()
 * @ring_check: looks at LINK_STATUS a while after a ring (one look for
 *	all the rings in that while)
 * @cmd_lock: serialises the command channel (ARGUMENT, ADDR/SIZE,
 *	COMMAND, CMD_STATUS, HOST_CAPS and the command doorbell) and
 *	protects @cmd_db, @ext and @link_enabled
 * @cmd_wq: where a command waits for the endpoint's answer when the
 *	endpoint signals it (@cmd_db), woken by the link vector; and where a
 *	rebound endpoint's set-up waits for the client to release @mw_live
 * @cmd_db: the endpoint takes the command doorbell and signals completion
 * @ext: the endpoint has this project's control-region extension
 * @ext_size: its NTB_EPF_EXT_SIZE, which tells the field groups it has
 * @link_enabled: a client enabled the link (LINK_UP sent, no LINK_DOWN)
 * @link_seen: link state last reported to the client by link_is_up
 * @live: the NTB device is registered: events may go to the NTB core
 * @mw_live: memory windows the client has a translation in (bit per window)
 * @event_work: handles the link vector: re-runs the set-up for a
 *	rebound endpoint and reports link changes
 * @db_vec: per doorbell vector context
 * @stats: counters since probe
 * @debugfs: the device's debugfs directory
 */
struct ntb_hw_epf {
	struct ntb_dev ntb;
	struct device *dev;
	struct ntb_hw_epf_map map;

	void __iomem *ctrl;
	resource_size_t ctrl_len;
	void __iomem *peer_spad;
	resource_size_t peer_spad_len;
	void __iomem *db;
	resource_size_t db_len;

	unsigned int mw_count;
	unsigned int spad_count;
	unsigned int nr_vectors;
	unsigned int db_count;
	u64 db_valid_mask;
	atomic64_t db_pending;
	atomic64_t db_mask;
	struct irq_work db_replay;
	atomic64_t db_ring[NTB_EPF_MAX_DB];
	struct delayed_work ring_check;

	struct mutex cmd_lock;		/* see above */
	wait_queue_head_t cmd_wq;
	bool cmd_db;
	bool ext;
	u16 ext_size;
	bool link_enabled;
	bool link_seen;
	bool live;
	unsigned long mw_live;

	struct work_struct event_work;
	struct ntb_hw_epf_db_vec db_vec[NTB_EPF_MAX_DB];

	struct ntb_hw_epf_stats stats;
	struct dentry *debugfs;
};

static inline struct ntb_hw_epf *ntb_hw_epf_of(struct ntb_dev *ntb)
{
	return container_of(ntb, struct ntb_hw_epf, ntb);
}

/*
 * True when [@off, @off + @size) lies inside a region of @len bytes. All
 * u64: no value the endpoint can write makes it wrap.
 */
static inline bool ntb_hw_epf_fits(u64 len, u64 off, u64 size)
{
	return off <= len && size <= len - off;
}

extern const struct ntb_dev_ops ntb_hw_epf_ops;

bool ntb_hw_epf_link_state(struct ntb_hw_epf *ndev);
bool ntb_hw_epf_fresh_endpoint(struct ntb_hw_epf *ndev);
int ntb_hw_epf_setup(struct ntb_hw_epf *ndev);
void ntb_hw_epf_teardown(struct ntb_hw_epf *ndev);
int ntb_hw_epf_cmd(struct ntb_hw_epf *ndev, u32 cmd, u32 arg);
int ntb_hw_epf_cmd_locked(struct ntb_hw_epf *ndev, u32 cmd, u32 arg);
int ntb_hw_epf_cmd_mw(struct ntb_hw_epf *ndev, unsigned int idx, u64 addr,
		      u64 size);
int ntb_hw_epf_ring(struct ntb_hw_epf *ndev, u64 pos, u32 data);
void ntb_hw_epf_db_refresh(struct ntb_hw_epf *ndev);

bool ntb_hw_epf_bar_map(struct ntb_hw_epf_map *map);

void ntb_hw_epf_debugfs_init(void);
void ntb_hw_epf_debugfs_exit(void);
void ntb_hw_epf_debugfs_add(struct ntb_hw_epf *ndev);
void ntb_hw_epf_debugfs_remove(struct ntb_hw_epf *ndev);

#endif /* _NTB_HW_EPF_H */
