/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Virtual NTB endpoint function: definitions shared by the files of the
 * pci-epf-vntb module.
 *
 * The function joins two Linux systems through one PCIe link:
 *
 *   host (root complex)                 endpoint
 *   ntb_netdev / ntb_transport          ntb_netdev / ntb_transport
 *   ntb_hw_epf  <--- PCIe: BARs --->    this function  --- NTB device on
 *                    and MSIs                              a virtual PCI bus
 *
 * The host sees a PCI device with a control BAR (the control region of
 * include/linux/ntb_epf.h followed by the scratchpads), a doorbell BAR and
 * one BAR per memory window. The endpoint sees an NTB device whose
 * operations (pci-epf-vntb-ntb.c) read and write the same control region,
 * raise MSIs or MSI-Xs on the host and program the BARs.
 *
 * Files, one concern each:
 *   -main.c      EPF driver: probe, bind/unbind, controller events
 *   -configfs.c  the function's attributes
 *   -bar.c       which BAR holds what, and programming them
 *   -ctrl.c      the control region: layout, scratchpads, link status
 *   -cmd.c       the host's commands: kicked or polled
 *   -doorbell.c  host -> endpoint doorbells: kicks, polling, masks
 *   -irq.c       endpoint -> host interrupts: doorbells and link slot
 *   -msi.c       the host's MSIs raised with a write of our own
 *   -msix.c      the host's MSI-Xs raised with a write of our own
 *   -mw.c        memory windows, inbound and outbound
 *   -ntb.c       struct ntb_dev_ops and the NTB device
 *   -vbus.c      the virtual PCI bus that carries the NTB device
 *   -debugfs.c   counters and state in debugfs
 *   -trace.c     the tracepoints (events in vntb_epf_trace.h)
 *   -hostile.c   test-only: corrupt the control region, delay or lose
 *                commands on purpose
 */
#ifndef __PCI_EPF_VNTB_H
#define __PCI_EPF_VNTB_H

#include <linux/atomic.h>
#include <linux/configfs.h>
#include <linux/mutex.h>
#include <linux/ntb.h>
#include <linux/ntb_epf.h>
#include <linux/pci.h>
#include <linux/pci-ecam.h>
#include <linux/pci-ep-doorbell.h>
#include <linux/pci-epc.h>
#include <linux/pci-epf.h>
#include <linux/sizes.h>
#include <linux/spinlock.h>
#include <linux/types.h>
#include <linux/workqueue.h>

#define EPF_VNTB_MAX_MWS	4
#define EPF_VNTB_MAX_SPADS	1024

/*
 * db_count counts interrupt slots the legacy way, as upstream's host
 * counts its MSI vectors: the link slot, the unused slot, then one slot
 * per doorbell. So db_count N gives N - 2 doorbells, bits 0 .. N - 3,
 * and the host needs N MSI vectors to be rung on every one of them.
 */
#define EPF_VNTB_MIN_DB_COUNT	(NTB_EPF_SLOT_DB_FIRST + 1)
#define EPF_VNTB_MAX_DB_COUNT	NTB_EPF_DB_SLOTS

/* Upstream's polling period, kept for legacy hosts and polled doorbells */
#define EPF_VNTB_POLL_MS	5

/*
 * KICKED mode: how long after a kick that found no command the endpoint
 * looks for one again, in case the kick overtook the command's write.
 * Well inside the host's one-second wait for an answer.
 */
#define EPF_VNTB_CMD_RECHECK_MS	100

/*
 * MSI or MSI-X number (1-based, as pci_epc_raise_irq() wants both) of a
 * host vector
 */
#define EPF_VNTB_IRQ_NUM(vector)	((vector) + 1)

/* Scratchpads start after the control region and its extension */
#define EPF_VNTB_SPAD_OFFSET	0x200

/*
 * The MSI-X table follows the scratchpads in the control BAR, on a page
 * of its own when the BAR has room (a host may map the table apart from
 * the rest), else on the 8 bytes that the table offset register needs.
 */
