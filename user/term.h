/* SPDX-License-Identifier: GPL-2.0 */
/*
 * The controlling terminal in raw mode while the guest owns the console,
 * restored on every way out (normal end, errors, atexit).
 */
#ifndef VMXLAB_USER_TERM_H
#define VMXLAB_USER_TERM_H

void term_raw(void);
void term_restore(void);

#endif
