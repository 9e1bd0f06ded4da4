// SPDX-License-Identifier: GPL-2.0
/*
 * vmxlab: boot a guest on /dev/vmxlab (or /dev/kvm, same ABI).
 *
 * The order of a run: options, images, VM and memory, interrupt
 * controllers, devices, firmware tables, the kernel, vCPUs, then the run
 * loop until the guest powers off, writes the debug exit port, crashes,
 * or the user stops it. See options.c for the command line.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "access.h"
#include "boot/boot.h"
#include "bench/bench.h"
#include "boot/boot_layout.h"
#include "devices/device.h"
#include "file.h"
#include "firmware/acpi.h"
#include "irqchip/irqchip.h"
#include "options.h"
#include "vm.h"

#include "irq/ioapic.h"

struct images {
	uint8_t *kernel;
	size_t kernel_size;
	uint8_t *initrd;
	size_t initrd_size;
	enum boot_format format;
};

static int read_images(const struct vmxlab_options *opts, struct images *im,
		       struct errbuf *err)
{
	if (read_file(opts->kernel, "kernel", &im->kernel, &im->kernel_size, err))
		return -1;
	if (opts->initrd &&
	    read_file(opts->initrd, "initrd", &im->initrd, &im->initrd_size, err))
		return -1;
	if (opts->flat)
		return 0;
	im->format = boot_detect_format(im->kernel, im->kernel_size);
	if (im->format == BOOT_FORMAT_UNKNOWN)
		return errbuf_set(err, "kernel '%s' is neither a bzImage (no \"HdrS\" at 0x202) nor a Multiboot kernel (no header in the first 8 KiB); for a flat binary give --flat ADDR",
				  opts->kernel);
	return 0;
}

/* The CPUs and the IOAPIC, then what each device says of itself. */
static int build_acpi(struct vm *vm, uint64_t *rsdp, struct errbuf *err)
{
	struct acpi_config cfg = {
		.cpus = vm->opts->cpus,
		.ioapic_base = IOAPIC_DEFAULT_BASE,
		.ioapic_id = vm->opts->cpus,
		.have_ioapic = true,
	};

	devices_acpi(vm, &cfg);
	return acpi_build(&vm->mem, BOOT_ACPI_GPA, BOOT_ACPI_SIZE, &cfg, rsdp,
			  err);
}

static int load_kernel(struct vm *vm, const struct images *im,
		       struct boot_entry *entry, struct errbuf *err)
{
	const struct vmxlab_options *opts = vm->opts;
	struct boot_config cfg = {
		.initrd = im->initrd,
		.initrd_size = im->initrd_size,
		.cmdline = opts->cmdline,
		.kernel_name = opts->kernel,
	};
	const char *slash;
	int rc;

	if (opts->initrd) {
		slash = strrchr(opts->initrd, '/');
		cfg.initrd_name = slash ? slash + 1 : opts->initrd;
	}
	if (build_acpi(vm, &cfg.acpi_rsdp, err))
		return -1;
	if (opts->flat)
		rc = load_flat(&vm->mem, im->kernel, im->kernel_size,
			       opts->flat_addr, entry, err);
	else if (im->format == BOOT_FORMAT_LINUX)
		rc = load_linux(&vm->mem, im->kernel, im->kernel_size, &cfg,
				entry, err);
	else
		rc = load_multiboot(&vm->mem, im->kernel, im->kernel_size, &cfg,
				    entry, err);
	if (rc) {
		char why[sizeof(err->msg)];

		memcpy(why, err->msg, sizeof(why));
		return errbuf_set(err, "%s: %.220s", opts->kernel, why);
	}
	return 0;
}

int launcher_setup(struct vm *vm, const struct vmxlab_options *opts,
		   struct errbuf *err)
{
	struct boot_entry entry;
	struct images im = { 0 };
	unsigned int i;

	if (read_images(opts, &im, err) ||
	    vm_open(vm, opts, err) ||
	    vm_setup_memory(vm, err) ||
	    irqchip_create(vm, err) ||
	    devices_init(vm, err) ||
	    load_kernel(vm, &im, &entry, err))
		return -1;
	free(im.kernel);
	free(im.initrd);
	for (i = 0; i < opts->cpus; i++)
		if (vcpu_create(vm, i, err))
			return -1;
	return vcpu_set_boot_state(&vm->vcpus[0], &entry, err);
}

int main(int argc, char **argv)
{
	static struct vm vm = { .dev_fd = -1, .fd = -1 };
	struct vmxlab_options opts;
	struct errbuf err = { "" };
	int status;

	if (argc == 2 && !strcmp(argv[1], "--version")) {
		printf("vmxlab %s\n", VMXLAB_VERSION);
		return 0;
	}
	if (argc >= 2 && !strcmp(argv[1], "bench"))
		return bench_main(argc - 2, argv + 2);
	if (options_parse(argc, argv, &opts, &err)) {
		fprintf(stderr, "vmxlab: %s\n", err.msg);
		return EXIT_USAGE;
	}
	if (opts.command == CMD_HELP) {
		fputs(options_usage, stdout);
		return 0;
	}
	if (opts.command == CMD_RUN_HELP) {
		fputs(options_run_usage, stdout);
		return 0;
	}

	vm_block_signals();
	if (launcher_setup(&vm, &opts, &err)) {
		fprintf(stderr, "vmxlab: %s\n", err.msg);
		vm_close(&vm);
		return EXIT_SETUP;
	}
	devices_start(&vm);
	status = vm_run(&vm);
	devices_exit(&vm);
	if (vm.exit_reason[0])
		fprintf(stderr, "\nvmxlab: %s (exit status %d)\n", vm.exit_reason,
			status);
	if (opts.stats)
		vm_print_stats(&vm);
	vm_close(&vm);
	return status;
}
