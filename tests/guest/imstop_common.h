/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Shared helpers of the imstop guest tests (tests/guest/imstop_*.c): run
 * $VIC_BUILD/imstop in the background, stop it, and read its JSON records
 * with a small JSON parser (enough for imstop's output: objects, arrays,
 * strings without \u escapes beyond ASCII, numbers, true/false/null).
 */
#ifndef IMSTOP_COMMON_H
#define IMSTOP_COMMON_H

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "../lib/tap.h"

/* --- JSON ------------------------------------------------------------------ */

enum jtype { J_NULL, J_BOOL, J_NUM, J_STR, J_ARR, J_OBJ };

struct jv {
	enum jtype type;
	double num;
	bool b;
	char *str; /* J_STR; the key of an object member */
	char *key;
	struct jv *child; /* J_ARR, J_OBJ: first element */
	struct jv *next;
};

struct jparse {
	const char *p;
	int err;
};

static inline void jws(struct jparse *jp)
{
	while (isspace((unsigned char)*jp->p))
		jp->p++;
}

static inline char *jstring(struct jparse *jp)
{
	size_t cap = 16, n = 0;
	char *s = malloc(cap);

	if (*jp->p != '"' || !s) {
		jp->err = 1;
		free(s);
		return NULL;
	}
	jp->p++;
	while (*jp->p && *jp->p != '"') {
		char c = *jp->p++;

		if (c == '\\') {
			c = *jp->p++;
			switch (c) {
			case 'n':
				c = '\n';
				break;
			case 't':
				c = '\t';
				break;
			case 'u':
				c = (char)strtol((char[]){ jp->p[0], jp->p[1],
							   jp->p[2], jp->p[3],
							   0 },
						 NULL, 16);
				jp->p += 4;
				break;
			default:
				break;
			}
		}
		if (n + 2 > cap) {
			char *t = realloc(s, cap *= 2);

			if (!t) {
				free(s);
				jp->err = 1;
				return NULL;
			}
			s = t;
		}
		s[n++] = c;
	}
	s[n] = '\0';
	if (*jp->p != '"')
		jp->err = 1;
	else
		jp->p++;
	return s;
}

static inline struct jv *jvalue(struct jparse *jp);

static inline struct jv *jcontainer(struct jparse *jp, enum jtype type)
{
	struct jv *v = calloc(1, sizeof(*v)), **tail;
	char close = type == J_ARR ? ']' : '}';

	if (!v) {
		jp->err = 1;
		return NULL;
	}
	v->type = type;
	tail = &v->child;
	jp->p++;
	jws(jp);
	if (*jp->p == close) {
		jp->p++;
		return v;
	}
	while (!jp->err) {
		char *key = NULL;
		struct jv *e;

		jws(jp);
		if (type == J_OBJ) {
			key = jstring(jp);
			jws(jp);
			if (*jp->p++ != ':')
				jp->err = 1;
		}
		e = jvalue(jp);
		if (!e) {
			free(key);
			break;
		}
		e->key = key;
		*tail = e;
		tail = &e->next;
		jws(jp);
		if (*jp->p == ',') {
			jp->p++;
			continue;
		}
		if (*jp->p == close) {
			jp->p++;
			break;
		}
		jp->err = 1;
	}
	return v;
}

static inline struct jv *jvalue(struct jparse *jp)
{
	struct jv *v;
	char *end;

	jws(jp);
	if (*jp->p == '{')
		return jcontainer(jp, J_OBJ);
	if (*jp->p == '[')
		return jcontainer(jp, J_ARR);
	v = calloc(1, sizeof(*v));
	if (!v) {
		jp->err = 1;
		return NULL;
	}
	if (*jp->p == '"') {
		v->type = J_STR;
		v->str = jstring(jp);
	} else if (!strncmp(jp->p, "true", 4) || !strncmp(jp->p, "false", 5)) {
		v->type = J_BOOL;
		v->b = *jp->p == 't';
		jp->p += v->b ? 4 : 5;
	} else if (!strncmp(jp->p, "null", 4)) {
		v->type = J_NULL;
		jp->p += 4;
	} else {
		v->type = J_NUM;
		v->num = strtod(jp->p, &end);
		if (end == jp->p)
			jp->err = 1;
		jp->p = end;
	}
	return v;
}

