// SPDX-License-Identifier: GPL-2.0
/*
 * The conformance suite's runner: every check of every area on
 * /dev/vmxlab and on /dev/kvm, each in a child process of its own (a
 * library failure or a hang ends that check only), with the same
 * expectation on both. Prints one TAP line per check and device, the
 * kselftest "# Totals:" line the lab counts, and ends with one line per
 * area: "area: N checks, vmxlab P passed, KVM Q passed". A KVM failure of
 * a check that names a known KVM difference counts as xfail (TAP TODO).
 *
 * Usage: conformance [AREA...]   (all areas when none is named; in the
 * lab, vmxlab_conformance_areas=A,B on the kernel command line names
 * them). Outside the lab a missing device is skipped; in the lab it fails.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include "conformance.h"
#include "vmxlab_test.h"

#define MAX_EXITS	200
#define CHECK_ALARM_S	20	/* lab seconds are slow: a hang, not a check */
#define WHY_SIZE	512

static const struct area areas[] = {
	{ "exceptions", exception_checks },
	{ "control-registers", cr_checks },
	{ "pcid", pcid_checks },
	{ "syscall-sysenter", syscall_checks },
	{ "debug", debug_checks },
	{ "tsc", tsc_checks },
	{ "xsave", xsave_checks },
	{ "smep-smap-umip", paging_checks },
	{ "legacy-modes", legacy_checks },
};

static size_t area_size(int i)
{
	static const size_t *const sizes[] = {
		&nr_exception_checks, &nr_cr_checks, &nr_pcid_checks,
		&nr_syscall_checks, &nr_debug_checks, &nr_tsc_checks,
		&nr_xsave_checks, &nr_paging_checks, &nr_legacy_checks,
	};

	return *sizes[i];
}

void setup_user_mode(struct vm *vm, struct vcpu *vcpu)
{
	vm_enable_user_mode(vm);
}

int expect_hlt(struct vcpu *vcpu, char *why, size_t size)
{
	char buf[200];

	if (!vcpu_run(vcpu) && vcpu->run->exit_reason == KVM_EXIT_HLT)
		return 0;
	snprintf(why, size, "expected HLT, got %s",
		 exit_str(vcpu, buf, sizeof(buf)));
	return -1;
}

int expect_out16(struct vcpu *vcpu, uint16_t port, uint16_t want,
		 uint16_t mask, const char *what, char *why, size_t size)
{
	struct kvm_run *run = vcpu->run;
	uint16_t got = 0;
	char buf[200];

	if (vcpu_run(vcpu) || run->exit_reason != KVM_EXIT_IO ||
	    run->io.port != port || run->io.size != 2) {
		snprintf(why, size, "expected the OUT of %s, got %s", what,
			 exit_str(vcpu, buf, sizeof(buf)));
		return -1;
	}
	memcpy(&got, (char *)run + run->io.data_offset, 2);
	if ((got & mask) != want) {
		snprintf(why, size, "%s %#x, not %#x", what, got & mask, want);
		return -1;
	}
	return 0;
}

static const char *const devices[] = { VMXLAB_DEV, KVM_DEV };

/* Run the vCPU to the check's end; 0 on success, else why says. */
static int run_check(const struct check *c, struct vcpu *vcpu, char *why,
		     size_t size)
{
	struct ucall uc;
	char buf[256];
	int i, r;

	for (i = 0; i < MAX_EXITS; i++) {
		r = vcpu_run(vcpu);
		if (r) {
			snprintf(why, size, "KVM_RUN: %s", strerror(-r));
			return -1;
		}
		if (c->want_exit) {
			if (vcpu->run->exit_reason == c->want_exit)
				return 0;
			snprintf(why, size, "expected exit %s, got %s",
				 exit_reason_str(c->want_exit),
				 exit_str(vcpu, buf, sizeof(buf)));
			return -1;
		}
		if (c->mmio && vcpu->run->exit_reason == KVM_EXIT_MMIO) {
			memset(vcpu->run->mmio.data, 0,
			       sizeof(vcpu->run->mmio.data));
			continue;
		}
		switch (get_ucall(vcpu, &uc)) {
		case UCALL_DONE:
			return 0;
		case UCALL_SYNC:
			if (c->on_sync && c->on_sync(vcpu, &uc, why, size))
				return -1;
			continue;
		default:
			snprintf(why, size, "%s", exit_str(vcpu, buf, sizeof(buf)));
			return -1;
		}
	}
	snprintf(why, size, "no end after %d exits", MAX_EXITS);
	return -1;
}

