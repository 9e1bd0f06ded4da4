/* SPDX-License-Identifier: GPL-2.0 */
/*
 * QEMU's firmware configuration interface, the traditional port form:
 * a 16-bit selector written to 0x510, the item's bytes read one at a
 * time from 0x511. Test kernels read the CPU count and RAM size here.
 * Keys as QEMU numbers them (include/standard-headers/linux/qemu_fw_cfg.h):
 * 0x00 signature "QEMU", 0x01 interface ID, 0x03 RAM size (64-bit LE),
 * 0x05 CPU count (16-bit LE), 0x0f max CPUs, 0x19 file directory.
 * Portable; the caller locks.
 */
#ifndef VMXLAB_USER_FW_CFG_H
#define VMXLAB_USER_FW_CFG_H

#include <stdint.h>

#define FW_CFG_PORT_SEL		0x510
#define FW_CFG_PORT_DATA	0x511

#define FW_CFG_SIGNATURE	0x00
#define FW_CFG_ID		0x01
#define FW_CFG_RAM_SIZE		0x03
#define FW_CFG_NB_CPUS		0x05
#define FW_CFG_MAX_CPUS		0x0f
#define FW_CFG_FILE_DIR		0x19

#define FW_CFG_ID_TRADITIONAL	0x01	/* port interface; no DMA */

#define FW_CFG_MAX_ITEMS	32
#define FW_CFG_ITEM_MAX		16

struct fw_cfg_item {
	uint16_t key;
	uint8_t len;
	uint8_t data[FW_CFG_ITEM_MAX];
};

struct fw_cfg {
	uint16_t selector;
	uint32_t offset;
	unsigned int nr;
	struct fw_cfg_item items[FW_CFG_MAX_ITEMS];
};

/* The standard items for a machine with this many CPUs and bytes of RAM. */
void fw_cfg_init(struct fw_cfg *fw, unsigned int cpus, uint64_t ram_bytes);
int fw_cfg_add(struct fw_cfg *fw, uint16_t key, const void *data,
	       unsigned int len);
void fw_cfg_select(struct fw_cfg *fw, uint16_t key);
/* Reading past the end of an item, or an unknown item, gives 0. */
uint8_t fw_cfg_read_byte(struct fw_cfg *fw);

#endif