static inline void jfree(struct jv *v)
{
	while (v) {
		struct jv *next = v->next;

		jfree(v->child);
		free(v->str);
		free(v->key);
		free(v);
		v = next;
	}
}

/* Parse one JSON text; NULL if it is not valid. */
static inline struct jv *jparse(const char *text)
{
	struct jparse jp = { .p = text };
	struct jv *v = jvalue(&jp);

	jws(&jp);
	if (jp.err || *jp.p) {
		jfree(v);
		return NULL;
	}
	return v;
}

static inline struct jv *jget(const struct jv *o, const char *key)
{
	struct jv *e;

	if (!o || o->type != J_OBJ)
		return NULL;
	for (e = o->child; e; e = e->next) {
		if (!strcmp(e->key, key))
			return e;
	}
	return NULL;
}

/* A number member, or -1 when missing or not a number. */
static inline double jnum(const struct jv *o, const char *key)
{
	const struct jv *v = jget(o, key);

	return v && v->type == J_NUM ? v->num : -1;
}

static inline long long jint(const struct jv *o, const char *key)
{
	return (long long)jnum(o, key);
}

static inline const char *jstr(const struct jv *o, const char *key)
{
	const struct jv *v = jget(o, key);

	return v && v->type == J_STR ? v->str : "";
}

static inline bool jbool(const struct jv *o, const char *key)
{
	const struct jv *v = jget(o, key);

	return v && v->type == J_BOOL && v->b;
}

/* --- Running imstop -------------------------------------------------------- */

struct imstop_run {
	pid_t pid;
	char out[64];
	char err[64];
	char *text; /* stdout, after imstop_stop() */
	int status;
};

/* Is vic_mdev.ko built (the tests that need a device skip without it)? */
static inline int mdev_built(void)
{
	const char *b = getenv("VIC_BUILD");
	char path[4096];

	snprintf(path, sizeof(path), "%s/kmod/vic_mdev.ko", b ? b : "build");
	return !access(path, R_OK);
}

static inline const char *imstop_path(void)
{
	static char path[4096];
	const char *b = getenv("VIC_BUILD");

	snprintf(path, sizeof(path), "%s/imstop", b ? b : "build");
	return path;
}

static inline char *slurp(const char *path)
{
	char *buf = NULL;
	size_t len = 0, cap = 0, n;
	FILE *f = fopen(path, "r");

	if (!f)
		return NULL;
	do {
		if (len + 4096 + 1 > cap) {
			char *t = realloc(buf, cap = cap ? cap * 2 : 65536);

			if (!t) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = t;
		}
		n = fread(buf + len, 1, 4096, f);
		len += n;
	} while (n);
	fclose(f);
	if (buf)
		buf[len] = '\0';
	return buf;
}

/*
 * Start imstop with @argv (NULL-terminated, without the program name),
 * stdout and stderr to files; wait until it says it is tracing. Returns 0,
 * or -1 (with a diagnostic) if it exited or did not get there in time.
 */
static inline int imstop_start(struct imstop_run *r, const char *const *argv)
{
	const char *args[32];
	int i, n = 0, fd;
	char *err;

	memset(r, 0, sizeof(*r));
	snprintf(r->out, sizeof(r->out), "/tmp/imstop-out.XXXXXX");
	snprintf(r->err, sizeof(r->err), "/tmp/imstop-err.XXXXXX");
	fd = mkstemp(r->out);
	if (fd >= 0)
		close(fd);
	fd = mkstemp(r->err);
	if (fd >= 0)
		close(fd);
	args[n++] = imstop_path();
	for (i = 0; argv[i] && n < 31; i++)
		args[n++] = argv[i];
	args[n] = NULL;

	fflush(stdout);
	r->pid = fork();
	if (r->pid < 0)
		return -1;
	if (!r->pid) {
		int o = open(r->out, O_WRONLY | O_TRUNC);
		int e = open(r->err, O_WRONLY | O_TRUNC);

		if (o < 0 || e < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0)
			_exit(126);
		execv(args[0], (char *const *)args);
		_exit(127);
	}
	for (i = 0; i < 600; i++) {
		int st;

		err = slurp(r->err);
		if (err && strstr(err, "tracing")) {
			free(err);
			return 0;
		}
		if (waitpid(r->pid, &st, WNOHANG) == r->pid) {
			tap_diag(
				"imstop exited (status 0x%x) before tracing: %s",
				st, err ? err : "");
			free(err);
			r->pid = 0;
			return -1;
		}
		free(err);
		usleep(100000);
	}
	tap_diag("imstop did not start tracing within 60 s");
	kill(r->pid, SIGKILL);
	waitpid(r->pid, NULL, 0);
	r->pid = 0;
	return -1;
}

