// SPDX-License-Identifier: GPL-2.0-only
/*
 * Permissions: a user without privileges (uid/gid 65534, no supplementary
 * groups, no capabilities) cannot open an instance's VFIO group, the vic
 * debugfs files (not even with the debugfs root opened to everyone: the
 * files, stats too, are 0400 root), /dev/vic_test, the mdev create/remove files, the
 * writable module parameter or the vic tracepoints' controls, cannot grab
 * root's open VFIO device fd through /proc/PID/fd, cannot load or
 * unload modules, and cannot run imstop, which says which capabilities it
 * needs. Each attempt runs in a child that setresuid()s to 65534;
 * root's view is checked alongside, so a pass is not a missing file.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>

#include "mdev_common.h"

#define NOBODY 65534
#define DBGFS "/sys/kernel/debug"

/*
 * In a child running as nobody: open @path with @flags (or run @what's
 * syscall); returns the errno the child got (0: it succeeded).
 */
static int as_nobody(const char *path, int flags, const char *what)
{
	int p[2], status, err = -1;
	pid_t pid;

	if (pipe(p))
		tap_bail("pipe");
	pid = fork();
	if (pid < 0)
		tap_bail("fork");
	if (!pid) {
		int fd, e = 0;

		close(p[0]);
		if (setgroups(0, NULL) || setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY) ||
		    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)) {
			e = 1000;
		} else if (!strcmp(what, "open")) {
			fd = open(path, flags | O_CLOEXEC);
			e = fd < 0 ? errno : 0;
		} else if (!strcmp(what, "opendir")) {
			fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
			e = fd < 0 ? errno : 0;
		} else if (!strcmp(what, "delete_module")) {
			e = syscall(SYS_delete_module, path, O_NONBLOCK) ?
				    errno :
				    0;
		} else if (!strcmp(what, "finit_module")) {
			fd = open(path, O_RDONLY | O_CLOEXEC);
			e = fd < 0 ? errno :
				     (syscall(SYS_finit_module, fd, "", 0) ?
					      errno :
					      0);
		}
		if (write(p[1], &e, sizeof(e)) != sizeof(e))
			_exit(2);
		_exit(0);
	}
	close(p[1]);
	if (read(p[0], &err, sizeof(err)) != sizeof(err))
		err = -1;
	close(p[0]);
	waitpid(pid, &status, 0);
	return err;
}

/*
 * imstop as nobody: the core's counters in debugfs are refused, and it
 * says what it needs (exit status 1).
 */
static void imstop_denied(void)
{
	const char *b = getenv("VIC_BUILD");
	char path[PATH_MAX], out[4096] = "";
	int p[2], status = -1;
	ssize_t n, len = 0;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/imstop", b ? b : "build");
	if (pipe(p))
		tap_bail("pipe");
	pid = fork();
	if (pid < 0)
		tap_bail("fork");
	if (!pid) {
		close(p[0]);
		if (dup2(p[1], STDOUT_FILENO) < 0 ||
		    dup2(p[1], STDERR_FILENO) < 0 || setgroups(0, NULL) ||
		    setresgid(NOBODY, NOBODY, NOBODY) ||
		    setresuid(NOBODY, NOBODY, NOBODY) ||
		    prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0))
			_exit(100);
		execl(path, "imstop", "1", "1", (char *)NULL);
		_exit(101);
	}
	close(p[1]);
	while (len < (ssize_t)sizeof(out) - 1 &&
	       (n = read(p[0], out + len, sizeof(out) - 1 - len)) > 0)
		len += n;
	out[len] = 0;
	close(p[0]);
	waitpid(pid, &status, 0);
	tap_is(WIFEXITED(status) ? WEXITSTATUS(status) : -1, 1,
	       "nobody: imstop exits 1");
	if (!tap_ok(strstr(out,
			   "need CAP_DAC_READ_SEARCH (besides CAP_BPF and CAP_PERFMON), or root") !=
			    NULL,
		    "nobody: imstop says it needs CAP_DAC_READ_SEARCH, CAP_BPF and CAP_PERFMON, or root"))
		tap_diag("imstop: %s", out);
}

static void denied(const char *path, int flags, const char *what,
		   const char *desc)
{
	int e = as_nobody(path, flags, what);

	if (!tap_ok(e == EACCES || e == EPERM, "nobody: %s: %s", desc,
		    e > 0 && e < 1000 ? strerror(e) :
		    e		      ? "setup failed" :
					"ALLOWED"))
		tap_diag("path %s", path);
}

static void root_can(const char *path, int flags, const char *desc)
{
	int fd = open(path, flags | O_CLOEXEC);

	tap_ok(fd >= 0, "root: %s", desc);
	if (fd >= 0)
		close(fd);
}

static void mode_is(const char *path, mode_t want, const char *desc)
{
	struct stat st;

	tap_ok(!stat(path, &st) && (st.st_mode & 07777) == want && !st.st_uid,
	       "%s: mode %04o, owner root", desc, want);
}

