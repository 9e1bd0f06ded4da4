// SPDX-License-Identifier: GPL-2.0
/*
 * The launcher's core: reading the kernel and initrd images whole, with
 * a message that names the file and what it was for.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "file.h"

int read_file(const char *path, const char *what, uint8_t **data,
	      size_t *size, struct errbuf *err)
{
	struct stat st;
	size_t done = 0;
	uint8_t *buf;
	int fd;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errbuf_set(err, "cannot open %s '%s': %s", what, path,
				  strerror(errno));
	if (fstat(fd, &st) || !S_ISREG(st.st_mode)) {
		close(fd);
		return errbuf_set(err, "%s '%s' is not a regular file", what, path);
	}
	if ((uint64_t)st.st_size > FILE_MAX_SIZE) {
		close(fd);
		return errbuf_set(err, "%s '%s' is too big (%lld bytes)", what,
				  path, (long long)st.st_size);
	}
	buf = malloc(st.st_size ? st.st_size : 1);
	if (!buf) {
		close(fd);
		return errbuf_set(err, "out of memory reading %s '%s'", what, path);
	}
	while (done < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + done, st.st_size - done);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			free(buf);
			close(fd);
			return errbuf_set(err, "cannot read %s '%s': %s", what,
					  path, n ? strerror(errno) : "file shrank");
		}
		done += n;
	}
	close(fd);
	*data = buf;
	*size = done;
	return 0;
}
