// SPDX-License-Identifier: GPL-2.0-only
/*
 * vic_test: a test-only misc device that drives the vic core API from user
 * space, so that the core's contract is tested through real eventfds and
 * real interrupts: context creation, emulated ranges, cookies, SET_IRQS,
 * signals from process context and from a hard-IRQ hrtimer, and the MSI-X
 * capability, table and PBA.
 */
#define pr_fmt(fmt) KBUILD_MODNAME ": " fmt

#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/module.h>
#include <linux/rcuwait.h>
#include <linux/sched/signal.h>
#include <linux/slab.h>
#include <linux/uaccess.h>
#include <linux/vfio.h>

#include <uapi/vic_test.h>
#include "vt.h"

#define VT_MAX_BURST		1024
#define VT_MIN_PERIOD_NS	10000

/**
 * struct vt_file - the state behind one open of /dev/vic_test
 * @lock: serializes the ioctls
 * @ctx: the device context, NULL until VIC_TEST_CREATE
 * @ims: the IMS provider, NULL without backend
 * @timer: raises a vector from hard-IRQ context
 * @tvec: vector the timer raises
 * @tflags: VIC_TEST_SIGNAL_* for the timer
 * @period: timer period
 * @burst: raises per expiry
 * @left: raises left to do
 * @done: raises done by the timer
 * @running: the timer is armed
 * @wait: where VIC_TEST_TIMER_WAIT sleeps; the timer wakes it from hard
 *	IRQ, where a wait queue's lock would sleep on PREEMPT_RT
 * @wait_lock: one waiter at a time, as @wait holds one
 */
struct vt_file {
	struct mutex lock;	/* see above */
	struct vic_ctx *ctx;
	struct vt_ims *ims;
	struct hrtimer timer;
	u32 tvec;
	u32 tflags;
	ktime_t period;
	u32 burst;
	u64 left;
	u64 done;
	bool running;
	struct rcuwait wait;
	struct mutex wait_lock;	/* see above */
};

static int vt_signal_once(struct vic_ctx *ctx, u32 vector, u32 flags)
{
	if (flags & VIC_TEST_SIGNAL_RAISE)
		return vic_raise(ctx, vector);
	return vic_send_signal(ctx, vector);
}

static enum hrtimer_restart vt_timer_fn(struct hrtimer *t)
{
	struct vt_file *vf = container_of(t, struct vt_file, timer);
	u32 i;

	for (i = 0; i < vf->burst && vf->left; i++, vf->left--) {
		if (!vt_signal_once(vf->ctx, vf->tvec, vf->tflags))
			vf->done++;
	}
	if (vf->left) {
		hrtimer_forward_now(t, vf->period);
		return HRTIMER_RESTART;
	}
	WRITE_ONCE(vf->running, false);
	rcuwait_wake_up(&vf->wait);
	return HRTIMER_NORESTART;
}

static int vt_timer_start(struct vt_file *vf, struct vic_test_timer *arg)
{
	if (vf->running)
		return -EBUSY;
	/* Bounded work per expiry, and expiries far enough apart. */
	if (!arg->count || !arg->burst || arg->burst > VT_MAX_BURST ||
	    arg->period_ns < VT_MIN_PERIOD_NS)
		return -EINVAL;
	vf->tvec = arg->vector;
	vf->tflags = arg->flags;
	vf->period = ns_to_ktime(arg->period_ns);
	vf->burst = arg->burst;
	vf->left = arg->count;
	vf->done = 0;
	vf->running = true;
	hrtimer_start(&vf->timer, vf->period, HRTIMER_MODE_REL_HARD);
	return 0;
}

static int vt_create(struct vt_file *vf, struct vic_test_create *arg)
{
	static const struct vic_msix_layout layout = {
		.table_offset = 0x4000,
		.pba_offset = 0xc000,
	};
	struct vic_ims_provider prov = { .ops = &vt_ims_ops };
	struct vic_ctx *ctx;
	int ret;

	if (vf->ctx)
		return -EEXIST;
	ret = vic_ctx_init(&ctx, "vic_test", arg->nvec, &layout);
	if (ret)
		return ret;
	if (!arg->ims_slots)
		goto out;

	vf->ims = vt_ims_create(arg->ims_slots);
	if (IS_ERR(vf->ims)) {
		ret = PTR_ERR(vf->ims);
		goto err_ctx;
	}
	prov.priv = vf->ims;
	ret = vic_ims_attach(ctx, &prov);
	if (ret)
		goto err_ims;
out:
	/* Pairs with vt_signal(): a signaller sees a complete context. */
	smp_store_release(&vf->ctx, ctx);
	return vic_ctx_id(ctx);

err_ims:
	vt_ims_destroy(vf->ims);
err_ctx:
	vf->ims = NULL;
	vic_ctx_release(ctx);
	return ret;
}

