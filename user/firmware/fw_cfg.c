// SPDX-License-Identifier: GPL-2.0
/*
 * fw_cfg items and the selector/data state machine.
 */
#include <string.h>

#include "firmware/fw_cfg.h"
#include "le.h"

int fw_cfg_add(struct fw_cfg *fw, uint16_t key, const void *data,
	       unsigned int len)
{
	struct fw_cfg_item *it;

	if (fw->nr == FW_CFG_MAX_ITEMS || len > FW_CFG_ITEM_MAX)
		return -1;
	it = &fw->items[fw->nr++];
	it->key = key;
	it->len = len;
	memcpy(it->data, data, len);
	return 0;
}

void fw_cfg_init(struct fw_cfg *fw, unsigned int cpus, uint64_t ram_bytes)
{
	uint8_t buf[8];

	memset(fw, 0, sizeof(*fw));
	fw_cfg_add(fw, FW_CFG_SIGNATURE, "QEMU", 4);
	put_le32(buf, FW_CFG_ID_TRADITIONAL);
	fw_cfg_add(fw, FW_CFG_ID, buf, 4);
	put_le64(buf, ram_bytes);
	fw_cfg_add(fw, FW_CFG_RAM_SIZE, buf, 8);
	put_le16(buf, cpus);
	fw_cfg_add(fw, FW_CFG_NB_CPUS, buf, 2);
	fw_cfg_add(fw, FW_CFG_MAX_CPUS, buf, 2);
	/* no files: a big-endian count of zero */
	memset(buf, 0, 4);
	fw_cfg_add(fw, FW_CFG_FILE_DIR, buf, 4);
}

void fw_cfg_select(struct fw_cfg *fw, uint16_t key)
{
	fw->selector = key;
	fw->offset = 0;
}

uint8_t fw_cfg_read_byte(struct fw_cfg *fw)
{
	unsigned int i;

	for (i = 0; i < fw->nr; i++) {
		const struct fw_cfg_item *it = &fw->items[i];

		if (it->key != fw->selector)
			continue;
		if (fw->offset >= it->len)
			return 0;
		return it->data[fw->offset++];
	}
	return 0;
}
