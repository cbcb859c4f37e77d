// SPDX-License-Identifier: GPL-2.0
/*
 * Userspace workload for simgpu, the sample driver of the dma_fence
 * signalling tokens.  Linked statically for the QEMU initramfs.
 *
 *   simgpu-workload run [key=value...]   submit a mix of jobs, verify them
 *   simgpu-workload badinput             ioctl bad-input suite
 *   simgpu-workload close [jobs=N]       close the device with jobs pending
 *   simgpu-workload openmax [expect=N]   the device refuses open N+1
 *   simgpu-workload fuzz [procs=N seconds=S seed=N]
 *                                        hostile userspace: random ioctls,
 *                                        fields and fds from several
 *                                        processes; every fence must end
 *                                        signalled once, every error be an
 *                                        errno the uapi names
 *
 * Results are "key=value" lines; the exit status is non-zero if any
 * invariant was violated.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <dirent.h>
#include <linux/sync_file.h>
#include <drm/simgpu_drm.h>

typedef unsigned long long u64;

#define MAX_DEPS 2

struct job {
	int fd;
	unsigned int engine;
	unsigned int faults;
	unsigned int num_deps;
	unsigned int deps[MAX_DEPS];
	u64 seqno;
	u64 submit_ns;
	u64 signal_ns;
	int status;		/* 1 signalled ok, <0 error, 0 pending */
	int done;
};

static unsigned long violations;

static void invariant(const char *fmt, ...)
{
	va_list ap;

	if (violations++ < 20) {
		printf("violated: ");
		va_start(ap, fmt);
		vprintf(fmt, ap);
		va_end(ap);
		printf("\n");
	}
}

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + ts.tv_nsec;
}

static u64 rng_state = 88172645463325252ull;

static u64 rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* True with probability @ppm per million. */
static int roll(unsigned long ppm)
{
	return rnd() % 1000000 < ppm;
}

static int open_simgpu(void)
{
	char name[32], path[300];
	struct drm_version v;
	struct dirent *de;
	DIR *d = opendir("/dev/dri");
	int fd;

	if (!d)
		return -1;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, "renderD", 7))
			continue;
		snprintf(path, sizeof(path), "/dev/dri/%s", de->d_name);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			continue;
		memset(&v, 0, sizeof(v));
		memset(name, 0, sizeof(name));
		v.name = name;
		v.name_len = sizeof(name) - 1;
		if (!ioctl(fd, DRM_IOCTL_VERSION, &v) && !strcmp(name, "simgpu")) {
			closedir(d);
			return fd;
		}
		close(fd);
	}
	closedir(d);
	return -1;
}

static int get_param(int fd, unsigned int param, u64 *value)
{
	struct drm_simgpu_get_param p = { .param = param };

	if (ioctl(fd, DRM_IOCTL_SIMGPU_GET_PARAM, &p))
		return -errno;
	*value = p.value;
	return 0;
}

/* Status and signal time of a sync_file: 1 ok, <0 error, 0 pending. */
static int fence_info(int fd, u64 *ts)
{
	struct sync_fence_info fi;
	struct sync_file_info info;

	memset(&info, 0, sizeof(info));
	memset(&fi, 0, sizeof(fi));
	info.num_fences = 1;
	info.sync_fence_info = (u64)(uintptr_t)&fi;
	if (ioctl(fd, SYNC_IOC_FILE_INFO, &info))
		return -1000 - errno;
	*ts = fi.timestamp_ns;
	return fi.status;
}

static int submit(int fd, struct drm_simgpu_submit *s)
{
	s->size = sizeof(*s);
	return ioctl(fd, DRM_IOCTL_SIMGPU_SUBMIT, s) ? -errno : 0;
}

/*
 * The driver's debugfs file @file: in the DRM device's directory, the one
 * under dri/ whose name file starts with the driver's name (several
 * entries, or links, may name the same device).
 */
static FILE *open_debugfs(const char *file)
{
	char path[300], name[64];
	struct dirent *de;
	FILE *f = NULL;
	DIR *d = opendir("/sys/kernel/debug/dri");

	if (!d)
		return NULL;
	while (!f && (de = readdir(d))) {
		FILE *n;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%s/name", de->d_name);
		n = fopen(path, "r");
		if (!n)
			continue;
		if (fscanf(n, "%63s", name) == 1 && !strcmp(name, "simgpu")) {
			snprintf(path, sizeof(path), "/sys/kernel/debug/dri/%s/%s",
				 de->d_name, file);
			f = fopen(path, "r");
		}
		fclose(n);
	}
	closedir(d);
	return f;
}

