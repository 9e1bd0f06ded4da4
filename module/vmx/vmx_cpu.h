/* SPDX-License-Identifier: GPL-2.0 */
/*
 * VMX operation per CPU: the capability check at load, VMXON when the
 * first VM is created and VMXOFF when the last one goes, on every online
 * CPU and across CPU hotplug, reboot and suspend.
 */
#ifndef VMXLAB_VMX_CPU_H
#define VMXLAB_VMX_CPU_H

#include <linux/dcache.h>
#include "vmx_caps.h"

extern struct vmx_msrs vmx_msrs;

int vmx_cpu_setup(struct dentry *debugfs_dir);
void vmx_cpu_teardown(void);

/* Take and drop a reference on VMX operation; the first get turns it on. */
int vmx_get(void);
void vmx_put(void);

bool vmx_is_on_this_cpu(void);

#endif
