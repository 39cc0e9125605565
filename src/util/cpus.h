/* cpus.h - how many CPUs this process may really use. */
#ifndef WIMPATCH_CPUS_H
#define WIMPATCH_CPUS_H

/* Online CPUs limited by the affinity mask and a cgroup v2 CPU quota
 * (containers): wimlib's own default counts every CPU of the host. */
unsigned cpus_usable(void);

#endif