/* Named counters from the driver's debugfs stats and dma_fence_token/stats. */
struct stats {
	long long submitted, signalled, misuse;
	int ok;
};

static void read_stats(struct stats *st)
{
	FILE *f = open_debugfs("stats");
	char key[64];
	long long v;

	memset(st, 0, sizeof(*st));
	if (!f)
		return;
	while (fscanf(f, "%63s %lld", key, &v) == 2) {
		if (!strcmp(key, "submitted"))
			st->submitted = v;
		else if (!strcmp(key, "signalled"))
			st->signalled = v;
	}
	fclose(f);
	st->ok = 1;
	/* The library's tracker, if it is on: every misuse_* counter. */
	f = fopen("/sys/kernel/debug/dma_fence_token/stats", "r");
	if (!f)
		return;
	while (fscanf(f, "%63s %lld", key, &v) == 2)
		if (!strncmp(key, "misuse_", 7))
			st->misuse += v;
	fclose(f);
}

static unsigned long arg_ul(int argc, char **argv, const char *key, unsigned long def)
{
	size_t n = strlen(key);
	int i;

	for (i = 2; i < argc; i++)
		if (!strncmp(argv[i], key, n) && argv[i][n] == '=')
			return strtoul(argv[i] + n + 1, NULL, 0);
	return def;
}

/* A rate in percent, "1" or "0.5", as parts per million. */
static unsigned long arg_ppm(int argc, char **argv, const char *key, const char *def)
{
	size_t n = strlen(key);
	const char *v = def;
	int i;

	for (i = 2; i < argc; i++)
		if (!strncmp(argv[i], key, n) && argv[i][n] == '=')
			v = argv[i] + n + 1;
	return (unsigned long)(strtod(v, NULL) * 10000.0 + 0.5);
}

static void harvest(struct job *jobs, unsigned int *outstanding, unsigned int *nout,
		    int timeout_ms)
{
	struct pollfd pfd[256];
	unsigned int i, k;
	int n;

	for (i = 0; i < *nout; i++) {
		pfd[i].fd = jobs[outstanding[i]].fd;
		pfd[i].events = POLLIN;
		pfd[i].revents = 0;
	}
	n = poll(pfd, *nout, timeout_ms);
	if (n <= 0) {
		if (timeout_ms)
			invariant("no fence signalled within %d ms (%u pending)",
				  timeout_ms, *nout);
		return;
	}
	for (i = 0, k = 0; i < *nout; i++) {
		struct job *j = &jobs[outstanding[i]];

		if (!(pfd[i].revents & POLLIN)) {
			outstanding[k++] = outstanding[i];
			continue;
		}
		j->status = fence_info(j->fd, &j->signal_ns);
		if (j->status == 0)
			invariant("job %u: poll says signalled, status pending",
				  outstanding[i]);
		j->done = 1;
	}
	*nout = k;
}

static int cmp_u64(const void *a, const void *b)
{
	u64 x = *(const u64 *)a, y = *(const u64 *)b;

	return x < y ? -1 : x > y;
}

static const char *fault_name(unsigned int f)
{
	return f & SIMGPU_SUBMIT_HANG ? "hang" : f & SIMGPU_SUBMIT_LOST_IRQ ? "lost-irq" :
	       f & SIMGPU_SUBMIT_ERROR ? "error" : "none";
}

/* Check the status of every job against what was injected. */
static void verify(struct job *jobs, unsigned int n, unsigned int engines)
{
	unsigned int i, e, d;
	int *prev = calloc(engines, sizeof(*prev));

	for (e = 0; e < engines; e++)
		prev[e] = 1;
	/* Submission order is seqno order on every engine. */
	for (i = 0; i < n; i++) {
		struct job *j = &jobs[i];
		unsigned int f = j->faults;
		int st = j->status;

		e = j->engine;
		if (st == -ETIMEDOUT) {
			if (!(f & (SIMGPU_SUBMIT_HANG | SIMGPU_SUBMIT_LOST_IRQ)))
				invariant("job %u (%s): -ETIMEDOUT", i, fault_name(f));
		} else if (st == -ECANCELED) {
			/* Only right behind a timeout on the same ring. */
			if (prev[e] != -ETIMEDOUT && prev[e] != -ECANCELED)
				invariant("job %u engine %u: -ECANCELED, previous job %d",
					  i, e, prev[e]);
		} else if (st == -EIO) {
			if (!(f & SIMGPU_SUBMIT_ERROR))
				invariant("job %u (%s): -EIO", i, fault_name(f));
		} else if (st == 1) {
			if (f & (SIMGPU_SUBMIT_HANG | SIMGPU_SUBMIT_ERROR))
				invariant("job %u (%s): completed without error", i,
					  fault_name(f));
		} else {
			invariant("job %u: status %d", i, st);
		}
		prev[e] = st;
		for (d = 0; d < j->num_deps; d++)
			if (j->signal_ns < jobs[j->deps[d]].signal_ns)
				invariant("job %u signalled before its in-fence, job %u",
					  i, j->deps[d]);
	}
	free(prev);
}

