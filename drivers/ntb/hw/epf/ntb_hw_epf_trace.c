// SPDX-License-Identifier: GPL-2.0
/*
 * Host driver for the PCI endpoint NTB functions: the tracepoints'
 * definitions
 */

#define CREATE_TRACE_POINTS
#include "ntb_hw_epf_trace.h"
