/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Where the launcher puts things in low guest memory. Everything below
 * BOOT_LOW_END and from BOOT_EBDA_GPA to 1 MiB belongs to the launcher;
 * kernels, flat binaries and modules go elsewhere. A Multiboot kernel may
 * ask for any RAM outside the BIOS areas (below 0x500 and from the EBDA
 * to 1 MiB): where it asks for the launcher's low area, the Multiboot
 * loader moves its own structures out of the way.
 *
 *   0x00000  real-mode IVT, BIOS data area (left zero)
 *   0x01000  GDT: 0x08 code32, 0x10 code64, 0x18 data (Linux's
 *            __BOOT_CS 0x10 and __BOOT_DS 0x18)
 *   0x02000  page tables for the 64-bit entry: PML4, PDPT, four PDs
 *            identity-mapping 0-4 GiB with 2 MiB pages
 *   0x08000  Linux boot_params (zero page) or Multiboot info
 *   0x0a000  stack top for entry (grows down)
 *   0x10000  Multiboot memory map, module list and strings
 *   0x20000  kernel command line (up to 64 KiB)
 *   0x9fc00  EBDA, reserved
 *   0xe0000  ACPI tables (RSDP first, where a legacy scan finds it)
 *   0xf0000  MP table
 */
#ifndef VMXLAB_USER_BOOT_LAYOUT_H
#define VMXLAB_USER_BOOT_LAYOUT_H

#define BOOT_BDA_END		0x500ULL
#define BOOT_GDT_GPA		0x1000ULL
#define BOOT_PML4_GPA		0x2000ULL
#define BOOT_PDPT_GPA		0x3000ULL
#define BOOT_PD_GPA		0x4000ULL	/* four: 0x4000-0x7fff */
#define BOOT_INFO_GPA		0x8000ULL
#define BOOT_STACK_TOP		0xa000ULL
#define BOOT_MB_EXTRA_GPA	0x10000ULL
#define BOOT_MB_EXTRA_SIZE	0x10000ULL
#define BOOT_CMDLINE_GPA	0x20000ULL
#define BOOT_CMDLINE_MAX	0x10000ULL
#define BOOT_LOW_END		0x30000ULL
#define BOOT_EBDA_GPA		0x9fc00ULL
#define BOOT_VGA_GPA		0xa0000ULL
#define BOOT_ROM_GPA		0xc0000ULL
#define BOOT_BIOS_GPA		0xe0000ULL
#define BOOT_ACPI_GPA		0xe0000ULL
#define BOOT_ACPI_SIZE		0x10000ULL
#define BOOT_MPTABLE_GPA	0xf0000ULL
#define BOOT_HIGH_GPA		0x100000ULL

#define BOOT_SEL_CODE32		0x08
#define BOOT_SEL_CODE64		0x10
#define BOOT_SEL_DATA		0x18

#endif
