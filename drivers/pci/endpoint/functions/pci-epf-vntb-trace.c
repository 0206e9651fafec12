// SPDX-License-Identifier: GPL-2.0
/*
 * Virtual NTB endpoint function: the tracepoints' definitions
 */

#define CREATE_TRACE_POINTS
#include "vntb_epf_trace.h"