#define EPF_VNTB_MSIX_ALIGN	SZ_4K
#define EPF_VNTB_MSIX_MIN_ALIGN	8

/**
 * struct epf_vntb_config - what configfs sets; read at bind
 * @spad_count: scratchpads of each side
 * @db_count: interrupt slots, see EPF_VNTB_MIN_DB_COUNT
 * @num_mws: memory windows
 * @mw_size: size of each memory window BAR, a power of two
 * @vbus_number: bus number of the virtual bus
 * @vid: vendor ID of the NTB device on the virtual bus (0: not set), 16 bits
 * @pid: its device ID
 * @ctrl_bar: BAR pinned for the control region, or NO_BAR: automatic
 * @db_bar: BAR pinned for the doorbells, or NO_BAR
 * @mw_bar: BAR pinned for each memory window, or NO_BAR
 * @db_poll: doorbell_mode "poll": never use an interrupt-driven doorbell
 */
struct epf_vntb_config {
	u32 spad_count;
	u32 db_count;
	u32 num_mws;
	u64 mw_size[EPF_VNTB_MAX_MWS];
	u32 vbus_number;
	u32 vid;
	u32 pid;
	enum pci_barno ctrl_bar;
	enum pci_barno db_bar;
	enum pci_barno mw_bar[EPF_VNTB_MAX_MWS];
	bool db_poll;
};

/* Counters of commands by type: index 0 for the unknown ones */
#define EPF_VNTB_CMD_TYPES	(NTB_EPF_CMD_LINK_DOWN + 1)

/**
 * struct epf_vntb_stats - counters of one bind, shown in debugfs
 * @kicks: doorbell interrupts taken
 * @kicks_spurious: kicks that delivered no doorbell event (every vector
 *	masked) and found no command to run
 * @db_events: ntb_db_event() calls, per doorbell vector
 * @peer_db_set: peer_db_set() calls of the NTB clients
 * @peer_db_msi: doorbell MSIs raised on the host
 * @peer_db_msix: doorbell MSI-Xs raised on the host
 * @peer_db_direct: doorbell MSIs and MSI-Xs raised directly (-msi.c,
 *	-msix.c)
 * @peer_db_dropped: doorbell bits not raised: the host has too few vectors
 * @peer_db_failed: doorbell MSIs or MSI-Xs that the controller failed to
 *	raise
 * @msi_direct_refused: host MSI messages refused or left unmapped
 * @msix_direct_refused: host MSI-X entries refused (values no entry can
 *	hold) and windows left unmapped (pci-epf-vntb-msix.c)
 * @msix_direct_fallback: doorbell bits handed to the work item while the
 *	host's MSI-Xs were raised directly: vector masked, refused, outside
 *	the window or not configured
 * @link_msi: link slot MSIs raised on the host
 * @link_msix: link slot MSI-Xs raised on the host
 * @poll_passes: command handler passes in POLL mode (each re-arms the
 *	EPF_VNTB_POLL_MS timer)
 * @poll_cmds: of those, the passes that handled a command
 * @poll_dbs: of those, the passes that found a polled doorbell rung
 * @cmds: commands handled, per command number (index 0: unknown ones)
 * @cmd_errors: commands answered NTB_EPF_CMD_STATUS_ERROR
 * @cmd_rechecks: KICKED mode: runs of the command handler
 *	EPF_VNTB_CMD_RECHECK_MS after a kick that found no command
 * @cmd_recheck_found: of those, the runs that found a command: its kick
 *	had come before it
 *
 * Atomic: they are bumped from the doorbell interrupt, the work items and
 * the NTB clients' context without a common lock.
 */