static int cmd_run(int argc, char **argv)
{
	unsigned long n = arg_ul(argc, argv, "jobs", 10000);
	unsigned long inflight = arg_ul(argc, argv, "inflight", 64);
	unsigned long dmin = arg_ul(argc, argv, "dur_min_us", 20);
	unsigned long dmax = arg_ul(argc, argv, "dur_max_us", 200);
	unsigned long hang = arg_ppm(argc, argv, "hang", "1");
	unsigned long lost = arg_ppm(argc, argv, "lost", "1");
	unsigned long err = arg_ppm(argc, argv, "error", "1");
	unsigned long chain = arg_ppm(argc, argv, "deps", "30");
	unsigned long engines_req = arg_ul(argc, argv, "engines", 0);
	unsigned int outstanding[256], nout = 0;
	unsigned long by[5] = { 0 }, inj[4] = { 0 }, with_deps = 0, nlat = 0;
	struct rlimit rl = { n + 256, n + 256 };
	u64 engines, t0, *lat;
	struct stats s0, s1;
	struct job *jobs;
	unsigned int i, d;
	int fd;

	rng_state ^= arg_ul(argc, argv, "seed", 1) * 0x9e3779b97f4a7c15ull;
	if (inflight > 256)
		inflight = 256;
	if (setrlimit(RLIMIT_NOFILE, &rl))
		perror("setrlimit");
	fd = open_simgpu();
	if (fd < 0) {
		printf("error=no simgpu render node\n");
		return 2;
	}
	if (get_param(fd, SIMGPU_PARAM_NUM_ENGINES, &engines))
		return 2;
	if (engines_req && engines_req < engines)
		engines = engines_req;
	jobs = calloc(n, sizeof(*jobs));
	lat = calloc(n, sizeof(*lat));
	read_stats(&s0);
	t0 = now_ns();

	for (i = 0; i < n; i++) {
		struct job *j = &jobs[i];
		struct drm_simgpu_submit s;
		int32_t fds[MAX_DEPS];
		int ret;

		j->engine = rnd() % engines;
		if (i && roll(chain)) {
			j->num_deps = 1 + rnd() % MAX_DEPS;
			for (d = 0; d < j->num_deps; d++) {
				/* The previous job (a chain), or a recent one. */
				j->deps[d] = d == 0 ? i - 1 : i - 1 - rnd() % (i < 64 ? i : 64);
				fds[d] = jobs[j->deps[d]].fd;
			}
			with_deps++;
		}
		memset(&s, 0, sizeof(s));
		s.engine = j->engine;
		s.flags = SIMGPU_SUBMIT_NO_RANDOM;
		if (roll(hang))
			s.flags |= SIMGPU_SUBMIT_HANG;
		else if (roll(lost))
			s.flags |= SIMGPU_SUBMIT_LOST_IRQ;
		else if (roll(err))
			s.flags |= SIMGPU_SUBMIT_ERROR;
		s.num_in_fences = j->num_deps;
		s.in_fences = (u64)(uintptr_t)fds;
		s.duration_ns = (dmin + rnd() % (dmax - dmin + 1)) * 1000;

		while (nout >= inflight)
			harvest(jobs, outstanding, &nout, 30000);
		for (;;) {
			j->submit_ns = now_ns();
			ret = submit(fd, &s);
			if (ret != -EAGAIN)
				break;
			harvest(jobs, outstanding, &nout, 30000);
		}
		if (ret) {
			invariant("job %u: submit failed: %s", i, strerror(-ret));
			n = i;
			break;
		}
		j->fd = s.out_fence;
		j->faults = s.faults;
		j->seqno = s.seqno;
		if (s.faults != (s.flags & SIMGPU_SUBMIT_FAULTS))
			invariant("job %u: faults %#x, asked for %#x", i, s.faults, s.flags);
		inj[s.faults & SIMGPU_SUBMIT_HANG ? 1 : s.faults & SIMGPU_SUBMIT_LOST_IRQ ? 2 :
		    s.faults & SIMGPU_SUBMIT_ERROR ? 3 : 0]++;
		outstanding[nout++] = i;
		harvest(jobs, outstanding, &nout, 0);
	}
	while (nout) {
		unsigned int before = nout;

		harvest(jobs, outstanding, &nout, 30000);
		if (nout == before)
			break;
	}
	t0 = now_ns() - t0;

	/* Signalled exactly once: the status and time never change. */
	for (i = 0; i < n; i++) {
		u64 ts = 0;
		int st = fence_info(jobs[i].fd, &ts);

		if (!jobs[i].done)
			invariant("job %u never signalled", i);
		else if (st != jobs[i].status || ts != jobs[i].signal_ns)
			invariant("job %u: status %d at %llu, later %d at %llu",
				  i, jobs[i].status, (unsigned long long)jobs[i].signal_ns,
				  st, (unsigned long long)ts);
	}
	verify(jobs, n, engines);

	for (i = 0; i < n; i++) {
		int st = jobs[i].status;

		by[st == 1 ? 0 : st == -EIO ? 1 : st == -ETIMEDOUT ? 2 :
		   st == -ECANCELED ? 3 : 4]++;
		if (st == 1 && jobs[i].signal_ns >= jobs[i].submit_ns)
			lat[nlat++] = jobs[i].signal_ns - jobs[i].submit_ns;
		close(jobs[i].fd);
	}
	qsort(lat, nlat, sizeof(*lat), cmp_u64);
	read_stats(&s1);
	if (!s0.ok || !s1.ok) {
		invariant("no simgpu stats in debugfs dri/");
	} else {
		if (s1.submitted - s0.submitted != (long long)n)
			invariant("driver counted %lld submits, expected %lu",
				  s1.submitted - s0.submitted, n);
		if (s1.signalled - s0.signalled != (long long)n)
			invariant("driver counted %lld fence signals for %lu jobs",
				  s1.signalled - s0.signalled, n);
		if (s1.misuse != s0.misuse)
			invariant("token tracker reported %lld misuses", s1.misuse - s0.misuse);
	}

	printf("jobs=%lu\nengines=%llu\nwith_deps=%lu\n", n, engines, with_deps);
	printf("injected_hang=%lu\ninjected_lost_irq=%lu\ninjected_error=%lu\n",
	       inj[1], inj[2], inj[3]);
	printf("status_ok=%lu\nstatus_eio=%lu\nstatus_etimedout=%lu\nstatus_ecanceled=%lu\n",
	       by[0], by[1], by[2], by[3]);
	printf("status_other=%lu\n", by[4]);
	printf("fences_signalled=%lld\n", s1.ok ? s1.signalled - s0.signalled : -1);
	printf("latency_p50_us=%llu\nlatency_p99_us=%llu\n",
	       nlat ? lat[nlat / 2] / 1000 : 0, nlat ? lat[nlat * 99 / 100] / 1000 : 0);
	printf("elapsed_ms=%llu\n", t0 / 1000000);
	printf("violations=%lu\n", violations);
	free(lat);
	free(jobs);
	close(fd);
	return violations ? 1 : 0;
}

