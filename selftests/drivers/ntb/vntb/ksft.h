/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A minimal KTAP reporter for the vNTB C selftests, standalone so that
 * they build outside a kernel tree: a header, a plan, one line per test,
 * and kselftest's exit statuses.
 */
#ifndef VNTB_KSFT_H
#define VNTB_KSFT_H

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#define KSFT_PASS	0
#define KSFT_FAIL	1
#define KSFT_SKIP	4

struct ksft_counts {
	unsigned int n;
	unsigned int pass;
	unsigned int fail;
	unsigned int skip;
};

static struct ksft_counts ksft_counts;

static inline void ksft_print_header(void)
{
	printf("TAP version 13\n");
}

static inline void ksft_set_plan(unsigned int tests)
{
	printf("1..%u\n", tests);
}

/* A diagnostic line: "# " then the message */
static inline void ksft_print_msg(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	printf("# ");
	vprintf(fmt, ap);
	va_end(ap);
}

static inline void ksft_result(const char *status, const char *fmt,
			       va_list ap)
{
	printf("%s %u ", status, ++ksft_counts.n);
	vprintf(fmt, ap);
	printf("\n");
}

static inline void ksft_test_result_pass(const char *fmt, ...)
{
	va_list ap;

	ksft_counts.pass++;
	va_start(ap, fmt);
	ksft_result("ok", fmt, ap);
	va_end(ap);
}

static inline void ksft_test_result_fail(const char *fmt, ...)
{
	va_list ap;

	ksft_counts.fail++;
	va_start(ap, fmt);
	ksft_result("not ok", fmt, ap);
	va_end(ap);
}

/* "ok N DESC # SKIP REASON" */
static inline void ksft_test_result_skip(const char *desc, const char *reason)
{
	ksft_counts.skip++;
	printf("ok %u %s # SKIP %s\n", ++ksft_counts.n, desc, reason);
}

/* Pass or fail on @ok */
static inline void ksft_test_result(int ok, const char *desc)
{
	if (ok)
		ksft_test_result_pass("%s", desc);
	else
		ksft_test_result_fail("%s", desc);
}

/* Nothing of this program can run here: an empty plan, skipped */
static inline void ksft_exit_skip(const char *reason)
{
	printf("1..0 # SKIP %s\n", reason);
	exit(KSFT_SKIP);
}

/* Totals, and the status: fail on any failure, skip when only skips */
static inline void ksft_finished(void)
{
	printf("# Totals: pass:%u fail:%u skip:%u\n", ksft_counts.pass,
	       ksft_counts.fail, ksft_counts.skip);
	if (ksft_counts.fail)
		exit(KSFT_FAIL);
	if (!ksft_counts.pass && ksft_counts.skip)
		exit(KSFT_SKIP);
	exit(KSFT_PASS);
}

#endif /* VNTB_KSFT_H */