struct epf_vntb_stats {
	atomic64_t kicks;
	atomic64_t kicks_spurious;
	atomic64_t db_events[NTB_EPF_MAX_DB];
	atomic64_t peer_db_set;
	atomic64_t peer_db_msi;
	atomic64_t peer_db_msix;
	atomic64_t peer_db_direct;
	atomic64_t peer_db_dropped;
	atomic64_t peer_db_failed;
	atomic64_t msi_direct_refused;
	atomic64_t msix_direct_refused;
	atomic64_t msix_direct_fallback;
	atomic64_t link_msi;
	atomic64_t link_msix;
	atomic64_t poll_passes;
	atomic64_t poll_cmds;
	atomic64_t poll_dbs;
	atomic64_t cmds[EPF_VNTB_CMD_TYPES];
	atomic64_t cmd_errors;
	atomic64_t cmd_rechecks;
	atomic64_t cmd_recheck_found;
};

/**
 * struct epf_vntb_mw - one memory window
 * @bar: the host's BAR of the window (inbound: host -> endpoint memory)
 * @size: its size
 * @cur: what the BAR is programmed with: the parking buffer that
 *	pci_epf_alloc_space() put in epf->bar[@bar], or ntb_transport's
 *	buffer once mw_set_trans() gave one. Controllers may keep a pointer
 *	to it, so it lives as long as the BAR.
 * @xlat: controller-side DMA address of the buffer mw_set_trans() gave,
 *	or DMA_MAPPING_ERROR when there is none
 * @ob_phys: outbound window (endpoint -> host memory), in the
 *	controller's outbound address space
 * @ob_virt: its CPU mapping from pci_epc_mem_alloc_addr()
 * @ob_mapped: the host configured the outbound window (CONFIGURE_MW)
 */
struct epf_vntb_mw {
	enum pci_barno bar;
	u64 size;
	struct pci_epf_bar cur;
	dma_addr_t xlat;
	phys_addr_t ob_phys;
	void __iomem *ob_virt;
	bool ob_mapped;
};

/*
 * The virtual bus's sysdata, which the architecture's PCI code reads as
 * its own type (see pci-epf-vntb-vbus.c): x86 takes the bus's PCI domain
 * and NUMA node from a struct pci_sysdata; arm64 and RISC-V with ACPI
 * take the host bridge's ACPI companion from a struct pci_config_window.
 * The member is first: the sysdata pointer is the struct's address.
 */
#if defined(CONFIG_X86)
#define EPF_VNTB_SYSDATA_X86
#elif defined(CONFIG_ACPI) && (defined(CONFIG_ARM64) || defined(CONFIG_RISCV))
#define EPF_VNTB_SYSDATA_ECAM
#endif

/**
 * struct epf_vntb_sysdata - sysdata of the virtual bus
 * @sd: x86's
 * @cfg: arm64's and RISC-V's under ACPI, with no ACPI device as parent
 * @busn: the bus number range of the bus, its one number
 */
struct epf_vntb_sysdata {
#if defined(EPF_VNTB_SYSDATA_X86)
	struct pci_sysdata sd;
#elif defined(EPF_VNTB_SYSDATA_ECAM)
	struct pci_config_window cfg;
#endif
	struct resource busn;
};

/**
 * struct epf_vntb_db_vec - the interrupt of one MSI doorbell
 * @vntb: the function
 * @bits: the doorbell bit it rings; 0 for the command doorbell
 */
struct epf_vntb_db_vec {
	struct epf_vntb *vntb;
	u64 bits;
};