/* Wait for imstop to exit (after @sig unless 0); read its stdout. */
static inline int imstop_stop(struct imstop_run *r, int sig)
{
	if (r->pid > 0) {
		if (sig)
			kill(r->pid, sig);
		waitpid(r->pid, &r->status, 0);
		r->pid = 0;
	}
	free(r->text);
	r->text = slurp(r->out);
	if (!r->text)
		r->text = strdup("");
	return WIFEXITED(r->status) ? WEXITSTATUS(r->status) : -1;
}

static inline void imstop_cleanup(struct imstop_run *r)
{
	if (r->pid > 0) {
		kill(r->pid, SIGKILL);
		waitpid(r->pid, NULL, 0);
	}
	unlink(r->out);
	unlink(r->err);
	free(r->text);
	r->text = NULL;
}

/* Print imstop's stderr as diagnostics. */
static inline void imstop_diag_stderr(struct imstop_run *r)
{
	char *e = slurp(r->err), *line, *save = NULL;

	for (line = e ? strtok_r(e, "\n", &save) : NULL; line;
	     line = strtok_r(NULL, "\n", &save))
		tap_diag("imstop: %s", line);
	free(e);
}

/* The @n-th (from 0; -1: the last) line of imstop's stdout, parsed. */
static inline struct jv *imstop_record(struct imstop_run *r, int n)
{
	char *copy = strdup(r->text ? r->text : ""), *line, *save = NULL;
	char *want = NULL;
	struct jv *v = NULL;
	int i = 0;

	for (line = strtok_r(copy, "\n", &save); line;
	     line = strtok_r(NULL, "\n", &save), i++) {
		if (n < 0 || i == n)
			want = line;
		if (i == n)
			break;
	}
	if (want)
		v = jparse(want);
	free(copy);
	return v;
}

static inline int imstop_nrecords(struct imstop_run *r)
{
	const char *p;
	int n = 0;

	for (p = r->text; p && *p; p++)
		n += *p == '\n';
	return n;
}

/* The live (not gone) row of (dev, vector) in a record, or NULL. */
static inline struct jv *imstop_vec(const struct jv *rec, int dev,
				    unsigned int vec)
{
	struct jv *vs = jget(rec, "vectors"), *e;

	for (e = vs ? vs->child : NULL; e; e = e->next) {
		if (jint(e, "dev") == dev && jint(e, "vector") == vec &&
		    !jbool(e, "gone"))
			return e;
	}
	return NULL;
}

/* A latency summary: ordered, positive percentiles when count > 0. */
static inline bool imstop_lat_sane(const struct jv *lat)
{
	double c = jnum(lat, "count"), p50 = jnum(lat, "p50_ns"),
	       p90 = jnum(lat, "p90_ns"), p99 = jnum(lat, "p99_ns"),
	       max = jnum(lat, "max_ns"), mean = jnum(lat, "mean_ns");

	if (c > 0 && p50 > 0 && p50 <= p90 && p90 <= p99 && p99 <= max &&
	    mean > 0 && mean <= max)
		return true;
	tap_diag(
		"latency: count %.0f mean %.0f p50 %.0f p90 %.0f p99 %.0f max %.0f",
		c, mean, p50, p90, p99, max);
	return false;
}

#endif /* IMSTOP_COMMON_H */
