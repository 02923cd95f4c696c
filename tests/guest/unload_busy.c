// SPDX-License-Identifier: GPL-2.0-only
/*
 * Unloading while things are in use is refused or clean, never a crash:
 *   - vic while vic_mdev or vic_test use it: refused;
 *   - vic_mdev while a process that holds a device open (generator running,
 *     eventfds closed by user space) is killed: refused, then clean;
 *   - vic_mdev while an instance's removal waits for its user: refused;
 *     the removal and the unload complete once the user closes;
 *   - vic_mdev with live instances whose VFIO group (not device) is held
 *     open and attached to a container: clean and prompt; the group fd
 *     then fails cleanly;
 *   - vic_mdev while a debugfs file of an instance is held open: clean;
 *     the open file then reads -EIO, and it keeps vic loaded until closed;
 *   - vic_mdev while another thread creates and removes instances: clean;
 *   - vic_test with a context whose hrtimer raises IMS vectors: refused,
 *     then clean once closed.
 * (mdev_lifecycle covers unload with an open device and with closed
 * instances.)
 */
#include <dirent.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "../lib/vt.h"
#include "mdev_common.h"

#define PARAMS "nvec=8 nr_emulated=2"

static int rmmod(const char *name)
{
	return syscall(SYS_delete_module, name, O_NONBLOCK);
}

/* rmmod, retrying while a file closed a moment ago still holds the module */
static int rmmod_soon(const char *name)
{
	int i, ret = -1;

	for (i = 0; i < 200; i++) {
		ret = rmmod(name);
		if (!ret || errno != EWOULDBLOCK)
			break;
		usleep(10000);
	}
	return ret;
}

static int count_dir_entries(const char *path)
{
	struct dirent *de;
	DIR *dir = opendir(path);
	int n = 0;

	if (!dir)
		return errno == ENOENT ? 0 : -1;
	while ((de = readdir(dir)))
		n += de->d_name[0] != '.';
	closedir(dir);
	return n;
}

static void reload(void)
{
	if (vicdev_load(PARAMS))
		mt_bail("loading the modules");
}

static void test_vic_in_use(void)
{
	char uuid[VICDEV_UUID_LEN];
	struct vicdev d;
	int32_t fd;

	mt_create_open(&d, uuid);
	tap_errno(rmmod("vic"), EWOULDBLOCK,
		  "rmmod vic while vic_mdev and vic_msix use it: refused");
	fd = vicdev_eventfd();
	vicdev_msix_set(&d, 0, 1, &fd);
	vicdev_doorbell(&d, 0);
	tap_is(mt_take(fd), 1, "... and vic_mdev still delivers");
	close(fd);
	mt_close_remove(&d);
}

/* A process holding the device open is killed; the unload then succeeds. */
static void test_killed_holder(void)
{
	char uuid[VICDEV_UUID_LEN];
	int p[2], status;
	char c = 0;
	pid_t pid;

	if (vicdev_create(uuid) || pipe(p))
		mt_bail("creating an instance");
	pid = fork();
	if (!pid) {
		struct vicdev d;
		int32_t fds[8];

		if (vicdev_open(&d, uuid) || vicdev_eventfds(fds, 8) ||
		    vicdev_msix_set(&d, 0, 8, fds) ||
		    vicdev_gen_start(&d, 0, 8, 10000, 1ull << 40))
			_exit(1);
		/* the kernel holds the only references to the eventfds */
		vicdev_close_fds(fds, 8);
		if (write(p[1], &c, 1) != 1)
			_exit(1);
		pause();
		_exit(0);
	}
	close(p[1]);
	tap_is(read(p[0], &c, 1), 1,
	       "a child opened the device, runs the generator, closed its eventfds");
	close(p[0]);
	usleep(50000);
	tap_errno(rmmod("vic_mdev"), EWOULDBLOCK,
		  "rmmod vic_mdev while the child holds the device: refused");
	tap_ok(mt_proc_irq_lines("vic-ims") == 6,
	       "... its 6 IMS Linux IRQs are live");
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	tap_is(rmmod_soon("vic_mdev"), 0,
	       "the child killed: rmmod vic_mdev succeeds");
	tap_ok(!vicdev_exists(uuid), "... the instance is gone");
	tap_is(mt_proc_irq_lines("vic-ims"), 0, "... no IMS Linux IRQ left");
	tap_ok(!rmmod("vic_msix") && !rmmod("vic"),
	       "... and vic_msix and vic unload");
	reload();
}

