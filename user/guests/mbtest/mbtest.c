// SPDX-License-Identifier: GPL-2.0
/*
 * mbtest: a Multiboot test kernel for the vmxlab launcher.
 *
 * It checks what a Multiboot loader and the launcher's machine promise:
 * the boot state and information (magic, memory, memory map, command
 * line, module), fw_cfg, the serial port's registers, the RTC, the empty
 * PCI bus, and interrupts end to end: IOAPIC edge and level lines raised
 * through the ISA test ports, the serial THR-empty interrupt on IRQ 4,
 * the LAPIC timer, and INIT/SIPI bringing up every AP. Each check prints
 * "ok N - name" or "not ok N - name" on COM1; the end is "PASS" or
 * "FAIL", and the number of failures is written to the debug exit port,
 * so the launcher exits with status 1 when everything passed.
 *
 * Command line words it understands (after argv[0], the kernel's file
 * name): "module=TEXT" (the module must start with TEXT), "modname=NAME"
 * (the module's string), "argv0=NAME" (the first word must end in NAME),
 * "tscdeadline=yes|no" (CPUID.1:ECX[24] must be set, and the LAPIC
 * TSC-deadline timer must interrupt, or the bit must be clear), and
 * "bench=irq", "bench=timer", "bench=oneshot", "bench=device" or
 * "bench=ipi", which skip the checks and measure interrupt latency
 * instead (see bench_irq(), bench_timer(), bench_device() and
 * bench_ipi()).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define COM1			0x3f8
#define DEBUG_EXIT		0xf4
#define ISA_IRQ_TEST		0x2000
#define FW_CFG_SEL		0x510
#define FW_CFG_DATA		0x511
#define LAPIC			0xfee00000u
#define IOAPIC			0xfec00000u
#define TRAMPOLINE		0x70000u
#define AP_COUNTER		((volatile uint32_t *)0x70ff0)

#define VEC_EDGE		0x40
#define VEC_LEVEL		0x41
#define VEC_SERIAL		0x42
#define VEC_TIMER		0x43
#define VEC_BENCH		0x44
#define VEC_SPURIOUS		0xff
#define TEST_PIN		10

struct idt_gate {
	uint16_t offset_lo;
	uint16_t selector;
	uint8_t zero;
	uint8_t flags;
	uint16_t offset_hi;
} __attribute__((packed));

extern uint32_t boot_magic, boot_info;
extern char irq_stubs[], trampoline_start[], trampoline_end[];
extern char ap_trampoline_start[], ap_trampoline_end[];

static struct idt_gate idt[256];
static volatile unsigned int irq_count[256];
static unsigned int checks, failures;
static bool level_lower_in_handler;
static volatile uint64_t bench_handler_tsc;

/* ------------------------------------------------------------ I/O */

