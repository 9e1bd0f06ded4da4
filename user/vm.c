// SPDX-License-Identifier: GPL-2.0
/*
 * Opening the device, creating the VM and giving it memory, each failure
 * told in words a user can act on: the module is not loaded, another
 * hypervisor holds VMX, the device is not a KVM-ABI device.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

#include "access.h"
#include "vm.h"

#define KVM_API_VERSION_EXPECTED	12
#define CPUID_MAX_ENTRIES		256

static int vm_open_device(struct vm *vm, const char *path, struct errbuf *err)
{
	int version;

	vm->dev_fd = open(path, O_RDWR | O_CLOEXEC);
	if (vm->dev_fd < 0) {
		int e = errno;

		if (e == ENOENT && strstr(path, "vmxlab"))
			return errbuf_set(err, "%s does not exist: the vmxlab module is not loaded (insmod vmxlab.ko)",
					  path);
		if (e == ENOENT && strstr(path, "kvm"))
			return errbuf_set(err, "%s does not exist: KVM is not loaded (modprobe kvm_intel)",
					  path);
		if (e == EACCES || e == EPERM)
			return access_device_error(path, e, err);
		return errbuf_set(err, "cannot open %s: %s", path, strerror(e));
	}
	version = ioctl(vm->dev_fd, KVM_GET_API_VERSION, 0);
	if (version != KVM_API_VERSION_EXPECTED)
		return errbuf_set(err, "%s does not speak the KVM API (KVM_GET_API_VERSION: %d, expected %d)",
				  path, version, KVM_API_VERSION_EXPECTED);
	return 0;
}

static int vm_get_supported_cpuid(struct vm *vm, struct errbuf *err)
{
	struct kvm_cpuid2 *cpuid;

	cpuid = calloc(1, sizeof(*cpuid) +
		       CPUID_MAX_ENTRIES * sizeof(struct kvm_cpuid_entry2));
	if (!cpuid)
		return errbuf_set(err, "out of memory");
	cpuid->nent = CPUID_MAX_ENTRIES;
	if (ioctl(vm->dev_fd, KVM_GET_SUPPORTED_CPUID, cpuid) < 0) {
		int e = errno;

		free(cpuid);
		return errbuf_set(err, "KVM_GET_SUPPORTED_CPUID: %s", strerror(e));
	}
	vm->cpuid = cpuid;
	return 0;
}

int vm_open(struct vm *vm, const struct vmxlab_options *opts,
	    struct errbuf *err)
{
	char dir[64];

	vm->opts = opts;
	vm->fd = -1;
	vm->dev_fd = -1;
	vm->main_thread = pthread_self();
	pthread_mutex_init(&vm->stop_lock, NULL);
	if (vm_open_device(vm, opts->device, err))
		return -1;

	vm->fd = ioctl(vm->dev_fd, KVM_CREATE_VM, 0);
	if (vm->fd < 0) {
		int e = errno;

		if (e == EBUSY)
			return errbuf_set(err, "%s: KVM_CREATE_VM: another hypervisor holds VMX (kvm_intel with a running VM, VirtualBox, ...): stop it or unload it first",
					  opts->device);
		return errbuf_set(err, "%s: KVM_CREATE_VM: %s", opts->device,
				  strerror(e));
	}
	vm->run_size = ioctl(vm->dev_fd, KVM_GET_VCPU_MMAP_SIZE, 0);
	if (vm->run_size < (int)sizeof(struct kvm_run))
		return errbuf_set(err, "KVM_GET_VCPU_MMAP_SIZE: %s",
				  vm->run_size < 0 ? strerror(errno) : "too small");

	/* vmxlab's own statistics live under its debugfs directory. */
	snprintf(dir, sizeof(dir), "/sys/kernel/debug/vmxlab");
	vm->is_vmxlab = !access(dir, F_OK) && !strstr(opts->device, "kvm");

	/* Intel needs three pages for real-mode emulation; harmless elsewhere. */
	ioctl(vm->fd, KVM_SET_TSS_ADDR, 0xfffbd000UL);
	return vm_get_supported_cpuid(vm, err);
}

static int vm_add_slot(struct vm *vm, uint32_t slot, uint64_t gpa,
		       uint64_t size, void *host, struct errbuf *err)
{
	struct kvm_userspace_memory_region region = {
		.slot = slot,
		.guest_phys_addr = gpa,
		.memory_size = size,
		.userspace_addr = (uintptr_t)host,
	};

	if (ioctl(vm->fd, KVM_SET_USER_MEMORY_REGION, &region) < 0)
		return errbuf_set(err, "KVM_SET_USER_MEMORY_REGION (0x%llx+0x%llx): %s",
				  (unsigned long long)gpa,
				  (unsigned long long)size, strerror(errno));
	return 0;
}

int vm_setup_memory(struct vm *vm, struct errbuf *err)
{
	uint64_t size = vm->opts->mem_mb << 20;
	void *host;

	host = mmap(NULL, size, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (host == MAP_FAILED)
		return errbuf_set(err, "cannot allocate %llu MiB of guest memory: %s",
				  (unsigned long long)vm->opts->mem_mb,
				  strerror(errno));
	guest_mem_init(&vm->mem, host, size);
	if (vm_add_slot(vm, 0, 0, vm->mem.low_size, host, err))
		return -1;
	if (size > vm->mem.low_size &&
	    vm_add_slot(vm, 1, GUEST_MEM_HIGH_START, size - vm->mem.low_size,
			(uint8_t *)host + vm->mem.low_size, err))
		return -1;
	return 0;
}

void vm_close(struct vm *vm)
{
	unsigned int i;

	for (i = 0; i < vm->nr_vcpus; i++) {
		if (vm->vcpus[i].run)
			munmap(vm->vcpus[i].run, vm->run_size);
		if (vm->vcpus[i].fd >= 0)
			close(vm->vcpus[i].fd);
	}
	if (vm->fd >= 0)
		close(vm->fd);
	if (vm->dev_fd >= 0)
		close(vm->dev_fd);
	free(vm->cpuid);
}