/* Bad-input suite: every invalid ioctl gets its errno, the kernel logs nothing. */
static int kmsg_fd = -1;
static unsigned int tests, failed;

/* Kernel messages of level warning or worse since the last call. */
static int kmsg_new(char *buf, size_t len)
{
	char rec[1024];
	int found = 0;
	ssize_t r;

	if (kmsg_fd < 0)
		return 0;
	while ((r = read(kmsg_fd, rec, sizeof(rec) - 1)) > 0 || (r < 0 && errno == EPIPE)) {
		unsigned int pri;

		if (r <= 0)
			continue;
		rec[r] = 0;
		if (sscanf(rec, "%u,", &pri) == 1 && pri >> 3 == 0 && (pri & 7) <= 4) {
			const char *text = strchr(rec, ';');

			if (!found) {
				size_t l = strlen(text ? text + 1 : rec);

				l = l < len - 1 ? l : len - 1;
				memcpy(buf, text ? text + 1 : rec, l);
				buf[l] = 0;
			}
			found = 1;
		}
	}
	return found;
}

static void expect(const char *what, int ret, int err)
{
	char msg[256];

	tests++;
	if (kmsg_new(msg, sizeof(msg))) {
		failed++;
		printf("not ok %u - %s: kernel logged: %s", tests, what, msg);
		return;
	}
	if (ret == -err) {
		printf("ok %u - %s: %s\n", tests, what, err ? strerrorname_np(err) : "0");
	} else {
		failed++;
		printf("not ok %u - %s: got %d, expected %d\n", tests, what, ret, -err);
	}
}

