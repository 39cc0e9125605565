/* cpus.c - usable CPU count; see cpus.h. */
#include "config.h"

#include <sched.h>
#include <stdio.h>

#include "util/cpus.h"

/* cgroup v2: "max 100000" (no limit) or "200000 100000" (2 CPUs). */
static unsigned cgroup_quota(void)
{
	FILE *f = fopen("/sys/fs/cgroup/cpu.max", "r");
	long long quota, period;
	unsigned n = 0;

	if (!f)
		return 0;
	if (fscanf(f, "%lld %lld", &quota, &period) == 2 && quota > 0 && period > 0)
		n = (unsigned)((quota + period - 1) / period);
	fclose(f);
	return n;
}

unsigned cpus_usable(void)
{
	cpu_set_t set;
	unsigned n = 1;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		n = (unsigned)CPU_COUNT(&set);
	unsigned q = cgroup_quota();
	if (q && q < n)
		n = q;
	return n;
}
