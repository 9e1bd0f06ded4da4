// SPDX-License-Identifier: GPL-2.0
/*
 * Raw mode: no echo, no line editing, no signals from keys (Ctrl-C goes
 * to the guest; Ctrl-A x ends the launcher), output untouched.
 */
#include <stdbool.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>

#include "term.h"

static struct termios saved;
static bool is_raw;

void term_restore(void)
{
	if (is_raw) {
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
		is_raw = false;
	}
}

void term_raw(void)
{
	static bool registered;
	struct termios t;

	if (is_raw || !isatty(STDIN_FILENO) ||
	    tcgetattr(STDIN_FILENO, &saved))
		return;
	t = saved;
	cfmakeraw(&t);
	t.c_oflag |= OPOST;	/* keep our own "\n" readable */
	if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &t))
		return;
	is_raw = true;
	if (!registered) {
		atexit(term_restore);
		registered = true;
	}
}
