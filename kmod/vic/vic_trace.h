/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vic tracepoints: a contract. Field names and types are fixed; BPF tools
 * and bpftrace scripts read them as args->dev, args->vector, ...
 * Trigger values are eventfd context addresses, for correlation with probes
 * on eventfd_signal_mask(); they are printed hashed, never raw.
 */
#undef TRACE_SYSTEM
#define TRACE_SYSTEM vic

#if !defined(_VIC_TRACE_H) || defined(TRACE_HEADER_MULTI_READ)
#define _VIC_TRACE_H

#include <linux/tracepoint.h>

#define VIC_TRIGGER_PTR(t)	((void *)(unsigned long)(t))
#define VIC_DELIVER_STATUS(s)						\
	__print_symbolic(s, { 0, "delivered" }, { 1, "pended" },	\
			 { 2, "dropped" }, { 3, "released" })

/*
 * Registration callbacks of the two delivery-path tracepoints: while a
 * probe is attached to either, the fast path of a raise steps aside
 * (signal.c), so one static branch stands for both.
 */
int vic_delivery_trace_reg(void);
void vic_delivery_trace_unreg(void);

TRACE_EVENT(vic_ctx_init,
	    TP_PROTO(u32 dev, u32 nvec),
	    TP_ARGS(dev, nvec),
	    TP_STRUCT__entry(__field(u32, dev)
			     __field(u32, nvec)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->nvec = nvec;),
	    TP_printk("dev=%u nvec=%u",
		      __entry->dev,
		      __entry->nvec)
);

TRACE_EVENT(vic_ctx_release,
	    TP_PROTO(u32 dev),
	    TP_ARGS(dev),
	    TP_STRUCT__entry(__field(u32, dev)),
	    TP_fast_assign(__entry->dev = dev;),
	    TP_printk("dev=%u",
		      __entry->dev)
);

DECLARE_EVENT_CLASS(vic_vector_class,
		    TP_PROTO(u32 dev, u32 vector),
		    TP_ARGS(dev, vector),
		    TP_STRUCT__entry(__field(u32, dev)
				     __field(u32, vector)),
		    TP_fast_assign(__entry->dev = dev;
				   __entry->vector = vector;),
		    TP_printk("dev=%u vector=%u",
			      __entry->dev,
			      __entry->vector)
);

DEFINE_EVENT(vic_vector_class, vic_vector_free,
	     TP_PROTO(u32 dev, u32 vector),
	     TP_ARGS(dev, vector)
);

DECLARE_EVENT_CLASS(vic_vector_emulated_class,
		    TP_PROTO(u32 dev, u32 vector, u32 emulated),
		    TP_ARGS(dev, vector, emulated),
		    TP_STRUCT__entry(__field(u32, dev)
				     __field(u32, vector)
				     __field(u32, emulated)),
		    TP_fast_assign(__entry->dev = dev;
				   __entry->vector = vector;
				   __entry->emulated = emulated;),
		    TP_printk("dev=%u vector=%u emulated=%u",
			      __entry->dev,
			      __entry->vector,
			      __entry->emulated)
);

DEFINE_EVENT(vic_vector_emulated_class, vic_vector_alloc,
	     TP_PROTO(u32 dev, u32 vector, u32 emulated),
	     TP_ARGS(dev, vector, emulated)
);

DEFINE_EVENT_FN(vic_vector_emulated_class, vic_raise,
		TP_PROTO(u32 dev, u32 vector, u32 emulated),
		TP_ARGS(dev, vector, emulated),
		vic_delivery_trace_reg, vic_delivery_trace_unreg
);

DECLARE_EVENT_CLASS(vic_cookie_class,
		    TP_PROTO(u32 dev, u32 vector, u64 cookie),
		    TP_ARGS(dev, vector, cookie),
		    TP_STRUCT__entry(__field(u32, dev)
				     __field(u32, vector)
				     __field(u64, cookie)),
		    TP_fast_assign(__entry->dev = dev;
				   __entry->vector = vector;
				   __entry->cookie = cookie;),
		    TP_printk("dev=%u vector=%u cookie=0x%llx",
			      __entry->dev,
			      __entry->vector,
			      __entry->cookie)
);

DEFINE_EVENT(vic_cookie_class, vic_irq_alloc_start,
	     TP_PROTO(u32 dev, u32 vector, u64 cookie),
	     TP_ARGS(dev, vector, cookie)
);

DEFINE_EVENT(vic_cookie_class, vic_cookie_set_start,
	     TP_PROTO(u32 dev, u32 vector, u64 cookie),
	     TP_ARGS(dev, vector, cookie)
);

TRACE_EVENT(vic_irq_alloc_end,
	    TP_PROTO(u32 dev, u32 vector, int virq, int ret),
	    TP_ARGS(dev, vector, virq, ret),
	    TP_STRUCT__entry(__field(u32, dev)
			     __field(u32, vector)
			     __field(int, virq)
			     __field(int, ret)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->vector = vector;
			   __entry->virq = virq;
			   __entry->ret = ret;),
	    TP_printk("dev=%u vector=%u virq=%d ret=%d",
		      __entry->dev,
		      __entry->vector,
		      __entry->virq,
		      __entry->ret)
);

