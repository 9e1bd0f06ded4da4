// SPDX-License-Identifier: GPL-2.0
/* Helpers shared by the vmxlab selftests; see vmxlab_test.h. */
#include <stdio.h>
#include <stdlib.h>

#include "vmxlab_test.h"

bool vmxlab_in_lab(void)
{
	const char *lab = getenv("VMXLAB_LAB");

	return lab && strcmp(lab, "1") == 0;
}

static int parse_cpu_line(struct vmx_state *st, const char *line)
{
	unsigned int cpu;
	char online[16];
	int vmxon, vmxe;

	if (sscanf(line, "cpu%u %15s vmxon %d cr4.vmxe %d", &cpu, online,
		   &vmxon, &vmxe) != 4)
		return -EPROTO;
	if (cpu >= VMXLAB_MAX_CPUS)
		return 0;
	st->cpu[cpu].online = strcmp(online, "online") == 0;
	st->cpu[cpu].vmxon = vmxon;
	st->cpu[cpu].cr4_vmxe = vmxe;
	if ((int)cpu + 1 > st->nr_cpus)
		st->nr_cpus = cpu + 1;
	return 0;
}

int vmx_state_read(struct vmx_state *st)
{
	char line[128];
	int enabled, ibpb, err = 0;
	FILE *f;

	memset(st, 0, sizeof(*st));
	f = fopen(VMXLAB_DEBUGFS_CPUS, "re");
	if (!f)
		return -errno;
	if (!fgets(line, sizeof(line), f) ||
	    sscanf(line, "users %u enabled %d vm_switch_ibpb %lu ibpb_on_cpu %d",
		   &st->users, &enabled, &st->vm_switch_ibpb, &ibpb) != 4)
		err = -EPROTO;
	st->enabled = enabled;
	st->ibpb_on_cpu = ibpb;
	while (!err && fgets(line, sizeof(line), f))
		err = parse_cpu_line(st, line);
	fclose(f);
	return err;
}

bool vmx_state_all(const struct vmx_state *st, bool on)
{
	int cpu;

	for (cpu = 0; cpu < st->nr_cpus; cpu++) {
		const struct vmx_cpu_state *c = &st->cpu[cpu];

		if (!c->online)
			continue;
		if (c->vmxon != on || c->cr4_vmxe != on)
			return false;
	}
	return true;
}

int online_cpus(void)
{
	return (int)sysconf(_SC_NPROCESSORS_ONLN);
}

int vmxlab_alloc_read(struct vmxlab_alloc *a)
{
	char key[32];
	long value;
	int found = 0;
	FILE *f = fopen(VMXLAB_DEBUGFS_ALLOC, "re");

	memset(a, 0, sizeof(*a));
	if (!f)
		return -errno;
	while (fscanf(f, "%31s %ld", key, &value) == 2) {
		long *slot = !strcmp(key, "vms") ? &a->vms :
			     !strcmp(key, "vcpus") ? &a->vcpus :
			     !strcmp(key, "bytes") ? &a->bytes :
			     !strcmp(key, "pages") ? &a->pages :
			     !strcmp(key, "guest_pages") ? &a->guest_pages :
			     !strcmp(key, "page_refs") ? &a->page_refs : NULL;

		if (slot) {
			*slot = value;
			found++;
		}
	}
	fclose(f);
	return found == 6 ? 0 : -EPROTO;
}

/* Copies the value of @key= on the kernel command line; false if none. */
bool lab_cmdline_string(const char *key, char *value, size_t size)
{
	char line[4096], *p;
	size_t n = strlen(key);
	FILE *fp = fopen("/proc/cmdline", "re");
	bool found = false;

	if (!fp)
		return false;
	if (fgets(line, sizeof(line), fp)) {
		for (p = strstr(line, key); p; p = strstr(p + 1, key)) {
			if ((p == line || p[-1] == ' ') && p[n] == '=') {
				snprintf(value, size, "%.*s",
					 (int)strcspn(p + n + 1, " \n"),
					 p + n + 1);
				found = true;
				break;
			}
		}
	}
	fclose(fp);
	return found;
}

uint64_t lab_cmdline_number(const char *key, uint64_t fallback)
{
	char value[64];

	if (!lab_cmdline_string(key, value, sizeof(value)))
		return fallback;
	return strtoull(value, NULL, 0);
}
