// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic: debugfs, /sys/kernel/debug/vic/<dev>/{name,vectors}.
 */
#include <linux/debugfs.h>
#include <linux/seq_file.h>

#include "internal.h"

static struct dentry *vic_debugfs_root;

static int vic_name_show(struct seq_file *m, void *unused)
{
	struct vic_ctx *ctx = m->private;

	seq_printf(m, "%s\n", ctx->name);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vic_name);

static void vic_stats_sum(struct vic_vector *vec, struct vic_vec_stats *sum)
{
	int cpu;

	memset(sum, 0, sizeof(*sum));
	for_each_possible_cpu(cpu) {
		struct vic_vec_stats *s = per_cpu_ptr(vec->stats, cpu);

		u64 sent = READ_ONCE(s->sent);

		sum->raised += READ_ONCE(s->raised) + sent;
		sum->delivered += READ_ONCE(s->delivered) + sent;
		sum->pended += READ_ONCE(s->pended);
		sum->dropped += READ_ONCE(s->dropped);
	}
}

static void vic_vector_show(struct seq_file *m, struct vic_vector *vec)
{
	struct vic_ctx *ctx = vec->ctx;
	u32 state = atomic_read(&vec->state);
	struct vic_vec_stats sum;

	vic_stats_sum(vec, &sum);
	seq_printf(m, "%u %s %s %u %u ", vec->index,
		   vic_vector_emulated(vec) ? "emul" : (ctx->ops ? ctx->ops->name : "none"),
		   rcu_access_pointer(vec->eventfd) ? "yes" : "no",
		   !!vic_vector_is_masked(state),
		   !!(state & VIC_VEC_PENDING));
	if (vec->virq)
		seq_printf(m, "0x%llx %d ", vec->alloc_cookie, vec->virq);
	else
		seq_puts(m, "- - ");
	seq_printf(m, "%llu %llu %llu %llu\n", sum.raised, sum.delivered,
		   sum.pended, sum.dropped);
}

static int vic_vectors_show(struct seq_file *m, void *unused)
{
	struct vic_ctx *ctx = m->private;
	u32 i;

	seq_puts(m, "vector type trigger masked pending cookie virq raised delivered pended dropped\n");
	mutex_lock(&ctx->lock);
	for (i = 0; i < ctx->nvec; i++)
		vic_vector_show(m, &ctx->vecs[i]);
	mutex_unlock(&ctx->lock);
	return 0;
}
DEFINE_SHOW_ATTRIBUTE(vic_vectors);

void vic_debugfs_add(struct vic_ctx *ctx)
{
	char name[16];

	snprintf(name, sizeof(name), "%u", ctx->id);
	ctx->debugfs = debugfs_create_dir(name, vic_debugfs_root);
	debugfs_create_file("name", 0400, ctx->debugfs, ctx, &vic_name_fops);
	debugfs_create_file("vectors", 0400, ctx->debugfs, ctx,
			    &vic_vectors_fops);
}

void vic_debugfs_remove(struct vic_ctx *ctx)
{
	debugfs_remove(ctx->debugfs);
	ctx->debugfs = NULL;
}

int vic_debugfs_init(void)
{
	vic_debugfs_root = debugfs_create_dir("vic", NULL);
	return 0;
}

void vic_debugfs_exit(void)
{
	debugfs_remove(vic_debugfs_root);
}