TRACE_EVENT(vic_irq_free,
	    TP_PROTO(u32 dev, u32 vector, int virq),
	    TP_ARGS(dev, vector, virq),
	    TP_STRUCT__entry(__field(u32, dev)
			     __field(u32, vector)
			     __field(int, virq)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->vector = vector;
			   __entry->virq = virq;),
	    TP_printk("dev=%u vector=%u virq=%d",
		      __entry->dev,
		      __entry->vector,
		      __entry->virq)
);

TRACE_EVENT(vic_cookie_set_end,
	    TP_PROTO(u32 dev, u32 vector, int ret),
	    TP_ARGS(dev, vector, ret),
	    TP_STRUCT__entry(__field(u32, dev)
			     __field(u32, vector)
			     __field(int, ret)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->vector = vector;
			   __entry->ret = ret;),
	    TP_printk("dev=%u vector=%u ret=%d",
		      __entry->dev,
		      __entry->vector,
		      __entry->ret)
);

TRACE_EVENT(vic_trigger_set,
	    TP_PROTO(u32 dev, u32 vector, u64 trigger),
	    TP_ARGS(dev, vector, trigger),
	    TP_STRUCT__entry(__field(u32, dev)
			     __field(u32, vector)
			     __field(u64, trigger)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->vector = vector;
			   __entry->trigger = trigger;),
	    TP_printk("dev=%u vector=%u trigger=%p",
		      __entry->dev,
		      __entry->vector,
		      VIC_TRIGGER_PTR(__entry->trigger))
);

TRACE_EVENT_FN(vic_deliver,
	       TP_PROTO(u32 dev, u32 vector, u64 trigger, u32 status),
	       TP_ARGS(dev, vector, trigger, status),
	       TP_STRUCT__entry(__field(u32, dev)
				__field(u32, vector)
				__field(u64, trigger)
				__field(u32, status)),
	       TP_fast_assign(__entry->dev = dev;
			      __entry->vector = vector;
			      __entry->trigger = trigger;
			      __entry->status = status;),
	       TP_printk("dev=%u vector=%u trigger=%p status=%s",
			 __entry->dev,
			 __entry->vector,
			 VIC_TRIGGER_PTR(__entry->trigger),
			 VIC_DELIVER_STATUS(__entry->status)),
	       vic_delivery_trace_reg, vic_delivery_trace_unreg
);

/*
 * A raise whose delivery is deferred to the device's irq_work (PREEMPT_RT
 * and the debug kernel, from hard IRQ: docs/core.md), and the start of
 * that delivery, its vic_deliver next in the same context. @seq numbers
 * the deferred raises of a vector: the pair of events of one raise has the
 * same dev, vector and seq.
 */
DECLARE_EVENT_CLASS(vic_defer_class,
		    TP_PROTO(u32 dev, u32 vector, u32 seq),
		    TP_ARGS(dev, vector, seq),
		    TP_STRUCT__entry(__field(u32, dev)
				     __field(u32, vector)
				     __field(u32, seq)),
		    TP_fast_assign(__entry->dev = dev;
				   __entry->vector = vector;
				   __entry->seq = seq;),
		    TP_printk("dev=%u vector=%u seq=%u",
			      __entry->dev,
			      __entry->vector,
			      __entry->seq)
);

DEFINE_EVENT(vic_defer_class, vic_defer,
	     TP_PROTO(u32 dev, u32 vector, u32 seq),
	     TP_ARGS(dev, vector, seq)
);

DEFINE_EVENT(vic_defer_class, vic_defer_run,
	     TP_PROTO(u32 dev, u32 vector, u32 seq),
	     TP_ARGS(dev, vector, seq)
);

TRACE_EVENT(vic_mask,
	    TP_PROTO(u32 dev, u32 vector, u32 masked),
	    TP_ARGS(dev, vector, masked),
	    TP_STRUCT__entry(__field(u32, dev)
			     __field(u32, vector)
			     __field(u32, masked)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->vector = vector;
			   __entry->masked = masked;),
	    TP_printk("dev=%u vector=%u masked=%u",
		      __entry->dev,
		      __entry->vector,
		      __entry->masked)
);

TRACE_EVENT(vic_set_irqs,
	    TP_PROTO(u32 dev, u32 flags, u32 start, u32 count, int ret),
	    TP_ARGS(dev, flags, start, count, ret),
	    TP_STRUCT__entry(__field(u32, dev)
			     __field(u32, flags)
			     __field(u32, start)
			     __field(u32, count)
			     __field(int, ret)),
	    TP_fast_assign(__entry->dev = dev;
			   __entry->flags = flags;
			   __entry->start = start;
			   __entry->count = count;
			   __entry->ret = ret;),
	    TP_printk("dev=%u flags=0x%x start=%u count=%u ret=%d",
		      __entry->dev,
		      __entry->flags,
		      __entry->start,
		      __entry->count,
		      __entry->ret)
);

#endif /* _VIC_TRACE_H */

#undef TRACE_INCLUDE_PATH
#define TRACE_INCLUDE_PATH .
#undef TRACE_INCLUDE_FILE
#define TRACE_INCLUDE_FILE vic_trace
#include <trace/define_trace.h>