/**
 * struct epf_vntb - one virtual NTB function
 * @epf: the endpoint function
 * @ntb: the NTB device on the virtual bus
 * @group: the function's configfs sub-directory
 * @header: configuration header (configfs writes into it)
 * @cfg_lock: protects @cfg and @bound
 * @cfg: configuration, fixed while @bound
 * @bound: between bind and unbind
 * @features: the controller's, known from bind on
 * @db_count: interrupt slots (@cfg.db_count, copied at bind)
 * @n_db: doorbells, @db_count - NTB_EPF_SLOT_DB_FIRST
 * @db_valid: mask of the @n_db doorbell bits
 * @spad_count: scratchpads of each side
 * @num_mws: memory windows
 * @ctrl_bar: BAR of the control region
 * @ctrl: the control region, normal memory that the host writes by DMA
 * @msix: the function offers MSI-X (the controller is msix_capable): its
 *	table and PBA are in the control BAR, set up at every epc_init
 * @msix_offset: offset of the MSI-X table in the control BAR (its PBA
 *	follows the table); 0 without @msix
 * @msix_live: the table in @ctrl was set up (epf_vntb_ctrl_msix_init())
 *	and is the host's since
 * @msix_kept: entries in @msix_table_kept: the host's table, kept from
 *	the last unbind for the next bind; 0 when none is kept
 * @msix_kept_offset: the @msix_offset the kept table had
 * @msix_table_kept: the kept table
 * @ctrl_lock: serialises the writes of the published fields and of
 *	LINK_STATUS with the test-only corruption of them, and the NTB
 *	clients' link events
 * @link_up: the host said link up (LINK_UP command), and neither it nor
 *	the PCIe link went down since
 * @clients_link_up: the last link event the NTB clients had was an up
 * @dbs: the doorbell from the doorbell layer; NULL when polled
 * @db_polled: doorbells and commands are polled
 * @db_barno: BAR where the host rings
 * @db_epf_bar: BAR that the function programs for the doorbells (mapped
 *	onto the doorbell, or polled memory); barno NO_BAR when the
 *	controller exposes the doorbell itself
 * @db_offset: offset of the doorbell in @db_barno
 * @db_data: value the host writes
 * @db_poll_mem: polled doorbell entries, one u32 per slot
 * @db_irq: the doorbell's IRQ, requested (0 when none)
 * @db_msi: the doorbells are MSI doorbells: @dbs has @n_db + 1 entries,
 *	doorbell bit n in entry n and the command doorbell last, each with
 *	its own data and interrupt
 * @db_vecs: with @db_msi, the context of each entry's interrupt
 * @db_nirqs: with @db_msi, the interrupts requested (the first ones)
 * @db_lock: protects @db_pending, @db_mask, @db_missed and @db_replay;
 *	taken from the doorbell interrupt
 * @db_pending: doorbell bits rung and not cleared (ntb_db_read())
 * @db_mask: masked doorbell bits
 * @db_missed: masked bits that were rung: delivered when unmasked
 * @db_replay: unmasked bits whose delivery @db_replay_work owes
 * @db_replay_work: delivers @db_replay outside the caller of
 *	db_clear_mask(), which may hold the NTB core's context lock
 * @peer_db: doorbell bits to ring on the host, accumulated atomically
 * @peer_db_work: raises their MSIs or MSI-Xs, which may sleep
 * @host_db_vectors: vectors the host configured (CONFIGURE_DOORBELL),
 *	0 after TEARDOWN_DOORBELL, U32_MAX until told and after a PCIe
 *	link down
 * @host_irq_type: their type, PCI_IRQ_MSI or PCI_IRQ_MSIX; 0 when
 *	@host_db_vectors is not a configured count
 * @msi_lock: protects @msi_reg, @msi_data and @msi_count, which
 *	peer_db_set() reads in any context
 * @msi_reg: where the host's MSI address is mapped, or NULL: raise
 *	through the controller
 * @msi_data: the host's MSI data of vector 0
 * @msi_count: vectors raised directly
 * @msi_map: the outbound mapping of the host's MSI address, under @lock
 * @msi_mapped: @msi_map holds a mapping, under @lock
 * @msix_lock: protects @msix_win and @msix_count, which peer_db_set()
 *	reads in any context
 * @msix_win: where the window onto the host's MSI-X addresses is mapped,
 *	or NULL: raise through the controller
 * @msix_count: interrupt slots below it may be raised directly
 * @msix_map: the outbound mapping of that window, under @lock; changed
 *	only while @msix_win is NULL, so read under @msix_lock with it set
 * @msix_mapped: @msix_map holds a mapping, under @lock
 * @msix_remap: a ring found its vector's address outside the window:
 *	@peer_db_work maps it anew
 * @cmd_work: handles commands; also polls when it has to
 * @cmd_enabled: @cmd_work is enabled; changed under epf->lock only
 * @cmd_by_kick: the host rings the command doorbell: no polling
 * @cmd_kicked: a kick found a command and queued @cmd_work for it (else
 *	a run in KICKED mode is a re-check)
 * @poll_logged: the "polling commands" line was printed for this bind
 * @lock: protects @epc_ready and the inbound state of @mw; interrupts
 *	are raised under it, so that none is raised with the BARs cleared
 * @epc_ready: the controller is initialised and the BARs are set
 * @mw: memory windows
 * @vbus: the virtual bus
 * @vbus_sd: its sysdata
 * @vcfg: configuration space header of the device on @vbus
 * @stats: counters of the current bind
 * @debugfs: this function's debugfs directory, while bound
 * @hostile: test-only: the field kept corrupted (0: none)
 * @cmd_fault: test-only: the command fault to inject once (0: none)
 */
