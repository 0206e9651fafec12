/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Host driver for the PCI endpoint NTB functions: tracepoints on the
 * doorbell and command paths.
 *
 * Each event names the device (its PCI name) and carries a few numbers.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM ntb_hw_epf

#if !defined(_NTB_HW_EPF_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _NTB_HW_EPF_TRACE_H

#include <linux/tracepoint.h>

#include "ntb_hw_epf.h"

/* An NTB client rings doorbell bits on the endpoint */
TRACE_EVENT(ntb_hw_epf_peer_db_set,
	    TP_PROTO(struct ntb_hw_epf *ndev, u64 bits),
	    TP_ARGS(ndev, bits),
	    TP_STRUCT__entry(__string(dev, dev_name(ndev->dev))
			     __field(u64, bits)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->bits = bits;),
	    TP_printk("%s bits=%#llx", __get_str(dev), __entry->bits)
);

/* A doorbell or the command doorbell written: offset in the BAR, value */
TRACE_EVENT(ntb_hw_epf_ring,
	    TP_PROTO(struct ntb_hw_epf *ndev, u64 offset, u32 data),
	    TP_ARGS(ndev, offset, data),
	    TP_STRUCT__entry(__string(dev, dev_name(ndev->dev))
			     __field(u64, offset)
			     __field(u32, data)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->offset = offset;
			   __entry->data = data;),
	    TP_printk("%s offset=%#llx data=%#x", __get_str(dev),
		      __entry->offset, __entry->data)
);

/* A doorbell interrupt: the doorbell vector (bit) it signals */
TRACE_EVENT(ntb_hw_epf_db_irq,
	    TP_PROTO(struct ntb_hw_epf *ndev, unsigned int vector),
	    TP_ARGS(ndev, vector),
	    TP_STRUCT__entry(__string(dev, dev_name(ndev->dev))
			     __field(unsigned int, vector)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->vector = vector;),
	    TP_printk("%s vector=%u", __get_str(dev), __entry->vector)
);

/* A command sent; by_db: the endpoint is told by the command doorbell */
TRACE_EVENT(ntb_hw_epf_cmd_issue,
	    TP_PROTO(struct ntb_hw_epf *ndev, u32 cmd, u32 arg, bool by_db),
	    TP_ARGS(ndev, cmd, arg, by_db),
	    TP_STRUCT__entry(__string(dev, dev_name(ndev->dev))
			     __field(u32, cmd)
			     __field(u32, arg)
			     __field(bool, by_db)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->cmd = cmd;
			   __entry->arg = arg;
			   __entry->by_db = by_db;),
	    TP_printk("%s cmd=%u arg=%#x by_db=%d", __get_str(dev),
		      __entry->cmd, __entry->arg, __entry->by_db)
);

/* A command's end: the endpoint's status (0: none) and the result */
TRACE_EVENT(ntb_hw_epf_cmd_complete,
	    TP_PROTO(struct ntb_hw_epf *ndev, u32 cmd, u16 status, int ret),
	    TP_ARGS(ndev, cmd, status, ret),
	    TP_STRUCT__entry(__string(dev, dev_name(ndev->dev))
			     __field(u32, cmd)
			     __field(u16, status)
			     __field(int, ret)),
	    TP_fast_assign(__assign_str(dev);
			   __entry->cmd = cmd;
			   __entry->status = status;
			   __entry->ret = ret;),
	    TP_printk("%s cmd=%u status=%#x ret=%d", __get_str(dev),
		      __entry->cmd, __entry->status, __entry->ret)
);

#endif /* _NTB_HW_EPF_TRACE_H */

/* This directory: the Kbuild file adds it to the trace object's path */
#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE ntb_hw_epf_trace

#include <trace/define_trace.h>
