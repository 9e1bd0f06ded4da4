/* SPDX-License-Identifier: GPL-2.0 */
/* The launcher's core: reading a whole image file into memory. */
#ifndef VMXLAB_USER_FILE_H
#define VMXLAB_USER_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "errbuf.h"

#define FILE_MAX_SIZE	(2ULL << 30)

/* what names the file in messages ("kernel", "initrd"). */
int read_file(const char *path, const char *what, uint8_t **data,
	      size_t *size, struct errbuf *err);

#endif
