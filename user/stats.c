// SPDX-License-Identifier: GPL-2.0
/*
 * --stats: exits per vCPU. The launcher counts the exits it sees; the
 * device's own counts (exits handled in the kernel too) come from
 * vmxlab's debugfs, /sys/kernel/debug/vmxlab/vm<pid>-<n>/vcpu<i>/exits,
 * or, on KVM, from its per-VM debugfs directory (totals for the VM).
 */
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <linux/kvm.h>

#include "vm.h"

static const char *const exit_names[VCPU_EXIT_REASONS] = {
	[KVM_EXIT_UNKNOWN] = "unknown",
	[KVM_EXIT_EXCEPTION] = "exception",
	[KVM_EXIT_IO] = "io",
	[KVM_EXIT_HYPERCALL] = "hypercall",
	[KVM_EXIT_DEBUG] = "debug",
	[KVM_EXIT_HLT] = "hlt",
	[KVM_EXIT_MMIO] = "mmio",
	[KVM_EXIT_IRQ_WINDOW_OPEN] = "irq_window_open",
	[KVM_EXIT_SHUTDOWN] = "shutdown",
	[KVM_EXIT_FAIL_ENTRY] = "fail_entry",
	[KVM_EXIT_INTR] = "intr",
	[KVM_EXIT_INTERNAL_ERROR] = "internal_error",
	[KVM_EXIT_SYSTEM_EVENT] = "system_event",
	[KVM_EXIT_IOAPIC_EOI] = "ioapic_eoi",
};

static void print_file(const char *path, const char *indent)
{
	char line[256];
	FILE *f = fopen(path, "r");

	if (!f) {
		fprintf(stderr, "%s(cannot read %s)\n", indent, path);
		return;
	}
	while (fgets(line, sizeof(line), f))
		fprintf(stderr, "%s%s", indent, line);
	fclose(f);
}

/* The directory under base whose name starts with prefix, if any. */
static int find_dir(const char *base, const char *prefix, char *out,
		    size_t len)
{
	struct dirent *de;
	DIR *d = opendir(base);
	int found = -1;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (!strncmp(de->d_name, prefix, strlen(prefix))) {
			snprintf(out, len, "%s/%s", base, de->d_name);
			found = 0;
			break;
		}
	}
	closedir(d);
	return found;
}

static void print_device_stats_vmxlab(struct vm *vm, unsigned int i)
{
	char prefix[32], dir[512], path[600];

	snprintf(prefix, sizeof(prefix), "vm%d-", getpid());
	if (find_dir("/sys/kernel/debug/vmxlab", prefix, dir, sizeof(dir))) {
		fprintf(stderr, "    (no /sys/kernel/debug/vmxlab/%s*: is debugfs mounted?)\n",
			prefix);
		return;
	}
	snprintf(path, sizeof(path), "%s/vcpu%u/exits", dir, i);
	print_file(path, "    ");
}

static void print_device_stats_kvm(struct vm *vm)
{
	static const char *const names[] = {
		"exits", "io_exits", "mmio_exits", "halt_exits", "irq_exits",
		"irq_window_exits", "signal_exits", "request_irq_exits",
		"insn_emulation", "irq_injections", "nmi_injections",
	};
	char prefix[32], dir[512], path[600], val[64];
	unsigned int i;

	snprintf(prefix, sizeof(prefix), "%d-", getpid());
	if (find_dir("/sys/kernel/debug/kvm", prefix, dir, sizeof(dir))) {
		fprintf(stderr, "KVM statistics: not available (no /sys/kernel/debug/kvm/%s*)\n",
			prefix);
		return;
	}
	fprintf(stderr, "KVM statistics for the whole VM (%s):\n", dir);
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		FILE *f;

		snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(val, sizeof(val), f))
			fprintf(stderr, "  %-20s %s", names[i], val);
		fclose(f);
	}
}

void vm_print_stats(struct vm *vm)
{
	unsigned int i, r;

	for (i = 0; i < vm->nr_vcpus; i++) {
		struct vcpu *vcpu = &vm->vcpus[i];

		fprintf(stderr, "vCPU %u exits to the launcher:", i);
		for (r = 0; r < VCPU_EXIT_REASONS; r++)
			if (vcpu->exits[r])
				fprintf(stderr, " %s %llu",
					exit_names[r] ? exit_names[r] : "other",
					(unsigned long long)vcpu->exits[r]);
		fprintf(stderr, "\n");
		if (vm->is_vmxlab) {
			fprintf(stderr, "  vmxlab's counts:\n");
			print_device_stats_vmxlab(vm, i);
		}
	}
	fprintf(stderr, "unhandled port/MMIO accesses: %llu\n",
		(unsigned long long)vm->bus.unhandled);
	if (!vm->is_vmxlab)
		print_device_stats_kvm(vm);
}