static int child_check(const struct check *c, const char *path, char *why)
{
	struct vcpu *vcpu;
	struct vm *vm;
	int r;

	alarm(CHECK_ALARM_S);
	vm = vm_create(path);
	vcpu = vm_add_vcpu(vm, 0, c->guest);
	vcpu_args_set(vcpu, 1, c->arg);
	if (c->setup)
		c->setup(vm, vcpu);
	if (c->host_only)
		r = c->host_only(vm, vcpu, why, WHY_SIZE);
	else
		r = run_check(c, vcpu, why, WHY_SIZE);
	vm_free(vm);
	return r ? 1 : 0;
}

/* 1 passed, 0 failed, -1 skipped (no device outside the lab). */
static int one_check(const struct check *c, const char *path, char *why)
{
	const char *unusable = guest_device_unusable(path);
	int status;
	pid_t pid;

	why[0] = 0;
	if (unusable) {
		snprintf(why, WHY_SIZE, "%s: %s", path, unusable);
		return -1;
	}
	fflush(stdout);
	pid = fork();
	if (pid < 0) {
		snprintf(why, WHY_SIZE, "fork: %s", strerror(errno));
		return 0;
	}
	if (pid == 0)
		_exit(child_check(c, path, why));
	if (waitpid(pid, &status, 0) != pid) {
		snprintf(why, WHY_SIZE, "waitpid: %s", strerror(errno));
		return 0;
	}
	if (WIFSIGNALED(status) && !why[0])
		snprintf(why, WHY_SIZE, "killed by signal %d%s",
			 WTERMSIG(status),
			 WTERMSIG(status) == SIGALRM ? " (hung)" : "");
	else if (WIFEXITED(status) && WEXITSTATUS(status) && !why[0])
		snprintf(why, WHY_SIZE, "exit status %d", WEXITSTATUS(status));
	return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

/* Areas named on the command line, else in vmxlab_conformance_areas=. */
static char lab_areas[256];

static bool area_wanted(const char *name, int argc, char **argv)
{
	size_t len = strlen(name);
	const char *p;
	int i;

	if (argc >= 2) {
		for (i = 1; i < argc; i++)
			if (!strcmp(argv[i], name))
				return true;
		return false;
	}
	if (!lab_areas[0])
		return true;
	for (p = lab_areas; (p = strstr(p, name)); p += len)
		if ((p == lab_areas || p[-1] == ',') &&
		    (p[len] == ',' || p[len] == 0))
			return true;
	return false;
}

int main(int argc, char **argv)
{
	unsigned int pass = 0, fail = 0, skip = 0, xfail = 0, n = 0;
	unsigned int passed[8][2] = { { 0 } };
	size_t nr, i;
	char *why;
	int a, d;

	/* Shared with each child, which writes why it failed. */
	why = mmap(NULL, WHY_SIZE, PROT_READ | PROT_WRITE,
		   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (why == MAP_FAILED)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc < 2 &&
	    lab_cmdline_string("vmxlab_conformance_areas", lab_areas,
			       sizeof(lab_areas)))
		printf("# areas from the kernel command line: %s\n", lab_areas);
	printf("TAP version 13\n");
	for (a = 0; a < (int)(sizeof(areas) / sizeof(areas[0])); a++) {
		if (!area_wanted(areas[a].name, argc, argv))
			continue;
		nr = area_size(a);
		for (i = 0; i < nr; i++) {
			const struct check *c = &areas[a].checks[i];

			for (d = 0; d < 2; d++) {
				int r = one_check(c, devices[d], why);
				const char *dev = d ? "kvm" : "vmxlab";

				n++;
				if (r > 0) {
					pass++;
					passed[a][d]++;
					printf("ok %u %s/%s %s\n", n,
					       areas[a].name, c->name, dev);
				} else if (r < 0) {
					skip++;
					printf("ok %u %s/%s %s # SKIP %s\n", n,
					       areas[a].name, c->name, dev, why);
				} else if (d == 1 && c->kvm_differs) {
					xfail++;
					printf("not ok %u %s/%s %s # TODO known KVM difference: %s (%s)\n",
					       n, areas[a].name, c->name, dev,
					       c->kvm_differs, why);
				} else {
					fail++;
					printf("not ok %u %s/%s %s # %s\n", n,
					       areas[a].name, c->name, dev, why);
				}
			}
		}
	}
	printf("# Totals: pass:%u fail:%u xfail:%u xpass:0 skip:%u error:0\n",
	       pass, fail, xfail, skip);
	for (a = 0; a < (int)(sizeof(areas) / sizeof(areas[0])); a++) {
		if (!area_wanted(areas[a].name, argc, argv))
			continue;
		printf("%s: %zu checks, vmxlab %u passed, KVM %u passed\n",
		       areas[a].name, area_size(a), passed[a][0],
		       passed[a][1]);
	}
	return fail ? 1 : 0;
}
