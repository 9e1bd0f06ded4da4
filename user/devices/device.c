// SPDX-License-Identifier: GPL-2.0
/*
 * The device registry (see device.h): the types, sorted as they
 * register, and the instances of one run, walked by the launcher's
 * steps.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "devices/device.h"
#include "vm.h"

static const struct device_type *types[DEVICE_TYPES_MAX];
static unsigned int nr_types;

static bool type_before(const struct device_type *a,
			const struct device_type *b)
{
	if (a->level != b->level)
		return a->level < b->level;
	return strcmp(a->name, b->name) < 0;
}

/* Constructors run in link order: sort here so that order never matters. */
void device_type_register(const struct device_type *type)
{
	unsigned int i;

	if (nr_types == DEVICE_TYPES_MAX) {
		fprintf(stderr, "vmxlab: more than %d device types\n",
			DEVICE_TYPES_MAX);
		abort();
	}
	for (i = nr_types; i && type_before(type, types[i - 1]); i--)
		types[i] = types[i - 1];
	types[i] = type;
	nr_types++;
}

static int device_create(struct vm *vm, const struct device_type *type,
			 struct device ***tail, struct errbuf *err)
{
	struct device *d = calloc(1, sizeof(*d));
	int rc;

	if (d)
		d->priv = calloc(1, type->size ? type->size : 1);
	if (!d || !d->priv) {
		free(d);
		return errbuf_set(err, "%s: out of memory", type->name);
	}
	d->type = type;
	rc = type->init(vm, d->priv, err);
	if (rc) {
		free(d->priv);
		free(d);
		return rc == DEVICE_ABSENT ? 0 : -1;
	}
	**tail = d;
	*tail = &d->next;
	return 0;
}

int devices_init(struct vm *vm, struct errbuf *err)
{
	struct device **tail = &vm->devices;
	unsigned int i;

	while (*tail)
		tail = &(*tail)->next;
	for (i = 0; i < nr_types; i++)
		if (device_create(vm, types[i], &tail, err))
			return -1;
	return 0;
}

void devices_start(struct vm *vm)
{
	struct device *d;

	for (d = vm->devices; d; d = d->next)
		if (d->type->start)
			d->type->start(vm, d->priv);
}

void devices_acpi(struct vm *vm, struct acpi_config *cfg)
{
	struct device *d;

	for (d = vm->devices; d; d = d->next)
		if (d->type->acpi)
			d->type->acpi(vm, d->priv, cfg);
}

static void device_exit_from(struct vm *vm, struct device *d)
{
	if (!d)
		return;
	device_exit_from(vm, d->next);
	if (d->type->exit)
		d->type->exit(vm, d->priv);
}

/*
 * The instances stay allocated until the process ends: a device's
 * detached thread (the serial input's, blocked in read()) may still
 * look at it.
 */
void devices_exit(struct vm *vm)
{
	device_exit_from(vm, vm->devices);
}
