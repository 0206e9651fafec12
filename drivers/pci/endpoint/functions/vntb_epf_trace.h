/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Virtual NTB endpoint function: tracepoints on the doorbell path
 *
 * Each event names the function (its device name, as in debugfs) and
 * carries a few numbers, nothing that needs a lock to read. The file is
 * named after its trace system, with underscores: define_trace.h includes
 * it again by that name, which has to be one C token.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vntb_epf

#if !defined(__VNTB_EPF_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define __VNTB_EPF_TRACE_H

#include <linux/tracepoint.h>

#include "pci-epf-vntb.h"

/* A doorbell interrupt: the vectors delivered and held back; cmd_work run */
TRACE_EVENT(vntb_epf_kick,
	    TP_PROTO(struct epf_vntb *vntb, u64 delivered, u64 held, bool cmd),
	    TP_ARGS(vntb, delivered, held, cmd),
	    TP_STRUCT__entry(__string(dev, dev_name(epf_vntb_dev(vntb)))
			     __field(u64, delivered)
			     __field(u64, held)
			     __field(bool, cmd)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->delivered = delivered;
			   __entry->held = held;
			   __entry->cmd = cmd;),
	    TP_printk("%s delivered=%#llx held=%#llx cmd=%d", __get_str(dev),
		      __entry->delivered, __entry->held, __entry->cmd)
);

/* ntb_db_event() for one doorbell vector */
TRACE_EVENT(vntb_epf_db_event,
	    TP_PROTO(struct epf_vntb *vntb, unsigned int vector),
	    TP_ARGS(vntb, vector),
	    TP_STRUCT__entry(__string(dev, dev_name(epf_vntb_dev(vntb)))
			     __field(unsigned int, vector)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->vector = vector;),
	    TP_printk("%s vector=%u", __get_str(dev), __entry->vector)
);

/* An NTB client rings doorbell bits on the host */
TRACE_EVENT(vntb_epf_peer_db_set,
	    TP_PROTO(struct epf_vntb *vntb, u64 bits),
	    TP_ARGS(vntb, bits),
	    TP_STRUCT__entry(__string(dev, dev_name(epf_vntb_dev(vntb)))
			     __field(u64, bits)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->bits = bits;),
	    TP_printk("%s bits=%#llx", __get_str(dev), __entry->bits)
);

/*
 * An MSI or MSI-X raised on the host: its 1-based number, the controller's
 * answer. Printed as msi=N or msix=N: an MSI's line is the same as before
 * MSI-X came.
 */
TRACE_EVENT(vntb_epf_msi,
	    TP_PROTO(struct epf_vntb *vntb, bool msix, u16 msi, int ret),
	    TP_ARGS(vntb, msix, msi, ret),
	    TP_STRUCT__entry(__string(dev, dev_name(epf_vntb_dev(vntb)))
			     __field(bool, msix)
			     __field(u16, msi)
			     __field(int, ret)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->msix = msix;
			   __entry->msi = msi;
			   __entry->ret = ret;),
	    TP_printk("%s %s=%u ret=%d", __get_str(dev),
		      __entry->msix ? "msix" : "msi", __entry->msi,
		      __entry->ret)
);

/* A host command handled, with the status written back */
TRACE_EVENT(vntb_epf_cmd,
	    TP_PROTO(struct epf_vntb *vntb, u32 cmd, u32 arg, u16 status),
	    TP_ARGS(vntb, cmd, arg, status),
	    TP_STRUCT__entry(__string(dev, dev_name(epf_vntb_dev(vntb)))
			     __field(u32, cmd)
			     __field(u32, arg)
			     __field(u16, status)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->cmd = cmd;
			   __entry->arg = arg;
			   __entry->status = status;),
	    TP_printk("%s cmd=%u arg=%#x status=%u", __get_str(dev),
		      __entry->cmd, __entry->arg, __entry->status)
);

#endif /* __VNTB_EPF_TRACE_H */

/* This directory: the Kbuild file adds it to the trace object's path */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE vntb_epf_trace

#include <trace/define_trace.h>