struct epf_vntb {
	struct pci_epf *epf;
	struct ntb_dev ntb;
	struct config_group group;
	struct pci_epf_header header;

	struct mutex cfg_lock;		/* @cfg, @bound */
	struct epf_vntb_config cfg;
	bool bound;

	const struct pci_epc_features *features;
	u32 db_count;
	u32 n_db;
	u64 db_valid;
	u32 spad_count;
	u32 num_mws;

	enum pci_barno ctrl_bar;
	u8 *ctrl;
	bool msix;
	u32 msix_offset;
	bool msix_live;
	u32 msix_kept;
	u32 msix_kept_offset;
	u8 msix_table_kept[EPF_VNTB_MAX_DB_COUNT * PCI_MSIX_ENTRY_SIZE];
	struct mutex ctrl_lock;		/* published fields, link state */
	bool link_up;
	bool clients_link_up;

	struct pci_ep_doorbells *dbs;
	bool db_polled;
	enum pci_barno db_barno;
	struct pci_epf_bar db_epf_bar;
	u32 db_offset;
	u32 db_data;
	__le32 *db_poll_mem;
	int db_irq;
	bool db_msi;
	struct epf_vntb_db_vec *db_vecs;
	unsigned int db_nirqs;

	spinlock_t db_lock;		/* the four doorbell masks below */
	u64 db_pending;
	u64 db_mask;
	u64 db_missed;
	u64 db_replay;
	struct work_struct db_replay_work;

	atomic_long_t peer_db;
	struct work_struct peer_db_work;
	u32 host_db_vectors;
	unsigned int host_irq_type;

	spinlock_t msi_lock;		/* the three fields below */
	void __iomem *msi_reg;
	u32 msi_data;
	u32 msi_count;
	struct pci_epc_map msi_map;
	bool msi_mapped;

	spinlock_t msix_lock;		/* the two fields below */
	void __iomem *msix_win;
	u32 msix_count;
	struct pci_epc_map msix_map;
	bool msix_mapped;
	bool msix_remap;

	struct delayed_work cmd_work;
	bool cmd_enabled;
	bool cmd_by_kick;
	bool cmd_kicked;
	bool poll_logged;

	struct mutex lock;		/* @epc_ready, inbound windows, raises */
	bool epc_ready;
	struct epf_vntb_mw mw[EPF_VNTB_MAX_MWS];

	struct pci_bus *vbus;
	struct epf_vntb_sysdata vbus_sd;
	u32 vcfg[PCI_STD_HEADER_SIZEOF / sizeof(u32)];

	struct epf_vntb_stats stats;
	struct dentry *debugfs;
	unsigned int hostile;
	unsigned int cmd_fault;
};

/* The module's workqueue: shared by all instances, each with its items */
extern struct workqueue_struct *epf_vntb_wq;

static inline struct device *epf_vntb_dev(struct epf_vntb *vntb)
{
	return &vntb->epf->dev;
}