static inline void outb(uint16_t port, uint8_t v)
{
	__asm__ volatile("outb %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outw(uint16_t port, uint16_t v)
{
	__asm__ volatile("outw %0, %1" : : "a"(v), "Nd"(port));
}

static inline void outl(uint16_t port, uint32_t v)
{
	__asm__ volatile("outl %0, %1" : : "a"(v), "Nd"(port));
}

static inline uint8_t inb(uint16_t port)
{
	uint8_t v;

	__asm__ volatile("inb %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint32_t inl(uint16_t port)
{
	uint32_t v;

	__asm__ volatile("inl %1, %0" : "=a"(v) : "Nd"(port));
	return v;
}

static inline uint64_t rdtsc(void)
{
	uint64_t v;

	__asm__ volatile("rdtsc" : "=A"(v));
	return v;
}

static inline void wrmsr(uint32_t msr, uint64_t v)
{
	__asm__ volatile("wrmsr" : : "c"(msr), "A"(v));
}

static inline uint32_t cpuid_ecx(uint32_t leaf)
{
	uint32_t a = leaf, b, c = 0, d;

	__asm__ volatile("cpuid" : "+a"(a), "=b"(b), "+c"(c), "=d"(d));
	return c;
}

static inline uint32_t mmio_read(uint32_t addr)
{
	return *(volatile uint32_t *)addr;
}

static inline void mmio_write(uint32_t addr, uint32_t v)
{
	*(volatile uint32_t *)addr = v;
}

/* ------------------------------------------------------------ output */

static void putc_serial(char c)
{
	while (!(inb(COM1 + 5) & 0x20))
		;
	outb(COM1, c);
}

static void puts_serial(const char *s)
{
	while (*s) {
		if (*s == '\n')
			putc_serial('\r');
		putc_serial(*s++);
	}
}

static void put_dec(uint32_t v)
{
	char buf[12];
	int i = 0;

	do {
		buf[i++] = '0' + v % 10;
		v /= 10;
	} while (v);
	while (i--)
		putc_serial(buf[i]);
}

static void put_hex(uint32_t v)
{
	int i;

	puts_serial("0x");
	for (i = 28; i >= 0; i -= 4)
		putc_serial("0123456789abcdef"[(v >> i) & 0xf]);
}

static void check(bool ok, const char *name)
{
	checks++;
	if (!ok) {
		failures++;
		puts_serial("not ");
	}
	puts_serial("ok ");
	put_dec(checks);
	puts_serial(" - ");
	puts_serial(name);
	puts_serial("\n");
}

static void check_eq(uint32_t got, uint32_t want, const char *name)
{
	check(got == want, name);
	if (got != want) {
		puts_serial("#   got ");
		put_hex(got);
		puts_serial(", want ");
		put_hex(want);
		puts_serial("\n");
	}
}

/* ------------------------------------------------------------ strings */

static size_t str_len(const char *s)
{
	size_t n = 0;

	while (s[n])
		n++;
	return n;
}

static bool str_eq_n(const char *a, const char *b, size_t n)
{
	while (n--)
		if (*a++ != *b++)
			return false;
	return true;
}

/* The value of "key=" in the command line, up to the next space. */
static const char *cmdline_value(const char *cmdline, const char *key,
				 size_t *len)
{
	size_t klen = str_len(key);
	const char *p = cmdline;

	while (p && *p) {
		if ((p == cmdline || p[-1] == ' ') && str_eq_n(p, key, klen) &&
		    p[klen] == '=') {
			const char *v = p + klen + 1;

			*len = 0;
			while (v[*len] && v[*len] != ' ')
				(*len)++;
			return v;
		}
		p++;
	}
	return NULL;
}

/* ------------------------------------------------------------ interrupts */

void irq_dispatch(uint32_t vector);
void irq_dispatch(uint32_t vector)
{
	if (vector == VEC_BENCH)
		bench_handler_tsc = rdtsc();
	if (vector < 32) {
		puts_serial("not ok - unexpected exception ");
		put_dec(vector);
		puts_serial("\nFAIL\n");
		outl(DEBUG_EXIT, 0x7f);
		for (;;)
			__asm__ volatile("cli; hlt");
	}
	irq_count[vector]++;
	if (vector == VEC_LEVEL && level_lower_in_handler)
		outb(ISA_IRQ_TEST + TEST_PIN, 0);
	if (vector == VEC_SERIAL) {
		inb(COM1 + 2);			/* IIR read clears THRI */
		outb(COM1 + 1, 0);		/* and stop asking for it */
	}
	if (vector != VEC_SPURIOUS)
		mmio_write(LAPIC + 0xb0, 0);	/* EOI */
}

static void idt_load(void)
{
	struct { uint16_t limit; uint32_t base; } __attribute__((packed)) desc;

	desc.limit = sizeof(idt) - 1;
	desc.base = (uint32_t)idt;
	__asm__ volatile("lidt %0" : : "m"(desc));
}

static void idt_setup(void)
{
	unsigned int i;

	for (i = 0; i < 256; i++) {
		uint32_t handler = (uint32_t)(irq_stubs + 16 * i);

		idt[i].offset_lo = handler;
		idt[i].selector = 0x08;
		idt[i].zero = 0;
		idt[i].flags = 0x8e;		/* present, 32-bit interrupt gate */
		idt[i].offset_hi = handler >> 16;
	}
	idt_load();
}

/* Both 8259s initialised and masked: they must not get in the way. */
static void pic_mask_all(void)
{
	outb(0x20, 0x11);
	outb(0x21, 0x20);
	outb(0x21, 0x04);
	outb(0x21, 0x01);
	outb(0xa0, 0x11);
	outb(0xa1, 0x28);
	outb(0xa1, 0x02);
	outb(0xa1, 0x01);
	outb(0x21, 0xff);
	outb(0xa1, 0xff);
}

static void ioapic_write(uint32_t reg, uint32_t v)
{
	mmio_write(IOAPIC, reg);
	mmio_write(IOAPIC + 0x10, v);
}

static uint32_t ioapic_read(uint32_t reg)
{
	mmio_write(IOAPIC, reg);
	return mmio_read(IOAPIC + 0x10);
}

static void ioapic_route(unsigned int pin, uint8_t vector, bool level)
{
	ioapic_write(0x11 + 2 * pin, 0);		/* to APIC ID 0 */
	ioapic_write(0x10 + 2 * pin, vector | (level ? 1u << 15 : 0));
}

static void ioapic_mask(unsigned int pin)
{
	ioapic_write(0x10 + 2 * pin, 1u << 16);
}

/* Wait, interrupts on, until count reaches want or we give up. */
static bool wait_irqs(uint8_t vector, unsigned int want)
{
	unsigned long spins;

	__asm__ volatile("sti");
	for (spins = 0; spins < 20000000 && irq_count[vector] < want; spins++)
		__asm__ volatile("pause");
	__asm__ volatile("cli");
	return irq_count[vector] >= want;
}

/* ------------------------------------------------------------ tests */

static void test_boot_state(void)
{
	uint32_t cr0, eflags;
	uint16_t cs;

	check_eq(boot_magic, 0x2badb002, "EAX holds the Multiboot magic");
	__asm__ volatile("mov %%cr0, %0" : "=r"(cr0));
	__asm__ volatile("pushfl; popl %0" : "=r"(eflags));
	__asm__ volatile("mov %%cs, %0" : "=r"(cs));
	check((cr0 & 1) && !(cr0 & 0x80000000), "protected mode, paging off");
	check(!(eflags & 0x200), "interrupts disabled at entry");
	check_eq(cs, 0x08, "running on our own GDT");
}

static uint32_t fw_cfg_read(uint16_t key, unsigned int len)
{
	uint32_t v = 0;
	unsigned int i;

	outw(FW_CFG_SEL, key);
	for (i = 0; i < len; i++)
		v |= (uint32_t)inb(FW_CFG_DATA) << (8 * i);
	return v;
}

static uint64_t fw_cfg_ram(void)
{
	uint64_t v = 0;
	unsigned int i;

	outw(FW_CFG_SEL, 0x03);
	for (i = 0; i < 8; i++)
		v |= (uint64_t)inb(FW_CFG_DATA) << (8 * i);
	return v;
}

static void test_boot_info(uint64_t ram)
{
	const uint32_t *info = (const uint32_t *)boot_info;
	uint32_t flags = info[0];
	uint64_t low_ram = ram < 0xc0000000ull ? ram : 0xc0000000ull;
	uint64_t mapped = 0;
	uint32_t off, mmap = info[12], mmap_len = info[11];

	check((flags & 0x41) == 0x41, "boot info has memory and memory map");
	check_eq(info[1], 639, "mem_lower is 639 KiB");
	check_eq(info[2], (uint32_t)((low_ram - 0x100000) / 1024),
		 "mem_upper matches the RAM size from fw_cfg");
	for (off = 0; off < mmap_len;) {
		const uint8_t *e = (const uint8_t *)(mmap + off);
		uint32_t size = *(const uint32_t *)e;

		if (*(const uint32_t *)(e + 20) == 1)
			mapped += *(const uint64_t *)(e + 12);
		off += size + 4;
	}
	check(mapped == ram - (0x100000 - 0x9fc00),
	      "memory map RAM adds up to fw_cfg's RAM size less the hole below 1 MiB");
	if (flags & (1 << 9))
		check(str_eq_n((const char *)info[16], "vmxlab", 7),
		      "boot loader name is vmxlab");
}

static void test_cmdline_and_module(void)
{
	const uint32_t *info = (const uint32_t *)boot_info;
	const char *cmdline = (info[0] & 4) ? (const char *)info[4] : "";
	const char *want, *name;
	size_t want_len, name_len;

	puts_serial("# command line: ");
	puts_serial(cmdline);
	puts_serial("\n");
	name = cmdline_value(cmdline, "argv0", &name_len);
	if (name) {
		size_t first = 0;

		while (cmdline[first] && cmdline[first] != ' ')
			first++;
		check(first >= name_len &&
		      str_eq_n(cmdline + first - name_len, name, name_len),
		      "argv[0] is the kernel's file name");
	}
	want = cmdline_value(cmdline, "module", &want_len);
	name = cmdline_value(cmdline, "modname", &name_len);
	if (!want)
		return;
	check((info[0] & 8) && info[5] == 1, "one module");
	if (!(info[0] & 8) || info[5] != 1)
		return;
	{
		const uint32_t *mod = (const uint32_t *)info[6];

		check(mod[1] - mod[0] >= want_len &&
		      str_eq_n((const char *)mod[0], want, want_len),
		      "module content as given");
		check(!(mod[0] & 0xfff), "module page aligned");
		if (name)
			check(str_eq_n((const char *)mod[2], name, name_len) &&
			      ((const char *)mod[2])[name_len] == 0,
			      "module string is the file name");
	}
}

static void test_fw_cfg(unsigned int *cpus)
{
	check_eq(fw_cfg_read(0x00, 4), 0x554d4551, "fw_cfg signature QEMU");
	*cpus = fw_cfg_read(0x05, 2);
	check(*cpus >= 1 && *cpus <= 64, "fw_cfg CPU count");
	puts_serial("# cpus ");
	put_dec(*cpus);
	puts_serial("\n");
}

static void test_platform(void)
{
	uint8_t sec, msr;

	outb(COM1 + 7, 0x5a);
	check_eq(inb(COM1 + 7), 0x5a, "serial scratch register");
	outb(COM1 + 4, 0x1a);			/* loopback, RTS, OUT2 */
	msr = inb(COM1 + 6);
	outb(COM1 + 4, 0x0b);			/* output works again */
	check_eq(msr & 0xf0, 0x90, "serial loopback modem status");
	check_eq(inb(COM1 + 5) & 0x60, 0x60, "serial transmitter empty");

	outb(0x70, 0x0d);
	check_eq(inb(0x71), 0x80, "RTC status D: battery good");
	outb(0x70, 0x00);
	sec = inb(0x71);
	check((sec & 0x0f) < 10 && (sec >> 4) < 6, "RTC seconds in BCD");

	outl(0xcf8, 0x80000000);
	check_eq(inl(0xcf8), 0x80000000, "PCI address register holds its value");
	check_eq(inl(0xcfc), 0xffffffff, "PCI bus 0 device 0: nothing there");
}

static void test_interrupts(void)
{
	mmio_write(LAPIC + 0xf0, 0x100 | VEC_SPURIOUS);	/* enable */
	mmio_write(LAPIC + 0x80, 0);			/* TPR 0 */
	check_eq(ioapic_read(0x01) & 0xff, 0x11, "IOAPIC version 0x11");
	check_eq((ioapic_read(0x01) >> 16) & 0xff, 23, "IOAPIC has 24 pins");

	/* edge: a rising edge is one interrupt */
	ioapic_route(TEST_PIN, VEC_EDGE, false);
	outb(ISA_IRQ_TEST + TEST_PIN, 1);
	check(wait_irqs(VEC_EDGE, 1), "IOAPIC edge interrupt from ISA test port");
	outb(ISA_IRQ_TEST + TEST_PIN, 0);
	outb(ISA_IRQ_TEST + TEST_PIN, 1);
	outb(ISA_IRQ_TEST + TEST_PIN, 0);
	check(wait_irqs(VEC_EDGE, 2), "second edge, second interrupt");
	check_eq(irq_count[VEC_EDGE], 2, "exactly two edge interrupts");
	ioapic_mask(TEST_PIN);

	/* level: the handler lowers the line before EOI, so exactly one */
	level_lower_in_handler = true;
	ioapic_route(TEST_PIN, VEC_LEVEL, true);
	outb(ISA_IRQ_TEST + TEST_PIN, 1);
	check(wait_irqs(VEC_LEVEL, 1), "IOAPIC level interrupt");
	wait_irqs(VEC_LEVEL, 2);
	check_eq(irq_count[VEC_LEVEL], 1, "level interrupt not repeated once lowered");
	check(!(ioapic_read(0x10 + 2 * TEST_PIN) & (1u << 14)),
	      "remote IRR clear after EOI");
	ioapic_mask(TEST_PIN);

	/* the serial port's THR-empty interrupt on IRQ 4 */
	ioapic_route(4, VEC_SERIAL, false);
	outb(COM1 + 1, 0x02);
	check(wait_irqs(VEC_SERIAL, 1), "serial THR-empty interrupt on IRQ 4");
	ioapic_mask(4);

	/* LAPIC timer, one-shot */
	mmio_write(LAPIC + 0x3e0, 0xb);			/* divide by 1 */
	mmio_write(LAPIC + 0x320, VEC_TIMER);		/* one-shot */
	mmio_write(LAPIC + 0x380, 100000);
	check(wait_irqs(VEC_TIMER, 1), "LAPIC timer one-shot interrupt");
	mmio_write(LAPIC + 0x320, 1u << 16);
}

#define MSR_TSC_DEADLINE	0x6e0
#define LVT_TSC_DEADLINE	(2u << 17)

/* The TSC-deadline timer, where the command line says it must be there. */
static void test_tsc_deadline(void)
{
	const uint32_t *info = (const uint32_t *)boot_info;
	const char *cmdline = (info[0] & 4) ? (const char *)info[4] : "";
	bool has = cpuid_ecx(1) & (1u << 24);
	const char *want;
	size_t len;

	want = cmdline_value(cmdline, "tscdeadline", &len);
	if (!want)
		return;
	if (!str_eq_n(want, "yes", 3)) {
		check(!has, "CPUID.1:ECX[24] (TSC deadline) clear");
		return;
	}
	check(has, "CPUID.1:ECX[24] (TSC deadline) set");
	if (!has)
		return;
	mmio_write(LAPIC + 0x320, VEC_TIMER | LVT_TSC_DEADLINE);
	irq_count[VEC_TIMER] = 0;
	wrmsr(MSR_TSC_DEADLINE, rdtsc() + 100000);
	check(wait_irqs(VEC_TIMER, 1), "LAPIC TSC-deadline timer interrupt");
	/* a deadline in the past fires at once; zero disarms */
	wrmsr(MSR_TSC_DEADLINE, 1);
	check(wait_irqs(VEC_TIMER, 2), "TSC deadline in the past fires");
	wrmsr(MSR_TSC_DEADLINE, 0);
	mmio_write(LAPIC + 0x320, 1u << 16);
}

static void delay(unsigned long n)
{
	while (n--)
		__asm__ volatile("pause");
}

static void lapic_ipi(uint32_t icr)
{
	mmio_write(LAPIC + 0x310, 0);
	mmio_write(LAPIC + 0x300, icr);
	while (mmio_read(LAPIC + 0x300) & (1u << 12))
		;
}

static void test_smp(unsigned int cpus)
{
	size_t len = trampoline_end - trampoline_start;
	unsigned long spins;
	size_t i;

	if (cpus < 2)
		return;
	for (i = 0; i < len; i++)
		((volatile char *)TRAMPOLINE)[i] = trampoline_start[i];
	*AP_COUNTER = 0;
	lapic_ipi(0x000c4500);		/* INIT, all excluding self */
	delay(100000);
	lapic_ipi(0x000c4600 | (TRAMPOLINE >> 12));	/* SIPI */
	delay(10000);
	lapic_ipi(0x000c4600 | (TRAMPOLINE >> 12));
	for (spins = 0; spins < 50000000 && *AP_COUNTER < cpus - 1; spins++)
		__asm__ volatile("pause");
	check_eq(*AP_COUNTER, cpus - 1, "every AP started by INIT/SIPI");
}

/* ------------------------------------------------------------ benchmark */

#define BENCH_WARMUP		50
#define BENCH_SAMPLES		1000

static void sort_u32(uint32_t *v, unsigned int n)
{
	unsigned int i, j;

	for (i = 1; i < n; i++) {
		uint32_t x = v[i];

		for (j = i; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

static void put_stats(const char *what, uint32_t *v, unsigned int n)
{
	sort_u32(v, n);
	puts_serial(what);
	puts_serial(" median ");
	put_dec(v[n / 2]);
	puts_serial(" p99 ");
	put_dec(v[n * 99 / 100]);
	puts_serial(" max ");
	put_dec(v[n - 1]);
}

/*
 * Interrupt latency through the launcher's machine: a write to the ISA
 * test port raises IOAPIC pin TEST_PIN (edge, unmasked, interrupts on),
 * and the handler notes the TSC on entry. "delivery" is from just before
 * the port write to the handler; "handled" adds the handler's EOI and the
 * return. Both include the port write's exit to the launcher, which every
 * irqchip mode shares; what differs is where the IOAPIC and the LAPIC
 * are, so where the interrupt is routed and injected, and the EOI.
 */
static void bench_irq(void)
{
	static uint32_t delivery[BENCH_SAMPLES], handled[BENCH_SAMPLES];
	unsigned int i, lost = 0;

	mmio_write(LAPIC + 0xf0, 0x100 | VEC_SPURIOUS);
	mmio_write(LAPIC + 0x80, 0);
	ioapic_route(TEST_PIN, VEC_BENCH, false);
	__asm__ volatile("sti");
	for (i = 0; i < BENCH_WARMUP + BENCH_SAMPLES; i++) {
		unsigned long spins = 0;
		uint64_t start, end;

		bench_handler_tsc = 0;
		start = rdtsc();
		outb(ISA_IRQ_TEST + TEST_PIN, 1);
		while (!bench_handler_tsc && ++spins < 10000000)
			__asm__ volatile("pause");
		end = rdtsc();
		outb(ISA_IRQ_TEST + TEST_PIN, 0);
		if (!bench_handler_tsc) {
			lost++;
			continue;
		}
		if (i >= BENCH_WARMUP) {
			delivery[i - BENCH_WARMUP] = bench_handler_tsc - start;
			handled[i - BENCH_WARMUP] = end - start;
		}
	}
	__asm__ volatile("cli");
	ioapic_mask(TEST_PIN);
	if (lost) {
		puts_serial("bench irq: ");
		put_dec(lost);
		puts_serial(" interrupts never came\nFAIL\n");
		outl(DEBUG_EXIT, 1);
		return;
	}
	puts_serial("bench irq: samples ");
	put_dec(BENCH_SAMPLES);
	put_stats(" delivery", delivery, BENCH_SAMPLES);
	put_stats(" handled", handled, BENCH_SAMPLES);
	puts_serial(" (guest TSC ticks)\nPASS\n");
	outl(DEBUG_EXIT, 0);
}

/* A decimal value of the command line, or def. */
static uint32_t cmdline_u32(const char *cmdline, const char *key, uint32_t def)
{
	size_t len, i;
	const char *v = cmdline_value(cmdline, key, &len);
	uint32_t n = 0;

	if (!v || !len)
		return def;
	for (i = 0; i < len && v[i] >= '0' && v[i] <= '9' && n < 100000000; i++)
		n = n * 10 + (v[i] - '0');
	return n;
}

/*
 * "vmxlab bench latency --source timer": the TSC-deadline timer, from
 * the deadline to the handler's first instruction (irq_dispatch's
 * RDTSC), the guest halted and then spinning. No exit is on the measured
 * path: the in-kernel LAPIC's timer fires in the host and injects. The
 * samples go to guest memory at BENCH_BUF for the launcher to read after
 * the guest ends; nothing is printed per sample.
 */
#define BENCH_BUF		0x400000u
#define BENCH_BUF_MAGIC		0x54414c56u	/* "VLAT" */
#define BENCH_MAX_SAMPLES	200000u
#define BENCH_DEADLINE_DELTA	20000u		/* ticks ahead */

struct bench_buf {
	uint32_t magic, samples, modes, lost;
	uint64_t ticks[];		/* modes * samples: halted, spinning */
};


/*
 * "bench=oneshot": the LAPIC timer in one-shot mode. Its deadline is not
 * a TSC value, so the guest first learns how many TSC ticks a count
 * lasts (over a long interval, so that the two reads of the current
 * count, which exit, hardly matter) and takes the deadline to be the
 * TSC before the write of the initial count plus that many counts: the
 * write's own exit, until the hypervisor starts the count, is in the
 * figure, as it is in every one-shot timer a guest arms.
 */
#define ONESHOT_COUNTS		20000u
#define ONESHOT_CALIBRATE	4000000u	/* TSC ticks */

static uint32_t oneshot_early;

/* n / d for a guest without libgcc: shift and subtract. */
static uint64_t div64_32(uint64_t n, uint32_t d)
{
	uint64_t q = 0, r = 0;
	int i;

	for (i = 63; i >= 0; i--) {
		r = (r << 1) | ((n >> i) & 1);
		if (r >= d) {
			r -= d;
			q |= 1ULL << i;
		}
	}
	return q;
}

/* TSC ticks per ONESHOT_COUNTS timer counts at divide-by-1; 0 if none. */
static uint64_t oneshot_calibrate(void)
{
	uint32_t c0, c1;
	uint64_t t0, t1;

	mmio_write(LAPIC + 0x3e0, 0xb);			/* divide by 1 */
	mmio_write(LAPIC + 0x320, (1u << 16) | VEC_BENCH); /* masked */
	mmio_write(LAPIC + 0x380, 0xffffffffu);
	t0 = rdtsc();
	c0 = mmio_read(LAPIC + 0x390);
	while (rdtsc() - t0 < ONESHOT_CALIBRATE)
		__asm__ volatile("pause");
	c1 = mmio_read(LAPIC + 0x390);
	t1 = rdtsc();
	mmio_write(LAPIC + 0x380, 0);
	if (c1 >= c0)
		return 0;
	return div64_32((t1 - t0) * ONESHOT_COUNTS, c0 - c1);
}

/*
 * One sample: arm the TSC-deadline timer 20,000 ticks ahead, or the
 * one-shot count that lasts @oneshot_ticks (0: TSC-deadline mode), then
 * halt or spin until the handler ran.
 */
static bool bench_timer_one(bool halt, uint64_t oneshot_ticks,
			    uint64_t *latency)
{
	unsigned long spins = 0;
	uint64_t deadline;

	bench_handler_tsc = 0;
	if (oneshot_ticks) {
		deadline = rdtsc() + oneshot_ticks;
		mmio_write(LAPIC + 0x380, ONESHOT_COUNTS);
	} else {
		deadline = rdtsc() + BENCH_DEADLINE_DELTA;
		wrmsr(MSR_TSC_DEADLINE, deadline);
	}
	if (halt) {
		__asm__ volatile("sti; hlt; cli");
	} else {
		__asm__ volatile("sti");
		while (!bench_handler_tsc && ++spins < 100000000)
			__asm__ volatile("pause");
		__asm__ volatile("cli");
	}
	if (!bench_handler_tsc)
		return false;
	/* Early (one-shot: the calibration's error): 0, and counted. */
	if (bench_handler_tsc < deadline)
		oneshot_early++;
	*latency = bench_handler_tsc > deadline ? bench_handler_tsc - deadline : 0;
	return true;
}

static void bench_timer(const char *cmdline, bool oneshot)
{
	volatile struct bench_buf *b = (volatile struct bench_buf *)BENCH_BUF;
	uint32_t samples = cmdline_u32(cmdline, "samples", 10000);
	uint32_t warmup = cmdline_u32(cmdline, "warmup", 1000);
	uint32_t mode, i, lost = 0;
	uint64_t counts_ticks = 0;

	if (samples > BENCH_MAX_SAMPLES)
		samples = BENCH_MAX_SAMPLES;
	b->magic = 0;
	if (!oneshot && !(cpuid_ecx(1) & (1u << 24))) {
		puts_serial("bench timer: no TSC-deadline timer (CPUID.1:ECX[24])\nFAIL\n");
		outl(DEBUG_EXIT, 1);
		return;
	}
	mmio_write(LAPIC + 0xf0, 0x100 | VEC_SPURIOUS);
	mmio_write(LAPIC + 0x80, 0);
	if (oneshot) {
		counts_ticks = oneshot_calibrate();
		if (!counts_ticks) {
			puts_serial("bench timer: the LAPIC timer does not count\nFAIL\n");
			outl(DEBUG_EXIT, 1);
			return;
		}
		puts_serial("bench timer: one-shot, ");
		put_dec(ONESHOT_COUNTS);
		puts_serial(" counts take ");
		put_dec((uint32_t)counts_ticks);
		puts_serial(" TSC ticks\n");
		mmio_write(LAPIC + 0x320, VEC_BENCH);	/* one-shot */
	} else {
		mmio_write(LAPIC + 0x320, VEC_BENCH | LVT_TSC_DEADLINE);
	}
	for (mode = 0; mode < 2; mode++) {
		for (i = 0; i < warmup + samples && lost < 1000; i++) {
			uint64_t t;
			if (!bench_timer_one(mode == 0, counts_ticks, &t)) {
				lost++;
				i--;
				continue;
			}
			if (i >= warmup)
				b->ticks[mode * samples + i - warmup] = t;
		}
	}
	mmio_write(LAPIC + 0x320, 1u << 16);
	if (oneshot_early) {
		puts_serial("bench timer: handlers before the deadline: ");
		put_dec(oneshot_early);
		puts_serial("\n");
	}
	b->samples = samples;
	b->modes = 2;
	b->lost = lost;
	b->magic = lost < 1000 ? BENCH_BUF_MAGIC : 0;
	puts_serial(lost < 1000 ? "bench timer: done\nPASS\n" :
		    "bench timer: interrupts lost\nFAIL\n");
	outl(DEBUG_EXIT, lost < 1000 ? 0 : 1);
}

/*
 * "vmxlab bench latency --source device": an edge interrupt on IOAPIC pin
 * BENCH_PIN that a thread of the launcher raises, from that thread's
 * trigger to the handler's first instruction. The guest and the thread
 * share a mailbox: the guest posts the number of the sample it waits for
 * and halts or spins; the thread waits a while (so that a halted guest
 * is asleep), writes its trigger moment converted to guest TSC and fires
 * (an irqfd with the IOAPIC in the kernel, else the launcher's IOAPIC).
 * The guest answers with the sample's number once its handler ran.
 */
#define BENCH_MAILBOX		0x3ff000u
#define BENCH_PIN		12

struct bench_mailbox {
	uint32_t ready;		/* guest: the sample it waits for, from 1 */
	uint32_t done;		/* guest: the last sample handled */
	uint64_t trigger;	/* host: when it fired, in guest TSC */
	uint32_t lost;		/* host: triggers it had to repeat */
	uint32_t finished;	/* guest: no more samples */
	uint32_t trigger_seq;	/* host: the sample trigger is for, after it */
};

/* Halted or spinning, interrupts on, until the bench vector's handler ran. */
static bool bench_wait_handler(bool halt)
{
	unsigned long spins = 0;

	if (halt) {
		/* sti's shadow covers hlt: an interrupt already due wakes it. */
		while (!bench_handler_tsc && ++spins < 1000000)
			__asm__ volatile("sti; hlt; cli");
	} else {
		__asm__ volatile("sti");
		while (!bench_handler_tsc && ++spins < 1000000000)
			__asm__ volatile("pause");
		__asm__ volatile("cli");
	}
	return bench_handler_tsc;
}

/*
 * An interrupt that comes before the host's trigger for this sample is a
 * repeat of the last one's (the host fires again when an answer is late):
 * it is waited past, and the sample is the trigger's own.
 */
static bool bench_device_one(volatile struct bench_mailbox *mb, uint32_t seq,
			     bool halt, uint64_t *latency)
{
	unsigned int early = 0;

	bench_handler_tsc = 0;
	mb->ready = seq;
	do {
		if (early)
			bench_handler_tsc = 0;
		if (!bench_wait_handler(halt))
			return false;
	} while (mb->trigger_seq != seq && ++early < 1000);
	if (mb->trigger_seq != seq)
		return false;
	*latency = bench_handler_tsc - mb->trigger;
	mb->done = seq;
	return true;
}

/*
 * "vmxlab bench latency --source net": the launcher's virtio-net device
 * (virtio-mmio version 2 at 0xd0000000, GSI 5), whose receive queue this
 * driver fills with buffers; the host sends a frame into the tap for
 * each sample, and the sample is the trigger to the handler of the
 * used-buffer interrupt, as for the device source. After each sample,
 * off the measured path, the interrupt is acknowledged and the buffer
 * given back (a QueueNotify, which exits or kicks an ioeventfd).
 */
#define VNET_BASE		0xd0000000u
#define VNET_PIN		5
#define VNET_QSIZE		8
#define VNET_BUF_SIZE		2048
#define VNET_RING(q)		(0x380000u + (q) * 0x3000u) /* desc, avail, used */
#define VNET_BUFS		0x388000u
#define VIRTIO_STATUS_ACK	1
#define VIRTIO_STATUS_DRIVER	2
#define VIRTIO_STATUS_DRIVER_OK	4
#define VIRTIO_STATUS_FEATURES_OK 8

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags, next;
};

static uint16_t vnet_avail_idx, vnet_used_seen;

static uint32_t vnet_read(uint32_t reg)
{
	return mmio_read(VNET_BASE + reg);
}

static void vnet_write(uint32_t reg, uint32_t v)
{
	mmio_write(VNET_BASE + reg, v);
}

static void vnet_queue(unsigned int q)
{
	uint32_t ring = VNET_RING(q);

	vnet_write(0x30, q);				/* QueueSel */
	vnet_write(0x38, VNET_QSIZE);			/* QueueNum */
	vnet_write(0x80, ring);				/* QueueDesc */
	vnet_write(0x84, 0);
	vnet_write(0x90, ring + 0x1000);		/* QueueDriver */
	vnet_write(0x94, 0);
	vnet_write(0xa0, ring + 0x2000);		/* QueueDevice */
	vnet_write(0xa4, 0);
	vnet_write(0x44, 1);				/* QueueReady */
}

/* Receive buffer @i on the avail ring; the device hears with a notify. */
static void vnet_give(unsigned int i)
{
	volatile uint16_t *avail = (volatile uint16_t *)(VNET_RING(0) + 0x1000);

	avail[2 + vnet_avail_idx % VNET_QSIZE] = i;
	__asm__ volatile("" ::: "memory");
	avail[1] = ++vnet_avail_idx;
}

/* Reset, VERSION_1 only, both queues, buffers in: false if no device. */
static bool vnet_setup(void)
{
	volatile struct vring_desc *desc =
		(volatile struct vring_desc *)VNET_RING(0);
	unsigned int i;

	if (vnet_read(0) != 0x74726976 || vnet_read(4) != 2 ||
	    vnet_read(8) != 1)
		return false;
	for (i = 0; i < 2 * 0x3000 / 4; i++)
		((volatile uint32_t *)VNET_RING(0))[i] = 0;
	vnet_write(0x70, 0);
	vnet_write(0x70, VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER);
	vnet_write(0x14, 1);				/* DeviceFeaturesSel */
	if (!(vnet_read(0x10) & 1))			/* VERSION_1 */
		return false;
	vnet_write(0x24, 1);				/* DriverFeaturesSel */
	vnet_write(0x20, 1);
	vnet_write(0x24, 0);
	vnet_write(0x20, 0);
	vnet_write(0x70, VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER |
			 VIRTIO_STATUS_FEATURES_OK);
	if (!(vnet_read(0x70) & VIRTIO_STATUS_FEATURES_OK))
		return false;
	for (i = 0; i < VNET_QSIZE; i++)
		desc[i] = (struct vring_desc){
			.addr = VNET_BUFS + i * VNET_BUF_SIZE,
			.len = VNET_BUF_SIZE, .flags = 2,	/* WRITE */
		};
	vnet_queue(0);
	vnet_queue(1);
	for (i = 0; i < VNET_QSIZE; i++)
		vnet_give(i);
	vnet_write(0x70, VIRTIO_STATUS_ACK | VIRTIO_STATUS_DRIVER |
			 VIRTIO_STATUS_FEATURES_OK | VIRTIO_STATUS_DRIVER_OK);
	vnet_write(0x50, 0);				/* QueueNotify rx */
	return true;
}

/* After a sample: acknowledge, and give back every buffer used. */
static void vnet_after_sample(void)
{
	volatile uint16_t *used = (volatile uint16_t *)(VNET_RING(0) + 0x2000);
	bool gave = false;

	vnet_write(0x64, vnet_read(0x60));		/* InterruptACK */
	while (vnet_used_seen != used[1]) {
		/* used->ring[i] is { u32 id, u32 len } from byte 4 */
		uint32_t id = *(volatile uint32_t *)(VNET_RING(0) + 0x2004 +
				(vnet_used_seen % VNET_QSIZE) * 8);

		vnet_give(id % VNET_QSIZE);
		vnet_used_seen++;
		gave = true;
	}
	if (gave)
		vnet_write(0x50, 0);
}

/* bench=device (IOAPIC pin 12) and bench=net (virtio-net's pin 5). */
static void bench_device(const char *cmdline, bool net)
{
	volatile struct bench_buf *b = (volatile struct bench_buf *)BENCH_BUF;
	volatile struct bench_mailbox *mb =
		(volatile struct bench_mailbox *)BENCH_MAILBOX;
	uint32_t samples = cmdline_u32(cmdline, "samples", 10000);
	uint32_t warmup = cmdline_u32(cmdline, "warmup", 1000);
	unsigned int pin = net ? VNET_PIN : BENCH_PIN;
	uint32_t mode, i, seq = 0;
	bool ok = true;

	if (samples > BENCH_MAX_SAMPLES)
		samples = BENCH_MAX_SAMPLES;
	b->magic = 0;
	if (net && !vnet_setup()) {
		puts_serial("bench net: no virtio-net device at 0xd0000000\nFAIL\n");
		outl(DEBUG_EXIT, 1);
		return;
	}
	mmio_write(LAPIC + 0xf0, 0x100 | VEC_SPURIOUS);
	mmio_write(LAPIC + 0x80, 0);
	ioapic_route(pin, VEC_BENCH, false);
	for (mode = 0; mode < 2 && ok; mode++) {
		for (i = 0; i < warmup + samples && ok; i++) {
			uint64_t t;

			ok = bench_device_one(mb, ++seq, mode == 0, &t);
			if (ok && i >= warmup)
				b->ticks[mode * samples + i - warmup] = t;
			if (net)
				vnet_after_sample();
		}
	}
	ioapic_mask(pin);
	if (net)
		vnet_write(0x70, 0);			/* reset */
	mb->finished = 1;
	b->samples = samples;
	b->modes = 2;
	b->lost = mb->lost;
	b->magic = ok ? BENCH_BUF_MAGIC : 0;
	puts_serial(!ok ? "bench device: an interrupt never came\nFAIL\n" :
		    net ? "bench net: done\nPASS\n" : "bench device: done\nPASS\n");
	outl(DEBUG_EXIT, ok ? 0 : 1);
}

/*
 * "vmxlab bench latency --source ipi": a fixed IPI from the BSP to the AP
 * (their threads on two host CPUs), from the BSP's ICR write to the AP's
 * handler. The AP, started into ap_main() by INIT/SIPI, posts the sample
 * it waits for and halts or spins; the BSP lets it settle, notes its TSC
 * and sends. Both ends are guest TSC values, each vCPU's own: the
 * launcher corrects for a difference of their TSC offsets.
 */
struct ipi_bench {
	volatile uint32_t ap_up;
	volatile uint32_t ap_gave_up;	/* AP: an IPI never came */
	volatile uint32_t ready;	/* AP: the sample it waits for, from 1 */
	volatile uint32_t done;		/* AP: the last sample handled */
	volatile uint64_t sent;		/* BSP: its TSC at the ICR write */
	uint32_t samples, warmup;
	volatile struct bench_buf *buf;
};

static struct ipi_bench ipi;

void ap_main(void);
void ap_main(void)
{
	uint32_t per_mode = ipi.warmup + ipi.samples, seq;

	idt_load();
	mmio_write(LAPIC + 0xf0, 0x100 | VEC_SPURIOUS);
	mmio_write(LAPIC + 0x80, 0);
	ipi.ap_up = 1;
	for (seq = 1; seq <= 2 * per_mode; seq++) {
		uint32_t mode = (seq - 1) / per_mode, i = (seq - 1) % per_mode;

		bench_handler_tsc = 0;
		ipi.ready = seq;
		if (!bench_wait_handler(mode == 0)) {
			ipi.ap_gave_up = 1;
			break;
		}
		if (i >= ipi.warmup)
			ipi.buf->ticks[mode * ipi.samples + i - ipi.warmup] =
				bench_handler_tsc - ipi.sent;
		ipi.done = seq;
	}
}

/* Wait for *p to reach want, spinning; false if it does not, or the AP quit. */
static bool spin_until(volatile uint32_t *p, uint32_t want)
{
	unsigned long spins;

	for (spins = 0; spins < 200000000 && *p < want && !ipi.ap_gave_up;
	     spins++)
		__asm__ volatile("pause");
	return *p >= want;
}

static void bench_ipi(const char *cmdline)
{
	volatile struct bench_buf *b = (volatile struct bench_buf *)BENCH_BUF;
	size_t len = ap_trampoline_end - ap_trampoline_start, k;
	uint32_t seq, per_mode, lost = 0;
	bool ok = true;

	ipi.samples = cmdline_u32(cmdline, "samples", 10000);
	ipi.warmup = cmdline_u32(cmdline, "warmup", 1000);
	if (ipi.samples > BENCH_MAX_SAMPLES)
		ipi.samples = BENCH_MAX_SAMPLES;
	ipi.buf = b;
	per_mode = ipi.warmup + ipi.samples;
	b->magic = 0;
	mmio_write(LAPIC + 0xf0, 0x100 | VEC_SPURIOUS);
	mmio_write(LAPIC + 0x80, 0);
	for (k = 0; k < len; k++)
		((volatile char *)TRAMPOLINE)[k] = ap_trampoline_start[k];
	lapic_ipi(0x000c4500);		/* INIT, all excluding self */
	delay(100000);
	lapic_ipi(0x000c4600 | (TRAMPOLINE >> 12));	/* SIPI */
	delay(10000);
	if (!ipi.ap_up)
		lapic_ipi(0x000c4600 | (TRAMPOLINE >> 12));
	ok = spin_until(&ipi.ap_up, 1);
	for (seq = 1; ok && seq <= 2 * per_mode; seq++) {
		uint64_t posted;

		ok = spin_until(&ipi.ready, seq);
		posted = rdtsc();
		while (ok && rdtsc() - posted < BENCH_DEADLINE_DELTA)
			__asm__ volatile("pause");
		while (ok) {
			mmio_write(LAPIC + 0x310, 1u << 24);	/* to APIC ID 1 */
			ipi.sent = rdtsc();
			mmio_write(LAPIC + 0x300, VEC_BENCH);	/* fixed */
			if (spin_until(&ipi.done, seq))
				break;
			ok = !ipi.ap_gave_up && ++lost < 1000;
		}
	}
	b->samples = ipi.samples;
	b->modes = 2;
	b->lost = lost;
	b->magic = ok ? BENCH_BUF_MAGIC : 0;
	puts_serial(ok ? "bench ipi: done\nPASS\n" :
		    "bench ipi: the AP did not start or an IPI never came\nFAIL\n");
	outl(DEBUG_EXIT, ok ? 0 : 1);
}

/* "bench=irq", "bench=timer", "bench=oneshot", "bench=device" or
 * "bench=ipi": true if a benchmark ran. */
static bool bench_requested(void)
{
	const uint32_t *info = (const uint32_t *)boot_info;
	const char *cmdline = (info[0] & 4) ? (const char *)info[4] : "";
	const char *mode;
	size_t len;

	mode = cmdline_value(cmdline, "bench", &len);
	if (mode && len == 3 && str_eq_n(mode, "irq", 3)) {
		bench_irq();
		return true;
	}
	if (mode && len == 5 && str_eq_n(mode, "timer", 5)) {
		bench_timer(cmdline, false);
		return true;
	}
	if (mode && len == 7 && str_eq_n(mode, "oneshot", 7)) {
		bench_timer(cmdline, true);
		return true;
	}
	if (mode && len == 6 && str_eq_n(mode, "device", 6)) {
		bench_device(cmdline, false);
		return true;
	}
	if (mode && len == 3 && str_eq_n(mode, "net", 3)) {
		bench_device(cmdline, true);
		return true;
	}
	if (mode && len == 3 && str_eq_n(mode, "ipi", 3)) {
		bench_ipi(cmdline);
		return true;
	}
	return false;
}

void mbtest_main(void);
void mbtest_main(void)
{
	unsigned int cpus = 1;
	uint64_t ram;

	puts_serial("mbtest: vmxlab Multiboot test kernel\n");
	idt_setup();
	pic_mask_all();
	if (bench_requested())
		return;
	test_boot_state();
	test_fw_cfg(&cpus);
	ram = fw_cfg_ram();
	test_boot_info(ram);
	test_cmdline_and_module();
	test_platform();
	test_interrupts();
	test_tsc_deadline();
	test_smp(cpus);

	puts_serial("# ");
	put_dec(checks - failures);
	puts_serial(" of ");
	put_dec(checks);
	puts_serial(" checks passed\n");
	puts_serial(failures ? "FAIL\n" : "PASS\n");
	outl(DEBUG_EXIT, failures);
}
