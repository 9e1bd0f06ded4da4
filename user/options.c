// SPDX-License-Identifier: GPL-2.0
/*
 * The command-line parser: "--name VALUE" and "--name=VALUE" forms, every
 * value checked here so that the rest of the launcher can trust it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "options.h"

const char options_usage[] =
	"usage: vmxlab COMMAND [OPTIONS]\n"
	"\n"
	"Commands:\n"
	"  run        boot a guest (vmxlab run --help for its options)\n"
	"  bench      measure interrupt latency (vmxlab bench --help)\n"
	"\n"
	"  --help     show this text\n"
	"  --version  print the version (the module's, as modinfo shows it)\n";

const char options_run_usage[] =
	"usage: vmxlab run --kernel FILE [OPTIONS]\n"
	"\n"
	"Boots a Linux bzImage (64-bit boot protocol), a Multiboot v1 kernel\n"
	"(ELF32/ELF64 or a.out kludge, anywhere in RAM outside the BIOS areas,\n"
	"below 1 MiB too) or, with --flat, a flat binary.\n"
	"\n"
	"  --kernel FILE         the guest kernel\n"
	"  --initrd FILE         initial ramdisk (Linux) or module (Multiboot)\n"
	"  --cmdline STR         kernel command line; a Multiboot kernel gets\n"
	"                        FILE (as given to --kernel), a space and STR,\n"
	"                        as QEMU and GRUB pass it (its argv[0])\n"
	"  --mem MB              guest memory in MiB (default 256; 4..65536;\n"
	"                        a K, M or G suffix is accepted)\n"
	"  --cpus N              vCPUs (default 1, at most 64)\n"
	"  --irqchip MODE        kernel (default), split or user: where the\n"
	"                        interrupt controllers run\n"
	"  --net tap=NAME[,backend=user|vmxlab|vhost-net]\n"
	"                        virtio-net on the tap device NAME; its rings are\n"
	"                        served by the launcher (user), by vmxlab.ko\n"
	"                        (/dev/vmxlab-net) or by Linux (/dev/vhost-net);\n"
	"                        default: the first in-kernel one that opens\n"
	"  --device PATH         the hypervisor device (default /dev/vmxlab;\n"
	"                        /dev/kvm works the same)\n"
	"  --flat ADDR           the kernel is a flat binary: load it at ADDR\n"
	"                        and enter it there in 32-bit protected mode\n"
	"  --stats               print per-vCPU exit counts at the end\n"
	"  --help                show this text\n"
	"\n"
	"Serial console on stdin/stdout; Ctrl-A x quits.\n"
	"Exit status: 0 guest powered off or rebooted; (v << 1) | 1 guest wrote\n"
	"v to port 0xf4; 2 bad usage; 3 set-up failed; 4 guest crashed\n"
	"(triple fault, internal error); 130 interrupted.\n";

const char *irqchip_mode_name(enum irqchip_mode mode)
{
	switch (mode) {
	case IRQCHIP_KERNEL:
		return "kernel";
	case IRQCHIP_SPLIT:
		return "split";
	case IRQCHIP_USER:
		return "user";
	}
	return "?";
}

static int parse_u64(const char *s, uint64_t *val)
{
	char *end;

	if (!*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	*val = strtoull(s, &end, 0);
	if (errno || *end)
		return -1;
	return 0;
}

/* MiB, or a number with a K/M/G suffix converted to MiB. */
static int parse_mem(const char *s, uint64_t *mb, struct errbuf *err)
{
	uint64_t shift_kb = 10;	/* bare numbers are MiB: 2^10 KiB */
	char buf[32];
	size_t len = strlen(s);
	uint64_t val;

	if (!len || len >= sizeof(buf))
		goto bad;
	memcpy(buf, s, len + 1);
	switch (buf[len - 1]) {
	case 'k': case 'K':
		shift_kb = 0;
		buf[--len] = 0;
		break;
	case 'm': case 'M':
		buf[--len] = 0;
		break;
	case 'g': case 'G':
		shift_kb = 20;
		buf[--len] = 0;
		break;
	}
	if (parse_u64(buf, &val) || val > (UINT64_MAX >> 30))
		goto bad;
	val <<= shift_kb;		/* now KiB */
	if (val % 1024)
		return errbuf_set(err, "--mem %s: not a whole number of MiB", s);
	*mb = val / 1024;
	if (*mb < OPT_MIN_MEM_MB || *mb > OPT_MAX_MEM_MB)
		return errbuf_set(err, "--mem %s: must be %d to %d MiB", s,
				  OPT_MIN_MEM_MB, OPT_MAX_MEM_MB);
	return 0;
bad:
	return errbuf_set(err, "--mem '%s': not a size (MiB, or with K/M/G)", s);
}

static const char *const net_backend_names[] = {
	[NET_BACKEND_AUTO] = "auto",
	[NET_BACKEND_USER] = "user",
	[NET_BACKEND_VMXLAB] = "vmxlab",
	[NET_BACKEND_VHOST_NET] = "vhost-net",
};

const char *net_backend_name(enum net_backend backend)
{
	return net_backend_names[backend];
}

static int parse_net_backend(const char *s, const char *arg,
			     struct vmxlab_options *opts, struct errbuf *err)
{
	unsigned int i;

	for (i = NET_BACKEND_USER; i <= NET_BACKEND_VHOST_NET; i++) {
		if (!strcmp(s, net_backend_names[i])) {
			opts->net_backend = i;
			return 0;
		}
	}
	return errbuf_set(err, "--net '%s': backend must be user, vmxlab or vhost-net",
			  arg);
}