struct remover {
	char uuid[VICDEV_UUID_LEN];
	int ret;
	atomic_int finished;
};

static void *remove_thread(void *arg)
{
	struct remover *r = arg;

	r->ret = vicdev_remove(r->uuid);
	atomic_store(&r->finished, 1);
	return NULL;
}

static void test_removal_pending(void)
{
	struct remover r = { .ret = -1 };
	struct vicdev d;
	pthread_t t;
	uint64_t c;
	int req, i;

	mt_create_open(&d, r.uuid);
	req = vicdev_eventfd();
	vicdev_req_set(&d, req);
	pthread_create(&t, NULL, remove_thread, &r);
	tap_is(vicdev_eventfd_wait(req, 10000, &c), 0,
	       "removal requested while open: REQ signalled");
	tap_errno(rmmod("vic_mdev"), EWOULDBLOCK,
		  "rmmod vic_mdev while the removal waits: refused");
	tap_ok(!atomic_load(&r.finished), "... the removal still waits");
	vicdev_close(&d);
	for (i = 0; i < 1000 && !atomic_load(&r.finished); i++)
		usleep(10000);
	pthread_join(t, NULL);
	tap_is(r.ret, 0, "the user closed: the removal completes");
	tap_is(rmmod_soon("vic_mdev"), 0, "... and vic_mdev unloads");
	close(req);
	reload();
}

struct unloader {
	int ret, err;
	atomic_int finished;
};

static void *unload_thread(void *arg)
{
	struct unloader *u = arg;

	u->ret = rmmod("vic_mdev");
	u->err = errno;
	atomic_store(&u->finished, 1);
	return NULL;
}

static void test_group_held(void)
{
	struct vfio_group_status gs = { .argsz = sizeof(gs) };
	char ua[VICDEV_UUID_LEN], ub[VICDEV_UUID_LEN];
	struct unloader u = { .ret = -1 };
	struct vicdev a;
	uint64_t t0, ms;
	pthread_t t;
	int i, fd;

	mt_create_open(&a, ua);
	if (vicdev_create(ub))
		mt_bail("creating an instance");
	vicdev_close_device(&a); /* the group and container stay open */
	t0 = vicdev_now_ns();
	pthread_create(&t, NULL, unload_thread, &u);
	for (i = 0; i < 2000 && !atomic_load(&u.finished); i++)
		usleep(10000);
	ms = (vicdev_now_ns() - t0) / 1000000;
	if (!atomic_load(&u.finished)) {
		tap_ok(0,
		       "rmmod vic_mdev with a VFIO group held: blocked %" PRIu64
		       " ms",
		       ms);
		vicdev_close(&a); /* unblock it */
		pthread_join(t, NULL);
	} else {
		pthread_join(t, NULL);
		tap_ok(!u.ret,
		       "rmmod vic_mdev with instances whose group is held open: clean, %" PRIu64
		       " ms (%s)",
		       ms, u.ret ? strerror(u.err) : "ok");
	}
	tap_ok(!vicdev_exists(ua) && !vicdev_exists(ub),
	       "... both instances removed");
	tap_is(vic_dbg_find(ua), -ENOENT, "... their vic contexts released");
	if (a.group >= 0) {
		fd = ioctl(a.group, VFIO_GROUP_GET_DEVICE_FD, ua);
		tap_ok(fd < 0, "the held group fd: GET_DEVICE_FD fails (%s)",
		       fd < 0 ? strerror(errno) : "opened!");
		if (fd >= 0)
			close(fd);
		fd = ioctl(a.group, VFIO_GROUP_GET_STATUS, &gs);
		tap_errno(
			fd, ENODEV,
			"the held group fd: GET_STATUS fails cleanly: ENODEV");
	}
	vicdev_close(&a);
	reload();
}

