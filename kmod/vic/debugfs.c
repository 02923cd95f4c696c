// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic: debugfs, /sys/kernel/debug/vic/<dev>/{name,vectors,stats}.
 *
 * vectors is text for people and scripts (its format is a contract);
 * stats is the same counters in binary (uapi/vic_stats.h), for tools that
 * read every vector every second.
 */
#include <linux/debugfs.h>
#include <linux/fs.h>
#include <linux/minmax.h>
#include <linux/seq_file.h>
#include <linux/slab.h>
#include <linux/string.h>
#include <linux/uaccess.h>

#include <uapi/vic_stats.h>
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
		sum->released += READ_ONCE(s->released);
		sum->release_dropped += READ_ONCE(s->release_dropped);
		sum->deferred += READ_ONCE(s->deferred);
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

static void vic_stats_header_fill(struct vic_ctx *ctx,
				  struct vic_stats_header *h)
{
	*h = (struct vic_stats_header) {
		.magic = VIC_STATS_MAGIC,
		.version = VIC_STATS_VERSION,
		.hdr_size = sizeof(*h),
		.rec_size = sizeof(struct vic_stats_vector),
		.nvec = ctx->nvec,
		.dev = ctx->id,
	};
	if (ctx->ops)
		strscpy(h->backend, ctx->ops->name, sizeof(h->backend));
}

static void vic_stats_record_fill(struct vic_vector *vec,
				  struct vic_stats_vector *r)
{
	u32 state = atomic_read(&vec->state);
	struct vic_vec_stats sum;

	vic_stats_sum(vec, &sum);
	*r = (struct vic_stats_vector) {
		.vector = vec->index,
		.raised = sum.raised,
		.delivered = sum.delivered,
		.pended = sum.pended,
		.dropped = sum.dropped,
		.released = sum.released,
		.release_dropped = sum.release_dropped,
		.deferred = sum.deferred,
	};
	if (vic_vector_emulated(vec))
		r->flags |= VIC_STATS_EMULATED;
	if (rcu_access_pointer(vec->eventfd))
		r->flags |= VIC_STATS_TRIGGER;
	if (vic_vector_is_masked(state))
		r->flags |= VIC_STATS_MASKED;
	if (state & VIC_VEC_PENDING)
		r->flags |= VIC_STATS_PENDING;
	if (vec->virq)
		r->flags |= VIC_STATS_BACKED;
}

/* Records are built per read() into a bounce buffer of this many bytes. */
#define VIC_STATS_CHUNK	4096

/*
 * <dev>/stats: the header, then ctx->nvec records, built for the bytes
 * asked for: any offset and size work, and a record is summed once per
 * read() that covers it. The mutex keeps the flags consistent with the
 * configuration, as for vectors.
 */
static ssize_t vic_stats_read(struct file *file, char __user *buf,
			      size_t len, loff_t *ppos)
{
	struct vic_ctx *ctx = file->private_data;
	const size_t hsz = sizeof(struct vic_stats_header);
	const size_t rsz = sizeof(struct vic_stats_vector);
	loff_t size = hsz + (loff_t)ctx->nvec * rsz;
	size_t done = 0;
	ssize_t ret;
	char *chunk;

	if (*ppos < 0)
		return -EINVAL;
	if (*ppos >= size || !len)
		return 0;
	len = min_t(loff_t, len, size - *ppos);
	chunk = kmalloc(VIC_STATS_CHUNK, GFP_KERNEL);
	if (!chunk)
		return -ENOMEM;

	mutex_lock(&ctx->lock);
	while (done < len) {
		loff_t pos = *ppos + done;
		size_t off, n, fill = 0;

		/* One item per round: the header, or the records of a chunk. */
		if (pos < hsz) {
			vic_stats_header_fill(ctx, (void *)chunk);
			off = pos;
			fill = hsz;
		} else {
			u32 first = (pos - hsz) / rsz;
			u32 i;

			off = (pos - hsz) % rsz;
			for (i = first; i < ctx->nvec &&
			     fill + rsz <= VIC_STATS_CHUNK; i++, fill += rsz)
				vic_stats_record_fill(&ctx->vecs[i],
						      (void *)(chunk + fill));
		}
		n = min(fill - off, len - done);
		if (copy_to_user(buf + done, chunk + off, n))
			break;
		done += n;
	}
	mutex_unlock(&ctx->lock);
	kfree(chunk);
	ret = done ? done : -EFAULT;
	*ppos += done;
	return ret;
}

static const struct file_operations vic_stats_fops = {
	.owner = THIS_MODULE,
	.open = simple_open,
	.read = vic_stats_read,
	.llseek = default_llseek,
};

void vic_debugfs_add(struct vic_ctx *ctx)
{
	char name[16];

	snprintf(name, sizeof(name), "%u", ctx->id);
	ctx->debugfs = debugfs_create_dir(name, vic_debugfs_root);
	debugfs_create_file("name", 0400, ctx->debugfs, ctx, &vic_name_fops);
	debugfs_create_file("vectors", 0400, ctx->debugfs, ctx,
			    &vic_vectors_fops);
	debugfs_create_file_size("stats", 0400, ctx->debugfs, ctx,
				 &vic_stats_fops,
				 sizeof(struct vic_stats_header) +
				 (loff_t)ctx->nvec *
				 sizeof(struct vic_stats_vector));
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