static int parse_net(const char *s, struct vmxlab_options *opts,
		     struct errbuf *err)
{
	const char *name, *comma;
	size_t len;

	if (strncmp(s, "tap=", 4))
		return errbuf_set(err, "--net '%s': expected tap=NAME[,backend=B]", s);
	name = s + 4;
	comma = strchr(name, ',');
	len = comma ? (size_t)(comma - name) : strlen(name);
	if (!len || len > OPT_MAX_TAP_NAME || memchr(name, '/', len) ||
	    memchr(name, ' ', len))
		return errbuf_set(err,
				  "--net '%s': tap name must be 1 to %d characters, no '/' or spaces",
				  s, OPT_MAX_TAP_NAME);
	memcpy(opts->tap_name, name, len);
	opts->tap_name[len] = 0;
	opts->tap = opts->tap_name;
	opts->net_backend = NET_BACKEND_AUTO;
	if (!comma)
		return 0;
	if (strncmp(comma + 1, "backend=", 8))
		return errbuf_set(err, "--net '%s': after the tap name, expected ,backend=user|vmxlab|vhost-net",
				  s);
	return parse_net_backend(comma + 9, s, opts, err);
}

static int parse_run_option(const char *name, const char *val,
			    struct vmxlab_options *opts, struct errbuf *err)
{
	uint64_t n;

	if (!strcmp(name, "kernel")) {
		opts->kernel = val;
	} else if (!strcmp(name, "initrd")) {
		opts->initrd = val;
	} else if (!strcmp(name, "cmdline")) {
		opts->cmdline = val;
	} else if (!strcmp(name, "device")) {
		if (!*val)
			return errbuf_set(err, "--device: empty path");
		opts->device = val;
	} else if (!strcmp(name, "mem")) {
		return parse_mem(val, &opts->mem_mb, err);
	} else if (!strcmp(name, "cpus")) {
		if (parse_u64(val, &n) || n < 1 || n > OPT_MAX_CPUS)
			return errbuf_set(err, "--cpus '%s': must be 1 to %d",
					  val, OPT_MAX_CPUS);
		opts->cpus = n;
	} else if (!strcmp(name, "irqchip")) {
		if (!strcmp(val, "kernel"))
			opts->irqchip = IRQCHIP_KERNEL;
		else if (!strcmp(val, "split"))
			opts->irqchip = IRQCHIP_SPLIT;
		else if (!strcmp(val, "user"))
			opts->irqchip = IRQCHIP_USER;
		else
			return errbuf_set(err,
					  "--irqchip '%s': must be kernel, split or user",
					  val);
	} else if (!strcmp(name, "net")) {
		return parse_net(val, opts, err);
	} else if (!strcmp(name, "flat")) {
		if (parse_u64(val, &n) || n >= (1ULL << 32))
			return errbuf_set(err,
					  "--flat '%s': not an address below 4 GiB",
					  val);
		opts->flat = true;
		opts->flat_addr = n;
	} else {
		return errbuf_set(err, "unknown option --%s (see vmxlab run --help)",
				  name);
	}
	return 0;
}

static bool is_flag(const char *name)
{
	return !strcmp(name, "stats") || !strcmp(name, "help");
}

static int parse_run(int argc, char **argv, struct vmxlab_options *opts,
		     struct errbuf *err)
{
	int i;

	for (i = 0; i < argc; i++) {
		const char *arg = argv[i];
		char name[32];
		const char *val, *eq;
		size_t len;

		if (strncmp(arg, "--", 2) || !arg[2])
			return errbuf_set(err, "unexpected argument '%s' (options start with --)",
					  arg);
		arg += 2;
		eq = strchr(arg, '=');
		len = eq ? (size_t)(eq - arg) : strlen(arg);
		if (len >= sizeof(name))
			return errbuf_set(err, "unknown option --%.*s", (int)len, arg);
		memcpy(name, arg, len);
		name[len] = 0;

		if (is_flag(name)) {
			if (eq)
				return errbuf_set(err, "--%s takes no value", name);
			if (!strcmp(name, "help")) {
				opts->command = CMD_RUN_HELP;
				return 0;
			}
			opts->stats = true;
			continue;
		}
		if (eq) {
			val = eq + 1;
		} else {
			if (i + 1 >= argc)
				return errbuf_set(err, "--%s needs a value", name);
			val = argv[++i];
		}
		if (parse_run_option(name, val, opts, err))
			return -1;
	}
	if (!opts->kernel)
		return errbuf_set(err, "run: --kernel FILE is required");
	if (opts->flat && opts->initrd)
		return errbuf_set(err, "--initrd cannot be used with --flat");
	return 0;
}

int options_parse(int argc, char **argv, struct vmxlab_options *opts,
		  struct errbuf *err)
{
	memset(opts, 0, sizeof(*opts));
	opts->command = CMD_HELP;
	opts->device = OPT_DEFAULT_DEVICE;
	opts->mem_mb = OPT_DEFAULT_MEM_MB;
	opts->cpus = 1;
	opts->irqchip = IRQCHIP_KERNEL;

	if (argc < 2)
		return 0;
	if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") ||
	    !strcmp(argv[1], "help"))
		return 0;
	if (strcmp(argv[1], "run"))
		return errbuf_set(err, "unknown command '%s' (see vmxlab --help)",
				  argv[1]);
	opts->command = CMD_RUN;
	return parse_run(argc - 2, argv + 2, opts, err);
}