static int vt_msix(struct vt_file *vf, struct vic_test_msix *arg)
{
	bool write = arg->write;
	int ret;

	if (arg->len > sizeof(arg->val))
		return -EINVAL;
	switch (arg->space) {
	case VIC_TEST_SPACE_CAP:
		return vic_msix_cap_rw(vf->ctx, arg->off, &arg->val, arg->len,
				       write, 0);
	case VIC_TEST_SPACE_TABLE:
		return vic_msix_table_rw(vf->ctx, arg->off, &arg->val,
					 arg->len, write);
	case VIC_TEST_SPACE_PBA:
		ret = write ? -EINVAL : 0;
		if (!ret)
			ret = vic_msix_pba_read(vf->ctx, arg->off, &arg->val,
						arg->len);
		return ret;
	}
	return -EINVAL;
}

/* Lock-free, so that it runs concurrently with SET_IRQS. */
static long vt_signal(struct vt_file *vf, void __user *uarg)
{
	struct vic_test_signal arg;
	struct vic_ctx *ctx;
	u64 i;
	int ret;

	/* Pairs with vt_create(). */
	ctx = smp_load_acquire(&vf->ctx);
	if (!ctx)
		return -ENODEV;
	if (copy_from_user(&arg, uarg, sizeof(arg)))
		return -EFAULT;
	for (i = 0, ret = 0; i < arg.count && !ret; i++) {
		ret = vt_signal_once(ctx, arg.vector, arg.flags);
		if (!ret && fatal_signal_pending(current))
			ret = -EINTR;
		cond_resched();
	}
	/* A fired IMS slot's handler runs with interrupts off: RT defers. */
	vic_flush(ctx);
	return ret;
}

static long vt_set_irqs(struct vt_file *vf, void __user *uarg)
{
	size_t minsz = offsetofend(struct vfio_irq_set, count);
	struct vfio_irq_set hdr;

	if (copy_from_user(&hdr, uarg, minsz))
		return -EFAULT;
	return vic_set_irqs_ioctl(vf->ctx, &hdr, uarg + minsz);
}

static long vt_ims_query(struct vt_file *vf, unsigned int cmd,
			 void __user *uarg)
{
	struct vic_test_irq_cookie ic;
	struct vic_test_ims_stats st = {};
	int ret;

	if (!vf->ims)
		return -ENODEV;
	if (cmd == VIC_TEST_IMS_STATS) {
		mutex_lock(&vf->ims->lock);
		st.in_use = bitmap_weight(vf->ims->used, vf->ims->nslots);
		st.allocs = vf->ims->allocs;
		st.frees = vf->ims->frees;
		st.enables = vf->ims->enables;
		st.disables = vf->ims->disables;
		st.last_nvec = vf->ims->last_nvec;
		mutex_unlock(&vf->ims->lock);
		return copy_to_user(uarg, &st, sizeof(st)) ? -EFAULT : 0;
	}
	if (copy_from_user(&ic, uarg, sizeof(ic)))
		return -EFAULT;
	ret = vt_ims_cookie(vf->ims, ic.virq, &ic.cookie);
	if (ret)
		return ret;
	return copy_to_user(uarg, &ic, sizeof(ic)) ? -EFAULT : 0;
}

