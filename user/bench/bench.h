/* SPDX-License-Identifier: GPL-2.0 */
/*
 * vmxlab bench: the launcher's benchmark command. It boots the bench
 * guest through the same set-up as vmxlab run (launcher_setup() in
 * main.c), lets it measure, then reads its samples from guest memory.
 */
#ifndef VMXLAB_USER_BENCH_H
#define VMXLAB_USER_BENCH_H

#include "errbuf.h"
#include "options.h"

struct vm;

int launcher_setup(struct vm *vm, const struct vmxlab_options *opts,
		   struct errbuf *err);

/* vmxlab bench ...: argv[0] is the word after "bench". */
int bench_main(int argc, char **argv);

#endif
