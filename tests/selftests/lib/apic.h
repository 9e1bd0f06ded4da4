/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Guest-side helpers for interrupt tests and benchmarks: the xAPIC and
 * IOAPIC registers as a guest programs them, interrupt handler stubs
 * that count and timestamp, and a host helper that points an IDT vector
 * of the guest library (guest.h) at one of them.
 */
#ifndef APIC_H
#define APIC_H

#include <stdint.h>

struct vm;

#define APIC_BASE	0xfee00000UL
#define APIC_TPR	0x080
#define APIC_EOI	0x0b0
#define APIC_SVR	0x0f0
#define APIC_ICR	0x300
#define APIC_ICR2	0x310
#define APIC_LVTT	0x320
#define APIC_TMICT	0x380
#define APIC_TMCCT	0x390
#define APIC_TDCR	0x3e0
#define IOAPIC_BASE	0xfec00000UL

#define LVT_MASKED	(1u << 16)
#define LVT_PERIODIC	(1u << 17)
#define LVT_TSC_DEADLINE (2u << 17)
#define ICR_SELF	(1u << 18)
#define ICR_NMI		(4u << 8)
#define ICR_INIT	(5u << 8)
#define ICR_SIPI	(6u << 8)
#define ICR_ASSERT	(1u << 14)
#define MSR_TSC_DEADLINE 0x6e0
#define CPUID_1_ECX_TSC_DEADLINE (1u << 24)

/* Counted by the handler stubs in the guest's copy of the program. */
extern volatile uint64_t isr_count, isr_tsc, nmi_count, user_isr_count;
extern volatile uint64_t ap_isr_count, level_count, ap_ready;

/* Count, stamp the TSC into isr_tsc, EOI the xAPIC. */
void isr_apic_stub(void);
/* Count into ap_isr_count and EOI (for a second vCPU). */
void isr_ap_stub(void);
/* Count only: NMIs, vectors injected by KVM_INTERRUPT, and level lines
 * whose EOI the interrupted code does itself. */
void isr_nmi_stub(void);
void isr_user_stub(void);
void isr_level_stub(void);

/* Host side: route @vector of the guest IDT to @fn, keeping its gate type. */
void set_idt_handler(struct vm *vm, int vector, void (*fn)(void));

/* Host side: default CPUID plus the TSC-deadline bit; 0 or -errno. */
struct vcpu;
int vcpu_enable_tsc_deadline(struct vcpu *vcpu);

static inline void apic_write(uint32_t reg, uint32_t value)
{
	*(volatile uint32_t *)(APIC_BASE + reg) = value;
}

static inline uint32_t apic_read(uint32_t reg)
{
	return *(volatile uint32_t *)(APIC_BASE + reg);
}

static inline void ioapic_write(uint32_t reg, uint32_t value)
{
	*(volatile uint32_t *)IOAPIC_BASE = reg;
	*(volatile uint32_t *)(IOAPIC_BASE + 0x10) = value;
}

static inline uint64_t guest_rdtsc(void)
{
	uint32_t lo, hi;

	asm volatile("rdtsc" : "=a"(lo), "=d"(hi));
	return lo | (uint64_t)hi << 32;
}

static inline void sti_hlt(void)
{
	asm volatile("sti; hlt" ::: "memory");
}

/* Software-enable the xAPIC and accept every priority class. */
static inline void apic_enable(void)
{
	apic_write(APIC_SVR, 0x1ff);
	apic_write(APIC_TPR, 0);
}

#endif