static long vt_ioctl_ctx(struct vt_file *vf, unsigned int cmd,
			 void __user *uarg)
{
	union {
		struct vic_test_range range;
		struct vic_test_cookie cookie;
		struct vic_test_timer timer;
		struct vic_test_msix msix;
		struct vic_test_bench bench;
	} a;
	long ret;

	if (_IOC_DIR(cmd) & _IOC_WRITE) {
		if (_IOC_SIZE(cmd) > sizeof(a) ||
		    copy_from_user(&a, uarg, _IOC_SIZE(cmd)))
			return -EFAULT;
	}
	switch (cmd) {
	case VIC_TEST_SET_EMULATED:
		return vic_set_emulated(vf->ctx, a.range.start, a.range.count);
	case VIC_TEST_SET_COOKIE:
		return vic_set_cookie(vf->ctx, a.cookie.vector,
				      a.cookie.cookie);
	case VIC_TEST_SET_IRQS:
		return vt_set_irqs(vf, uarg);
	case VIC_TEST_TIMER_START:
		return vt_timer_start(vf, &a.timer);
	case VIC_TEST_MSIX:
		ret = vt_msix(vf, &a.msix);
		if (!ret && copy_to_user(uarg, &a.msix, sizeof(a.msix)))
			ret = -EFAULT;
		return ret;
	case VIC_TEST_IRQ_COOKIE:
	case VIC_TEST_IMS_STATS:
		return vt_ims_query(vf, cmd, uarg);
	case VIC_TEST_RESET:
		vic_reset(vf->ctx);
		return 0;
	case VIC_TEST_BENCH:
		ret = vt_bench(vf->ctx, &a.bench);
		if (!ret && copy_to_user(uarg, &a.bench, sizeof(a.bench)))
			ret = -EFAULT;
		return ret;
	}
	return -ENOTTY;
}

static long vt_timer_wait(struct vt_file *vf, u64 __user *uarg)
{
	struct vic_ctx *ctx;
	int ret;

	ret = mutex_lock_interruptible(&vf->wait_lock);
	if (ret)
		return ret;
	ret = rcuwait_wait_event(&vf->wait, !READ_ONCE(vf->running),
				 TASK_INTERRUPTIBLE);
	mutex_unlock(&vf->wait_lock);
	if (ret)
		return ret;
	/* The timer raises in hard IRQ: on RT their deliveries may wait. */
	ctx = smp_load_acquire(&vf->ctx);	/* pairs with vt_create() */
	if (ctx)
		vic_flush(ctx);
	return put_user(vf->done, uarg);
}

static long vt_ioctl(struct file *file, unsigned int cmd, unsigned long arg)
{
	struct vt_file *vf = file->private_data;
	void __user *uarg = (void __user *)arg;
	struct vic_test_create create;
	long ret;

	/* Neither takes the lock: they run beside the other ioctls. */
	if (cmd == VIC_TEST_TIMER_WAIT)
		return vt_timer_wait(vf, uarg);
	if (cmd == VIC_TEST_SIGNAL)
		return vt_signal(vf, uarg);

	mutex_lock(&vf->lock);
	if (cmd == VIC_TEST_CREATE) {
		ret = -EFAULT;
		if (!copy_from_user(&create, uarg, sizeof(create)))
			ret = vt_create(vf, &create);
	} else if (!vf->ctx) {
		ret = -ENODEV;
	} else {
		ret = vt_ioctl_ctx(vf, cmd, uarg);
	}
	mutex_unlock(&vf->lock);
	return ret;
}

static int vt_open(struct inode *inode, struct file *file)
{
	struct vt_file *vf;

	vf = kzalloc(sizeof(*vf), GFP_KERNEL);
	if (!vf)
		return -ENOMEM;
	mutex_init(&vf->lock);
	rcuwait_init(&vf->wait);
	mutex_init(&vf->wait_lock);
	hrtimer_init(&vf->timer, CLOCK_MONOTONIC, HRTIMER_MODE_REL_HARD);
	vf->timer.function = vt_timer_fn;
	file->private_data = vf;
	return 0;
}

static int vt_release(struct inode *inode, struct file *file)
{
	struct vt_file *vf = file->private_data;

	hrtimer_cancel(&vf->timer);
	vic_ctx_release(vf->ctx);
	vt_ims_destroy(vf->ims);
	mutex_destroy(&vf->wait_lock);
	mutex_destroy(&vf->lock);
	kfree(vf);
	return 0;
}

static const struct file_operations vt_fops = {
	.owner = THIS_MODULE,
	.open = vt_open,
	.release = vt_release,
	.unlocked_ioctl = vt_ioctl,
	.llseek = noop_llseek,
};

static struct miscdevice vt_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "vic_test",
	.fops = &vt_fops,
	.mode = 0600,
};

module_misc_device(vt_misc);
MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("vic: test-only driver of the core API");