static int bad_submit(int fd, void (*tweak)(struct drm_simgpu_submit *s, void *p), void *p)
{
	struct drm_simgpu_submit s;
	int ret;

	memset(&s, 0, sizeof(s));
	s.size = sizeof(s);
	s.duration_ns = 1000;
	s.flags = SIMGPU_SUBMIT_NO_RANDOM;
	if (tweak)
		tweak(&s, p);
	ret = ioctl(fd, DRM_IOCTL_SIMGPU_SUBMIT, &s) ? -errno : 0;
	if (!ret)
		close(s.out_fence);
	return ret;
}

#define TWEAK(name, body) \
	static void name(struct drm_simgpu_submit *s, void *p) { body; }

TWEAK(t_size0, s->size = 0)
TWEAK(t_size_small, s->size = sizeof(*s) - 8)
TWEAK(t_size_big, s->size = sizeof(*s) + 8)
TWEAK(t_flag_unknown, s->flags |= 1u << 4)
TWEAK(t_flag_high, s->flags |= 1u << 31)
TWEAK(t_two_faults, s->flags |= SIMGPU_SUBMIT_HANG | SIMGPU_SUBMIT_ERROR)
TWEAK(t_engine_n, s->engine = *(unsigned int *)p)
TWEAK(t_engine_max, s->engine = ~0u)
TWEAK(t_nfences_big, s->num_in_fences = SIMGPU_MAX_IN_FENCES + 1)
TWEAK(t_nfences_huge, s->num_in_fences = ~0u)
TWEAK(t_duration, s->duration_ns = SIMGPU_MAX_DURATION_NS + 1)
TWEAK(t_reserved0, s->reserved[0] = 1)
TWEAK(t_reserved1, s->reserved[1] = 1ull << 63)
TWEAK(t_fences_null, s->num_in_fences = 1; s->in_fences = 0)
TWEAK(t_fences_kernel, s->num_in_fences = 1; s->in_fences = ~0ull - 3)

static void t_fences(struct drm_simgpu_submit *s, void *p)
{
	s->num_in_fences = ((int32_t *)p)[0];
	s->in_fences = (u64)(uintptr_t)((int32_t *)p + 1);
}

