// SPDX-License-Identifier: GPL-2.0
/*
 * vCPU creation, its CPUID (the device's supported set through the
 * launcher's policy in cpuid.c), the register state a loader asked for,
 * and the register dump printed when a guest dies.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>

#include "boot/boot_layout.h"
#include "cpuid.h"
#include "irqchip/irqchip.h"
#include "vm.h"

#define CR0_PE		(1ULL << 0)
#define CR0_MP		(1ULL << 1)
#define CR0_ET		(1ULL << 4)
#define CR0_NE		(1ULL << 5)
#define CR0_WP		(1ULL << 16)
#define CR0_PG		(1ULL << 31)
#define CR4_PAE		(1ULL << 5)
#define EFER_LME	(1ULL << 8)
#define EFER_LMA	(1ULL << 10)

static int vcpu_set_cpuid(struct vcpu *vcpu, struct errbuf *err)
{
	struct vm *vm = vcpu->vm;
	size_t size = sizeof(*vm->cpuid) +
		      vm->cpuid->nent * sizeof(struct kvm_cpuid_entry2);
	struct kvm_cpuid2 *cpuid = malloc(size);
	struct cpuid_policy policy;
	int rc;

	if (!cpuid)
		return errbuf_set(err, "out of memory");
	memcpy(cpuid, vm->cpuid, size);
	policy.vcpu_id = vcpu->id;
	policy.nr_vcpus = vm->opts->cpus;
	policy.lapic_in_kernel = irqchip_lapic_in_kernel(vm);
	policy.tsc_deadline_cap = ioctl(vm->dev_fd, KVM_CHECK_EXTENSION,
					KVM_CAP_TSC_DEADLINE_TIMER) > 0;
	policy.user_tsc_deadline = irqchip_user_tsc_deadline(vm);
	cpuid_apply_policy(cpuid->entries, cpuid->nent, &policy);
	rc = ioctl(vcpu->fd, KVM_SET_CPUID2, cpuid);
	free(cpuid);
	if (rc < 0)
		return errbuf_set(err, "vCPU %u: KVM_SET_CPUID2: %s", vcpu->id,
				  strerror(errno));
	return 0;
}

int vcpu_create(struct vm *vm, unsigned int id, struct errbuf *err)
{
	struct vcpu *vcpu = &vm->vcpus[id];

	vcpu->vm = vm;
	vcpu->id = id;
	vcpu->fd = ioctl(vm->fd, KVM_CREATE_VCPU, id);
	if (vcpu->fd < 0)
		return errbuf_set(err, "KVM_CREATE_VCPU %u: %s", id,
				  strerror(errno));
	vm->nr_vcpus = id + 1;
	vcpu->run = mmap(NULL, vm->run_size, PROT_READ | PROT_WRITE, MAP_SHARED,
			 vcpu->fd, 0);
	if (vcpu->run == MAP_FAILED) {
		vcpu->run = NULL;
		return errbuf_set(err, "vCPU %u: mmap of kvm_run: %s", id,
				  strerror(errno));
	}
	if (vcpu_set_cpuid(vcpu, err))
		return -1;
	return irqchip_vcpu_init(vcpu, err);
}

static void segment_flat(struct kvm_segment *s, uint16_t selector,
			 uint8_t type, bool code64)
{
	memset(s, 0, sizeof(*s));
	s->base = 0;
	s->limit = 0xffffffff;
	s->selector = selector;
	s->type = type;
	s->present = 1;
	s->s = 1;
	s->g = 1;
	s->l = code64;
	s->db = !code64;
}

int vcpu_set_boot_state(struct vcpu *vcpu, const struct boot_entry *entry,
			struct errbuf *err)
{
	bool long_mode = entry->mode == BOOT_MODE_LONG64;
	struct kvm_sregs sregs;
	struct kvm_regs regs;

	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0)
		return errbuf_set(err, "KVM_GET_SREGS: %s", strerror(errno));
	segment_flat(&sregs.cs, long_mode ? BOOT_SEL_CODE64 : BOOT_SEL_CODE32,
		     0xb, long_mode);
	segment_flat(&sregs.ds, BOOT_SEL_DATA, 0x3, false);
	sregs.es = sregs.fs = sregs.gs = sregs.ss = sregs.ds;
	sregs.gdt.base = entry->gdt ? entry->gdt : BOOT_GDT_GPA;
	sregs.gdt.limit = 4 * 8 - 1;
	sregs.cr0 = CR0_PE | CR0_ET;
	if (long_mode) {
		sregs.cr0 |= CR0_MP | CR0_NE | CR0_WP | CR0_PG;
		sregs.cr3 = BOOT_PML4_GPA;
		sregs.cr4 = CR4_PAE;
		sregs.efer = EFER_LME | EFER_LMA;
	}
	if (ioctl(vcpu->fd, KVM_SET_SREGS, &sregs) < 0)
		return errbuf_set(err, "KVM_SET_SREGS: %s", strerror(errno));

	memset(&regs, 0, sizeof(regs));
	regs.rflags = 0x2;
	regs.rip = entry->rip;
	regs.rsp = entry->rsp;
	regs.rax = entry->rax;
	regs.rbx = entry->rbx;
	regs.rsi = entry->rsi;
	if (ioctl(vcpu->fd, KVM_SET_REGS, &regs) < 0)
		return errbuf_set(err, "KVM_SET_REGS: %s", strerror(errno));
	return 0;
}

static void dump_segment(const char *name, const struct kvm_segment *s)
{
	fprintf(stderr, "  %-3s sel %04x base %016llx limit %08x type %x%s%s%s\n",
		name, s->selector, (unsigned long long)s->base, s->limit,
		s->type, s->present ? " P" : "", s->l ? " L" : "",
		s->db ? " D" : "");
}

void vcpu_dump(struct vcpu *vcpu)
{
	struct kvm_sregs sregs;
	struct kvm_regs r;

	fprintf(stderr, "vCPU %u registers:\n", vcpu->id);
	if (ioctl(vcpu->fd, KVM_GET_REGS, &r) < 0) {
		fprintf(stderr, "  KVM_GET_REGS: %s\n", strerror(errno));
		return;
	}
	fprintf(stderr,
		"  rip %016llx rflags %016llx\n"
		"  rax %016llx rbx %016llx rcx %016llx rdx %016llx\n"
		"  rsi %016llx rdi %016llx rsp %016llx rbp %016llx\n"
		"  r8  %016llx r9  %016llx r10 %016llx r11 %016llx\n"
		"  r12 %016llx r13 %016llx r14 %016llx r15 %016llx\n",
		r.rip, r.rflags, r.rax, r.rbx, r.rcx, r.rdx, r.rsi, r.rdi,
		r.rsp, r.rbp, r.r8, r.r9, r.r10, r.r11, r.r12, r.r13, r.r14,
		r.r15);
	if (ioctl(vcpu->fd, KVM_GET_SREGS, &sregs) < 0) {
		fprintf(stderr, "  KVM_GET_SREGS: %s\n", strerror(errno));
		return;
	}
	fprintf(stderr,
		"  cr0 %016llx cr2 %016llx cr3 %016llx cr4 %016llx\n"
		"  efer %016llx apic_base %016llx\n",
		sregs.cr0, sregs.cr2, sregs.cr3, sregs.cr4, sregs.efer,
		sregs.apic_base);
	dump_segment("cs", &sregs.cs);
	dump_segment("ds", &sregs.ds);
	dump_segment("ss", &sregs.ss);
	dump_segment("tr", &sregs.tr);
	fprintf(stderr, "  gdt %016llx/%04x idt %016llx/%04x\n",
		sregs.gdt.base, sregs.gdt.limit, sregs.idt.base,
		sregs.idt.limit);
}