static void test_debugfs_held(void)
{
	char uuid[VICDEV_UUID_LEN], path[128], buf[4096];
	struct vicdev d;
	int fd, id;
	ssize_t n;

	mt_create_open(&d, uuid);
	id = mt_dbg_id(uuid);
	snprintf(path, sizeof(path), VIC_DEBUGFS_ROOT "/%d/vectors", id);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	tap_ok(fd >= 0 && read(fd, buf, sizeof(buf)) > 0,
	       "debugfs vectors of an instance held open and read");
	vicdev_close(&d);
	tap_is(rmmod("vic_mdev"), 0,
	       "rmmod vic_mdev with the debugfs file open: clean");
	n = pread(fd, buf, sizeof(buf), 0);
	tap_errno(n, EIO, "the open debugfs file of the gone instance: EIO");
	/* vic_msix holds vic too: the file alone must hold it below. */
	tap_is(rmmod("vic_msix"), 0, "... and vic_msix unloads");
	tap_errno(rmmod("vic"), EWOULDBLOCK,
		  "rmmod vic while that file is open: refused");
	close(fd);
	tap_is(rmmod_soon("vic"), 0, "file closed: vic unloads");
	reload();
}

static atomic_int churn_stop;
static atomic_int churn_rounds;

static void *churn_thread(void *arg)
{
	char uuid[VICDEV_UUID_LEN];

	(void)arg;
	while (!atomic_load(&churn_stop)) {
		if (vicdev_create(uuid))
			break;
		atomic_fetch_add(&churn_rounds, 1);
		if (vicdev_remove(uuid))
			break;
	}
	return NULL;
}

static void test_unload_while_creating(void)
{
	pthread_t t;
	int ret, err;

	atomic_store(&churn_stop, 0);
	pthread_create(&t, NULL, churn_thread, NULL);
	usleep(300000);
	ret = rmmod_soon("vic_mdev");
	err = errno;
	atomic_store(&churn_stop, 1);
	pthread_join(t, NULL);
	tap_ok(!ret,
	       "rmmod vic_mdev while a thread creates and removes instances: %s (%d rounds)",
	       ret ? strerror(err) : "clean", atomic_load(&churn_rounds));
	tap_is(count_dir_entries(VICDEV_MDEV_DEVICES), 0, "... no mdev left");
	tap_is(mt_proc_irq_lines("vic-ims"), 0, "... no IMS Linux IRQ left");
	tap_is(count_dir_entries(VIC_DEBUGFS_ROOT), 0,
	       "... no vic context left");
	reload();
}

static void test_vic_test_busy(void)
{
	struct vic_test_range em = { .start = 0, .count = 1 };
	struct vic_test_timer tm = {
		.vector = 2,
		.flags = VIC_TEST_SIGNAL_RAISE,
		.count = 1ull << 40,
		.period_ns = 100000,
		.burst = 4,
	};
	int32_t fds[4];
	int fd, dev, i;

	if (vicdev_load_module("vic_test", ""))
		mt_bail("loading vic_test");
	fd = vt_create(4, 4, &dev);
	for (i = 0; i < 4; i++)
		fds[i] = efd_new();
	tap_ok(fd >= 0 && !ioctl(fd, VIC_TEST_SET_EMULATED, &em) &&
		       !vt_set_fds(fd, 0, 4, fds) &&
		       !ioctl(fd, VIC_TEST_TIMER_START, &tm),
	       "vic_test: a context with IMS vectors, an hrtimer raising one");
	vicdev_close_fds(fds, 4);
	usleep(50000);
	tap_errno(rmmod("vic_test"), EWOULDBLOCK,
		  "rmmod vic_test while /dev/vic_test is open: refused");
	tap_errno(rmmod("vic"), EWOULDBLOCK,
		  "rmmod vic while vic_test uses it: refused");
	close(fd);
	tap_is(rmmod_soon("vic_test"), 0, "closed: vic_test unloads");
}

int main(void)
{
	mt_load(PARAMS);
	test_vic_in_use();
	test_killed_holder();
	test_removal_pending();
	test_group_held();
	test_debugfs_held();
	test_unload_while_creating();
	test_vic_test_busy();
	mt_unload();
	tap_is(rmmod_soon("vic_msix") || rmmod_soon("vic"), 0,
	       "everything closed: vic_msix and vic unload");
	return tap_done();
}