static int cmd_badinput(void)
{
	int32_t fences[4];
	u64 engines = 0, v;
	struct drm_simgpu_get_param gp;
	int fd, pipefd[2], good, ret;
	u64 ts;
	unsigned int en;

	kmsg_fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (kmsg_fd >= 0)
		lseek(kmsg_fd, 0, SEEK_END);
	fd = open_simgpu();
	if (fd < 0) {
		printf("not ok 1 - no simgpu render node\n");
		return 1;
	}
	if (pipe(pipefd))
		return 1;

	/* Controls: the valid calls work. */
	expect("get_param version", get_param(fd, SIMGPU_PARAM_UAPI_VERSION, &v), 0);
	tests++;
	if (v == SIMGPU_UAPI_VERSION) {
		printf("ok %u - uapi version %llu\n", tests, v);
	} else {
		failed++;
		printf("not ok %u - uapi version %llu\n", tests, v);
	}
	expect("get_param engines", get_param(fd, SIMGPU_PARAM_NUM_ENGINES, &engines), 0);
	en = engines;
	{
		struct drm_simgpu_submit s;

		memset(&s, 0, sizeof(s));
		s.duration_ns = 1000;
		s.flags = SIMGPU_SUBMIT_NO_RANDOM;
		expect("valid submit", submit(fd, &s), 0);
		good = s.out_fence;
		struct pollfd pfd = { .fd = good, .events = POLLIN };

		poll(&pfd, 1, 10000);
		expect("valid job completes", fence_info(good, &ts) == 1 ? 0 : -EIO, 0);
	}

	expect("submit size 0", bad_submit(fd, t_size0, NULL), EINVAL);
	expect("submit size too small", bad_submit(fd, t_size_small, NULL), EINVAL);
	expect("submit size too big", bad_submit(fd, t_size_big, NULL), EINVAL);
	expect("submit unknown flag", bad_submit(fd, t_flag_unknown, NULL), EINVAL);
	expect("submit flag bit 31", bad_submit(fd, t_flag_high, NULL), EINVAL);
	expect("submit two faults", bad_submit(fd, t_two_faults, NULL), EINVAL);
	expect("submit engine = engines", bad_submit(fd, t_engine_n, &en), EINVAL);
	expect("submit engine ~0", bad_submit(fd, t_engine_max, NULL), EINVAL);
	expect("submit too many in-fences", bad_submit(fd, t_nfences_big, NULL), EINVAL);
	expect("submit ~0 in-fences", bad_submit(fd, t_nfences_huge, NULL), EINVAL);
	expect("submit duration too long", bad_submit(fd, t_duration, NULL), EINVAL);
	expect("submit reserved[0]", bad_submit(fd, t_reserved0, NULL), EINVAL);
	expect("submit reserved[1]", bad_submit(fd, t_reserved1, NULL), EINVAL);
	expect("submit in_fences NULL", bad_submit(fd, t_fences_null, NULL), EFAULT);
	expect("submit in_fences kernel address", bad_submit(fd, t_fences_kernel, NULL), EFAULT);
	fences[0] = 1; fences[1] = -1;
	expect("submit in-fence fd -1", bad_submit(fd, t_fences, fences), EBADF);
	fences[0] = 1; fences[1] = 1000;
	expect("submit in-fence fd not open", bad_submit(fd, t_fences, fences), EBADF);
	fences[0] = 1; fences[1] = fd;
	expect("submit in-fence is the DRM fd", bad_submit(fd, t_fences, fences), EINVAL);
	fences[0] = 1; fences[1] = pipefd[0];
	expect("submit in-fence is a pipe", bad_submit(fd, t_fences, fences), EINVAL);
	fences[0] = 2; fences[1] = good; fences[2] = -5;
	expect("submit second in-fence bad", bad_submit(fd, t_fences, fences), EBADF);
	fences[0] = 2; fences[1] = good; fences[2] = good;
	expect("submit same in-fence twice (valid)", bad_submit(fd, t_fences, fences), 0);

	memset(&gp, 0, sizeof(gp));
	gp.param = 1000;
	ret = ioctl(fd, DRM_IOCTL_SIMGPU_GET_PARAM, &gp) ? -errno : 0;
	expect("get_param unknown param", ret, EINVAL);
	memset(&gp, 0, sizeof(gp));
	gp.pad = 1;
	ret = ioctl(fd, DRM_IOCTL_SIMGPU_GET_PARAM, &gp) ? -errno : 0;
	expect("get_param pad", ret, EINVAL);
	ret = ioctl(fd, DRM_IOCTL_SIMGPU_GET_PARAM, (void *)8) ? -errno : 0;
	expect("get_param bad pointer", ret, EFAULT);
	ret = ioctl(fd, DRM_IOCTL_SIMGPU_SUBMIT, NULL) ? -errno : 0;
	expect("submit NULL argument", ret, EFAULT);
	ret = ioctl(fd, DRM_IOWR(DRM_COMMAND_BASE + 0x10, struct drm_simgpu_get_param),
		    &gp) ? -errno : 0;
	expect("unknown driver ioctl", ret, EINVAL);

	close(good);
	close(fd);
	printf("badinput tests=%u passed=%u failed=%u\n", tests, tests - failed, failed);
	return failed ? 1 : 0;
}

/* Close the device with jobs in flight: every fence ends -ECANCELED or done. */
static int cmd_close(int argc, char **argv)
{
	unsigned long n = arg_ul(argc, argv, "jobs", 48);
	unsigned long ok = 0, cancelled = 0, other = 0, pending = 0;
	int fds[256];
	unsigned int i;
	int fd;

	if (n > 256)
		n = 256;
	fd = open_simgpu();
	if (fd < 0) {
		printf("error=no simgpu render node\n");
		return 2;
	}
	for (i = 0; i < n; i++) {
		struct drm_simgpu_submit s;
		int32_t dep[1];

		memset(&s, 0, sizeof(s));
		s.engine = i % 4;
		s.flags = SIMGPU_SUBMIT_NO_RANDOM | (i == 5 ? SIMGPU_SUBMIT_HANG : 0);
		s.duration_ns = 1000000 + rnd() % 4000000;
		if (i % 3 == 1) {
			dep[0] = fds[i - 1];
			s.num_in_fences = 1;
			s.in_fences = (u64)(uintptr_t)dep;
		}
		if (submit(fd, &s)) {
			printf("error=submit %u failed\n", i);
			return 2;
		}
		fds[i] = s.out_fence;
	}
	close(fd);	/* postclose: everything still pending is cancelled */
	for (i = 0; i < n; i++) {
		struct pollfd pfd = { .fd = fds[i], .events = POLLIN };
		u64 ts;
		int st;

		if (poll(&pfd, 1, 0) != 1) {
			pending++;
			continue;
		}
		st = fence_info(fds[i], &ts);
		if (st == 1)
			ok++;
		else if (st == -ECANCELED)
			cancelled++;
		else
			other++;
		close(fds[i]);
	}
	printf("close jobs=%lu ok=%lu cancelled=%lu other=%lu pending=%lu\n",
	       n, ok, cancelled, other, pending);
	return pending || other || !cancelled ? 1 : 0;
}