/* Control region accessors: little-endian fields the host reads by DMA */
static inline u32 epf_vntb_read32(struct epf_vntb *vntb, unsigned int off)
{
	return le32_to_cpu(READ_ONCE(*(__le32 *)(vntb->ctrl + off)));
}

static inline void epf_vntb_write32(struct epf_vntb *vntb, unsigned int off,
				    u32 val)
{
	WRITE_ONCE(*(__le32 *)(vntb->ctrl + off), cpu_to_le32(val));
}

static inline void epf_vntb_write16(struct epf_vntb *vntb, unsigned int off,
				    u16 val)
{
	WRITE_ONCE(*(__le16 *)(vntb->ctrl + off), cpu_to_le16(val));
}

/* -configfs.c */
struct config_group *epf_vntb_add_cfs(struct pci_epf *epf,
				      struct config_group *group);
void epf_vntb_config_init(struct epf_vntb_config *cfg);

/* -bar.c */
int epf_vntb_bars_assign(struct epf_vntb *vntb, enum pci_barno db_fixed);
bool epf_vntb_bars_upstream(struct epf_vntb *vntb);
int epf_vntb_bars_set(struct epf_vntb *vntb);
void epf_vntb_bars_clear(struct epf_vntb *vntb);

/* -ctrl.c */
size_t epf_vntb_ctrl_min_size(struct epf_vntb *vntb);
int epf_vntb_ctrl_alloc(struct epf_vntb *vntb);
void epf_vntb_ctrl_msix_init(struct epf_vntb *vntb);
void epf_vntb_ctrl_msix_host_gone(struct epf_vntb *vntb);
void epf_vntb_ctrl_free(struct epf_vntb *vntb);
void epf_vntb_ctrl_publish(struct epf_vntb *vntb);
void epf_vntb_ctrl_link_status(struct epf_vntb *vntb, bool up);
void epf_vntb_ctrl_set_link(struct epf_vntb *vntb, bool up);
u32 epf_vntb_ctrl_ep_caps(struct epf_vntb *vntb);
u32 epf_vntb_spad_read(struct epf_vntb *vntb, bool peer, int idx);
int epf_vntb_spad_write(struct epf_vntb *vntb, bool peer, int idx, u32 val);

/* -cmd.c */
void epf_vntb_cmd_init(struct epf_vntb *vntb);
void epf_vntb_cmd_start(struct epf_vntb *vntb);
void epf_vntb_cmd_stop(struct epf_vntb *vntb);
bool epf_vntb_cmd_kick(struct epf_vntb *vntb);
void epf_vntb_cmd_drain(struct epf_vntb *vntb);
void epf_vntb_cmd_host_gone(struct epf_vntb *vntb);
u64 epf_vntb_cmd_handled(struct epf_vntb *vntb);

/* -doorbell.c */
void epf_vntb_db_init(struct epf_vntb *vntb);
int epf_vntb_db_alloc(struct epf_vntb *vntb, enum pci_barno *fixed);
bool epf_vntb_db_bar_fits(struct epf_vntb *vntb, enum pci_barno bar);
int epf_vntb_db_place(struct epf_vntb *vntb);
void epf_vntb_db_free(struct epf_vntb *vntb);
int epf_vntb_db_request_irq(struct epf_vntb *vntb);
void epf_vntb_db_free_irq(struct epf_vntb *vntb);
bool epf_vntb_db_poll(struct epf_vntb *vntb);
u32 epf_vntb_db_slot_data(struct epf_vntb *vntb, unsigned int slot);
u32 epf_vntb_db_cmd_data(struct epf_vntb *vntb);
const char *epf_vntb_db_backend(struct epf_vntb *vntb);
void epf_vntb_db_stop(struct epf_vntb *vntb);
u64 epf_vntb_db_read(struct epf_vntb *vntb);
void epf_vntb_db_clear(struct epf_vntb *vntb, u64 bits);
u64 epf_vntb_db_read_mask(struct epf_vntb *vntb);
void epf_vntb_db_set_mask(struct epf_vntb *vntb, u64 bits);
void epf_vntb_db_clear_mask(struct epf_vntb *vntb, u64 bits);