int main(void)
{
	char uuid[VICDEV_UUID_LEN], group[64], link[PATH_MAX], path[PATH_MAX];
	char dbgdir[64], vectors[96], name[96], stats[96], rootfd[64];
	struct stat st;
	struct vicdev d;
	int id, fd, remounted;
	ssize_t n;

	mt_skip_unless_root();
	mt_load("nvec=4 nr_emulated=1");
	if (vicdev_load_module("vic_test", "") && errno != EEXIST)
		mt_bail("loading vic_test");
	mt_create_open(&d, uuid);

	snprintf(link, sizeof(link), VICDEV_MDEV_DEVICES "/%s/iommu_group",
		 uuid);
	n = readlink(link, path, sizeof(path) - 1);
	if (n < 0)
		tap_bail("iommu_group link");
	path[n] = '\0';
	snprintf(group, sizeof(group), "/dev/vfio/%s", strrchr(path, '/') + 1);
	id = mt_dbg_id(uuid);
	snprintf(dbgdir, sizeof(dbgdir), VIC_DEBUGFS_ROOT "/%d", id);
	snprintf(vectors, sizeof(vectors), "%s/vectors", dbgdir);
	snprintf(name, sizeof(name), "%s/name", dbgdir);
	snprintf(stats, sizeof(stats), "%s/stats", dbgdir);
	snprintf(rootfd, sizeof(rootfd), "/proc/%d/fd/%d", getpid(), d.fd);

	/* the VFIO group: 0600 root (the permission check comes before the
	 * group's own "already open": EACCES, not EBUSY) */
	mode_is(group, 0600, group);
	denied(group, O_RDWR, "open", "open the VFIO group");
	denied(rootfd, O_RDWR, "open",
	       "open root's VFIO device fd via /proc/PID/fd");
	fd = open("/dev/vfio/vfio", O_RDWR | O_CLOEXEC);
	tap_ok(fd >= 0,
	       "the container /dev/vfio/vfio is world-usable (grants nothing without a group)");
	if (fd >= 0)
		close(fd);

	/* debugfs: the mount is 0700; the files are 0400 root */
	root_can(vectors, O_RDONLY, "read debugfs vectors");
	mode_is(vectors, 0400, "debugfs vectors");
	mode_is(name, 0400, "debugfs name");
	mode_is(stats, 0400, "debugfs stats");
	root_can(stats, O_RDONLY, "read debugfs stats");
	denied(VIC_DEBUGFS_ROOT, 0, "opendir", "list " VIC_DEBUGFS_ROOT);
	denied(vectors, O_RDONLY, "open", "read debugfs vectors");
	denied(name, O_RDONLY, "open", "read debugfs name");
	denied(stats, O_RDONLY, "open", "read debugfs stats");
	/* even with the debugfs root opened to everyone */
	remounted = !stat(DBGFS, &st) &&
		    !mount(NULL, DBGFS, NULL, MS_REMOUNT, "mode=0755");
	if (remounted) {
		mode_t was = st.st_mode & 0777;
		char opts[16];

		denied(vectors, O_RDONLY, "open",
		       "read debugfs vectors (debugfs root 0755)");
		denied(name, O_RDONLY, "open",
		       "read debugfs name (debugfs root 0755)");
		denied(stats, O_RDONLY, "open",
		       "read debugfs stats (debugfs root 0755)");
		snprintf(opts, sizeof(opts), "mode=%04o", was);
		mount(NULL, DBGFS, NULL, MS_REMOUNT, opts);
		stat(DBGFS, &st);
		tap_is(st.st_mode & 0777, was, "debugfs root back to %04o",
		       was);
	} else {
		tap_diag("cannot remount debugfs: %s", strerror(errno));
	}

	/* the test driver, mdev control files, parameters, tracepoints */
	mode_is("/dev/vic_test", 0600, "/dev/vic_test");
	denied("/dev/vic_test", O_RDWR, "open", "open /dev/vic_test");
	denied(VICDEV_TYPE_DIR "/create", O_WRONLY, "open",
	       "open the mdev type's create");
	snprintf(path, sizeof(path), VICDEV_MDEV_DEVICES "/%s/remove", uuid);
	denied(path, O_WRONLY, "open", "open the instance's remove");
	denied("/sys/module/vic_mdev/parameters/ims_program_delay_us", O_WRONLY,
	       "open", "write ims_program_delay_us");
	denied("/sys/kernel/tracing/events/vic/enable", O_WRONLY, "open",
	       "enable the vic tracepoints");
	denied("vic_mdev", 0, "delete_module", "unload vic_mdev");
	snprintf(path, sizeof(path), "%s/kmod/vic_test.ko",
		 getenv("VIC_BUILD") ? getenv("VIC_BUILD") : "build");
	denied(path, 0, "finit_module", "load vic_test.ko");
	imstop_denied();

	/* and root still can, afterwards */
	vicdev_close(&d);
	root_can(group, O_RDWR, "open the VFIO group");
	tap_is(vicdev_remove(uuid), 0, "instance removed");
	syscall(SYS_delete_module, "vic_test", O_NONBLOCK);
	mt_unload();
	return tap_done();
}