/* Errnos a simgpu or sync_file call may return to a hostile caller. */
static int fuzz_errno_ok(int e)
{
	switch (e) {
	case EINVAL: case EFAULT: case EBADF: case EAGAIN: case ENOMEM:
	case EMFILE: case ENOTTY: case EACCES: case EPERM: case ENOSPC:
	case EINTR: case ENFILE:
		return 1;
	}
	return 0;
}

#define FUZZ_FENCES	512
#define FUZZ_DEVS	8

/* One process of the fuzzer; returns its violations. */
static unsigned long fuzz_proc(unsigned int id, u64 seed, unsigned int seconds)
{
	int devs[FUZZ_DEVS], fences[FUZZ_FENCES], stale[64];
	unsigned int ndevs = 0, nfences = 0, nstale = 0, i;
	unsigned long calls = 0, errors = 0, submitted = 0, closes = 0;
	unsigned long ok = 0, failed = 0, pending = 0;
	u64 end = now_ns() + (u64)seconds * 1000000000ull;
	union {
		struct drm_simgpu_submit s;
		struct drm_simgpu_get_param gp;
		unsigned char raw[256];
	} buf;

	rng_state = seed * 2654435761u + id + 1;
	for (i = 0; i < 64; i++)
		stale[i] = -1;
	while (now_ns() < end) {
		u64 x = rnd();
		int fd = ndevs ? devs[x % ndevs] : -1;
		int ret, e;

		calls++;
		switch ((x >> 8) % 16) {
		case 0:		/* open another context */
			if (ndevs < FUZZ_DEVS) {
				ret = open_simgpu();
				if (ret >= 0)
					devs[ndevs++] = ret;
			}
			continue;
		case 1:		/* close one, maybe with jobs in flight */
			if (ndevs) {
				unsigned int k = x % ndevs;

				close(devs[k]);
				if (nstale < 64)
					stale[nstale++] = devs[k];
				devs[k] = devs[--ndevs];
				closes++;
			}
			continue;
		case 2:		/* a random driver ioctl number, random bytes */
			for (i = 0; i < sizeof(buf.raw); i++)
				buf.raw[i] = rnd();
			ret = ioctl(fd, _IOC(x & 3, DRM_IOCTL_BASE,
					     DRM_COMMAND_BASE + (x >> 16) % 16,
					     (x >> 24) % sizeof(buf.raw)), &buf) ? errno : 0;
			break;
		case 3:		/* get_param, random fields */
			memset(&buf, 0, sizeof(buf));
			buf.gp.param = (x >> 16) % 8;
			buf.gp.pad = (x >> 20) % 4 == 0;
			ret = ioctl(fd, DRM_IOCTL_SIMGPU_GET_PARAM, &buf.gp) ? errno : 0;
			break;
		case 4:		/* a stale or random fd */
			memset(&buf, 0, sizeof(buf));
			buf.s.size = sizeof(buf.s);
			ret = ioctl(x % 2 ? stale[x % 64] : (int)(x >> 32) % 1024,
				    DRM_IOCTL_SIMGPU_SUBMIT, &buf.s) ? errno : 0;
			if (!ret && buf.s.out_fence >= 0) {
				/* A random fd may well be a simgpu file. */
				if (nfences < FUZZ_FENCES)
					fences[nfences++] = buf.s.out_fence;
				else
					close(buf.s.out_fence);
			}
			break;
		default: {	/* submit with random, mostly plausible, fields */
			int32_t in[4];
			unsigned int k;

			memset(&buf, 0, sizeof(buf));
			buf.s.size = (x >> 12) % 32 ? sizeof(buf.s) : (x >> 40) % 128;
			buf.s.engine = (x >> 16) % 8 ? (x >> 20) % 4 : (x >> 24);
			buf.s.flags = (x >> 28) % 4 ? (x >> 30) % 8 | SIMGPU_SUBMIT_NO_RANDOM :
						      (uint32_t)(x >> 32);
			if ((buf.s.flags & SIMGPU_SUBMIT_HANG) && (x >> 44) % 8)
				buf.s.flags &= ~SIMGPU_SUBMIT_HANG;
			buf.s.duration_ns = (x >> 34) % 16 ? (x >> 36) % 2000000 : x;
			buf.s.num_in_fences = (x >> 48) % 8 ? (x >> 50) % 4 : (x >> 52);
			for (k = 0; k < 4; k++) {
				u64 y = rnd();

				/* Own out-fences, stale fds, the device, junk. */
				if (y % 4 && nfences)
					in[k] = fences[y % nfences];
				else if (y % 4 == 1)
					in[k] = stale[y % 64];
				else if (y % 4 == 2)
					in[k] = fd;
				else
					in[k] = (int32_t)(y >> 16);
			}
			buf.s.in_fences = (x >> 56) % 16 ? (u64)(uintptr_t)in : x;
			if (!((x >> 58) % 16))
				buf.s.reserved[0] = 1;
			ret = ioctl(fd, DRM_IOCTL_SIMGPU_SUBMIT, &buf.s) ? errno : 0;
			if (!ret) {
				submitted++;
				if (nfences < FUZZ_FENCES) {
					fences[nfences++] = buf.s.out_fence;
				} else {
					close(fences[x % FUZZ_FENCES]);
					fences[x % FUZZ_FENCES] = buf.s.out_fence;
				}
			}
			break;
		}
		}
		e = ret;
		if (e) {
			errors++;
			if (!fuzz_errno_ok(e))
				invariant("fuzz %u: errno %d (%s) the uapi does not name",
					  id, e, strerror(e));
		}
	}
	for (i = 0; i < ndevs; i++)
		close(devs[i]);
	/*
	 * Every out-fence ends signalled, within 30 s in all: their contexts
	 * are closed now, which cancels what did not run.
	 */
	end = now_ns() + 30000000000ull;
	for (i = 0; i < nfences; i++) {
		struct pollfd pfd = { .fd = fences[i], .events = POLLIN };
		u64 now = now_ns(), ts;
		int st;

		if (poll(&pfd, 1, now < end ? (int)((end - now) / 1000000) : 0) != 1) {
			pending++;
			invariant("fuzz %u: out-fence %d never signalled", id, fences[i]);
			continue;
		}
		st = fence_info(fences[i], &ts);
		if (st == 1)
			ok++;
		else if (st == -EIO || st == -ETIMEDOUT || st == -ECANCELED)
			failed++;
		else
			invariant("fuzz %u: out-fence status %d", id, st);
		close(fences[i]);
	}
	printf("fuzz proc=%u calls=%lu errors=%lu submitted=%lu closes=%lu fences=%u",
	       id, calls, errors, submitted, closes, nfences);
	printf(" ok=%lu failed=%lu pending=%lu violations=%lu\n",
	       ok, failed, pending, violations);
	return violations;
}