/* -irq.c */
void epf_vntb_irq_init(struct epf_vntb *vntb);
int epf_vntb_irq_configure(struct epf_vntb *vntb);
void epf_vntb_irq_stop(struct epf_vntb *vntb);
int epf_vntb_peer_db_set(struct epf_vntb *vntb, u64 bits);
bool epf_vntb_raise_link(struct epf_vntb *vntb);

/* -msi.c */
void epf_vntb_msi_init(struct epf_vntb *vntb);
void epf_vntb_msi_update(struct epf_vntb *vntb);
void epf_vntb_msi_stop(struct epf_vntb *vntb);
bool epf_vntb_msi_raise(struct epf_vntb *vntb, u64 bits);

/* -msix.c */
void epf_vntb_msix_init(struct epf_vntb *vntb);
void epf_vntb_msix_update(struct epf_vntb *vntb);
void epf_vntb_msix_remap(struct epf_vntb *vntb);
void epf_vntb_msix_stop(struct epf_vntb *vntb);
u64 epf_vntb_msix_raise(struct epf_vntb *vntb, u64 bits);

/* -mw.c */
void epf_vntb_mw_init(struct epf_vntb *vntb);
int epf_vntb_mw_alloc(struct epf_vntb *vntb);
void epf_vntb_mw_free(struct epf_vntb *vntb);
int epf_vntb_mw_set_trans(struct epf_vntb *vntb, int idx, dma_addr_t addr,
			  resource_size_t size);
int epf_vntb_mw_clear_trans(struct epf_vntb *vntb, int idx);
int epf_vntb_mw_map_outbound(struct epf_vntb *vntb, u32 idx);
int epf_vntb_mw_unmap_outbound(struct epf_vntb *vntb, u32 idx);
void epf_vntb_mw_stop(struct epf_vntb *vntb);

/* -ntb.c */
int epf_vntb_ntb_register(struct epf_vntb *vntb, struct pci_dev *pdev);
void epf_vntb_ntb_unregister(struct epf_vntb *vntb);

/* -vbus.c */
int epf_vntb_vbus_create(struct epf_vntb *vntb);
void epf_vntb_vbus_remove(struct epf_vntb *vntb);

/* -debugfs.c */
void epf_vntb_debugfs_module_init(void);
void epf_vntb_debugfs_module_exit(void);
void epf_vntb_debugfs_add(struct epf_vntb *vntb);
void epf_vntb_debugfs_remove(struct epf_vntb *vntb);

/* -hostile.c: test-only, see there */
#ifdef CONFIG_PCI_EPF_VNTB_HOSTILE_TEST
void epf_vntb_hostile_add(struct epf_vntb *vntb);
void epf_vntb_hostile_remove(struct epf_vntb *vntb);
void epf_vntb_hostile_apply(struct epf_vntb *vntb);
bool epf_vntb_hostile_cmd_late(struct epf_vntb *vntb, u32 cmd);
void epf_vntb_hostile_cmd_hold(struct epf_vntb *vntb);
bool epf_vntb_hostile_kick_early(struct epf_vntb *vntb, u32 cmd);
#else
static inline void epf_vntb_hostile_add(struct epf_vntb *vntb)
{
}

static inline void epf_vntb_hostile_remove(struct epf_vntb *vntb)
{
}

static inline void epf_vntb_hostile_apply(struct epf_vntb *vntb)
{
}

static inline bool epf_vntb_hostile_cmd_late(struct epf_vntb *vntb, u32 cmd)
{
	return false;
}

static inline void epf_vntb_hostile_cmd_hold(struct epf_vntb *vntb)
{
}

static inline bool epf_vntb_hostile_kick_early(struct epf_vntb *vntb, u32 cmd)
{
	return false;
}
#endif

#endif /* __PCI_EPF_VNTB_H */
