/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A short message saying what went wrong, filled by the portable units
 * (option parser, loaders, table builders) so that they never print and
 * never exit: the caller decides how to report it, and unit tests can
 * check it.
 */
#ifndef VMXLAB_USER_ERRBUF_H
#define VMXLAB_USER_ERRBUF_H

#include <stdarg.h>
#include <stdio.h>

struct errbuf {
	char msg[256];
};

/* Always returns -1, so that "return errbuf_set(err, ...);" reads well. */
static inline int __attribute__((format(printf, 2, 3)))
errbuf_set(struct errbuf *err, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return -1;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
	return -1;
}

#endif