/*
 * Open the device until it refuses: the driver's max_files cap (expect=N)
 * must refuse the open after N with EMFILE, whatever the process's limit.
 */
static int cmd_openmax(int argc, char **argv)
{
	unsigned int expect = arg_ul(argc, argv, "expect", 8), n = 0, i;
	int fds[1100], fd = -1, err = 0;

	while (n < 1100) {
		fd = open_simgpu();
		if (fd < 0) {
			err = errno;
			break;
		}
		fds[n++] = fd;
	}
	for (i = 0; i < n; i++)
		close(fds[i]);
	printf("openmax opened=%u expect=%u errno=%d\n", n, expect, err);
	return n == expect && err == EMFILE ? 0 : 1;
}

/* Several hostile processes at once; the exit status counts violations. */
static int cmd_fuzz(int argc, char **argv)
{
	unsigned int procs = arg_ul(argc, argv, "procs", 4);
	unsigned int seconds = arg_ul(argc, argv, "seconds", 10);
	u64 seed = arg_ul(argc, argv, "seed", 1);
	unsigned int i, bad = 0;
	int st;

	if (procs > 64)
		procs = 64;
	printf("fuzz procs=%u seconds=%u seed=%llu\n", procs, seconds, seed);
	for (i = 0; i < procs; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return 2;
		if (!pid)
			exit(fuzz_proc(i, seed, seconds) ? 1 : 0);
	}
	for (i = 0; i < procs; i++) {
		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			bad++;
	}
	printf("fuzz done procs=%u failed_procs=%u\n", procs, bad);
	return bad ? 1 : 0;
}

int main(int argc, char **argv)
{
	setvbuf(stdout, NULL, _IOLBF, 0);
	if (argc >= 2 && !strcmp(argv[1], "run"))
		return cmd_run(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "badinput"))
		return cmd_badinput();
	if (argc >= 2 && !strcmp(argv[1], "close"))
		return cmd_close(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "fuzz"))
		return cmd_fuzz(argc, argv);
	if (argc >= 2 && !strcmp(argv[1], "openmax"))
		return cmd_openmax(argc, argv);
	fprintf(stderr, "usage: %s run|badinput|close|fuzz|openmax [key=value...]\n",
		argv[0]);
	return 2;
}
