/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * vic: vector interrupt context
 *
 * One interrupt context per (virtual) device, MSI-X emulated once, and
 * interchangeable backends behind it. A device driver creates a context with
 * vic_ctx_init(), marks the vectors it signals in software with
 * vic_set_emulated(), optionally attaches an IMS provider for the others
 * with vic_ims_attach(), and forwards the MSI-X parts of its VFIO uAPI
 * (SET_IRQS, the MSI-X capability, table and PBA) to the core.
 *
 * The delivery path (vic_raise(), vic_send_signal(), vic_deliver()) never
 * sleeps and takes no configuration lock: it may be called from hard-IRQ,
 * softirq and process context, on several CPUs at once, while SET_IRQS
 * replaces or drops the triggers. On PREEMPT_RT, where signalling an eventfd
 * may sleep, a raise from a context that cannot sleep is counted at once and
 * delivered from an irq_work; vic_flush() waits for those deliveries.
 */
#ifndef _VIC_H
#define _VIC_H

#include <linux/compiler_types.h>
#include <linux/types.h>

struct eventfd_ctx;
struct module;
struct vfio_irq_set;
struct vic_ctx;
struct vic_vector;

/* Default IMS cookie of a vector, and the one VFIO_DEVICE_RESET restores. */
#define VIC_COOKIE_DEFAULT	0ULL

/* Bytes per MSI-X table entry. */
#define VIC_MSIX_ENTRY_SIZE	16

/* Size in bytes of the MSI-X capability that vic_msix_cap_rw() emulates. */
#define VIC_MSIX_CAP_SIZE	12

/**
 * struct vic_backend_ops - the seam between the frontend and a backend
 * @owner: the module that provides the operations (THIS_MODULE); the core
 *	holds a reference on it for every vector that has a backing
 *	interrupt, so the module cannot be unloaded under a live vector
 * @name: backend name, shown as the vector type in debugfs (e.g. "ims")
 * @alloc: allocate the backing interrupt of @vec, programmed with @cookie,
 *	in the vector's current mask state (vic_vector_masked()). Called with
 *	the configuration mutex held, in process context; may sleep. Returns
 *	the Linux IRQ number (> 0) or a negative errno; a return of 0 is no
 *	interrupt: the core fails the allocation with -EIO, so the backend
 *	must hold nothing then.
 * @free: free the backing interrupt of @vec. Called with the configuration
 *	mutex held, in process context, after the core has made sure no raise
 *	of @vec is in flight; may sleep.
 * @fire: optional: make the backing interrupt of @vec fire (a device model
 *	without real hardware). Called from any context, under RCU; must not
 *	sleep. Without it vic_raise() of a backed vector is -EOPNOTSUPP, and
 *	the backend's handler counts each raise with vic_account_raise().
 * @trigger_changed: optional: the trigger of a backed vector with a
 *	backing interrupt was set, replaced or dropped (e.g. to re-key an irq
 *	bypass producer). Configuration mutex held, process context.
 * @mask: optional: the effective mask of a vector with a backing interrupt
 *	changed (table entry or function mask), @masked its new value; called
 *	once per change, with the configuration mutex held, in process
 *	context, must not sleep. A backend that posts interrupts past the
 *	core (irq bypass) must stop doing so while the vector is masked, so
 *	that the core sets the pending bit.
 * @enable: optional: MSI-X of the device is being enabled: the first
 *	SET_IRQS with eventfds since it was disabled, about to use vectors
 *	[0, @nvec), @nvec being start + count of that call (the block that
 *	vfio-pci's vfio_msi_enable() allocates). A backend that allocates
 *	or enables its hardware per device does it here. Configuration mutex
 *	held, process context; may sleep. An error fails that SET_IRQS, and
 *	MSI-X stays disabled.
 * @disable: optional: MSI-X of the device was disabled (SET_IRQS with
 *	DATA_NONE and count 0, reset, release, or the failure of the
 *	SET_IRQS that enabled it), after every backing interrupt was freed;
 *	called once per successful @enable. Configuration mutex held,
 *	process context; may sleep.
 * @release: optional: the context is being released; every backing
 *	interrupt is freed. Frees what the backend attached with
 *	vic_set_backend(). Process context, no lock held; may sleep.
 *
 * Emulated vectors are handled by the frontend: a backend never sees them.
 */
struct vic_backend_ops {
	struct module *owner;
	const char *name;
	int (*alloc)(struct vic_ctx *ctx, struct vic_vector *vec, u64 cookie);
	void (*free)(struct vic_ctx *ctx, struct vic_vector *vec);
	void (*fire)(struct vic_ctx *ctx, struct vic_vector *vec);
	void (*trigger_changed)(struct vic_ctx *ctx, struct vic_vector *vec);
	void (*mask)(struct vic_ctx *ctx, struct vic_vector *vec, bool masked);
	int (*enable)(struct vic_ctx *ctx, unsigned int nvec);
	void (*disable)(struct vic_ctx *ctx);
	void (*release)(struct vic_ctx *ctx);
};

/**
 * struct vic_ims_provider_ops - an Interrupt Message Store of a parent device
 * @alloc: take a free slot, program it with @cookie and return the Linux IRQ
 *	number that fires when the slot's message is raised (> 0), storing the
 *	slot in @slot; or a negative errno (-ENOSPC when the store is full).
 *	Process context, may sleep.
 * @free: release @slot (whose IRQ is @virq). Process context, may sleep.
 * @fire: optional: raise the message of @slot (simulated stores only).
 *	Any context; must not sleep.
 * @enable: optional: the device's MSI-X is being enabled with vectors
 *	[0, @nvec) (the backend's enable operation). Process context, may
 *	sleep; an error fails the SET_IRQS call.
 * @disable: optional: the device's MSI-X was disabled, every slot freed.
 *	Process context, may sleep.
 */
struct vic_ims_provider_ops {
	int (*alloc)(void *priv, u64 cookie, unsigned int *slot);
	void (*free)(void *priv, unsigned int slot, int virq);
	void (*fire)(void *priv, unsigned int slot);
	int (*enable)(void *priv, unsigned int nvec);
	void (*disable)(void *priv);
};

/**
 * struct vic_ims_provider - an IMS provider instance, supplied by a driver
 * @ops: the provider's operations
 * @priv: passed back to every operation
 */
struct vic_ims_provider {
	const struct vic_ims_provider_ops *ops;
	void *priv;
};

/**
 * struct vic_msix_layout - where a device places its MSI-X structures
 * @table_bar: BAR indicator of the MSI-X table
 * @table_offset: offset of the table in @table_bar
 * @pba_bar: BAR indicator of the pending bit array
 * @pba_offset: offset of the PBA in @pba_bar
 */
struct vic_msix_layout {
	u8 table_bar;
	u32 table_offset;
	u8 pba_bar;
	u32 pba_offset;
};

int vic_ctx_init(struct vic_ctx **pctx, const char *name, unsigned int nvec,
		 const struct vic_msix_layout *layout);
void vic_ctx_release(struct vic_ctx *ctx);
u32 vic_ctx_id(const struct vic_ctx *ctx);
unsigned int vic_ctx_nvec(const struct vic_ctx *ctx);

int vic_set_backend(struct vic_ctx *ctx, const struct vic_backend_ops *ops,
		    void *priv);
void *vic_backend_priv(const struct vic_ctx *ctx);
int vic_ims_attach(struct vic_ctx *ctx, const struct vic_ims_provider *prov);

int vic_set_emulated(struct vic_ctx *ctx, unsigned int start,
		     unsigned int count);
int vic_set_cookie(struct vic_ctx *ctx, unsigned int vector, u64 cookie);
int vic_get_cookie(struct vic_ctx *ctx, unsigned int vector, u64 *cookie);
bool vic_is_emulated(struct vic_ctx *ctx, unsigned int vector);

int vic_set_irqs(struct vic_ctx *ctx, u32 flags, unsigned int start,
		 unsigned int count, const void *data);
int vic_set_irqs_ioctl(struct vic_ctx *ctx, struct vfio_irq_set *hdr,
		       void __user *data);
void vic_reset(struct vic_ctx *ctx);
void vic_set_bus_master(struct vic_ctx *ctx, bool enable);

int vic_send_signal(struct vic_ctx *ctx, unsigned int vector);
int vic_raise(struct vic_ctx *ctx, unsigned int vector);
void vic_deliver(struct vic_vector *vec);
void vic_account_raise(struct vic_vector *vec);
void vic_flush(struct vic_ctx *ctx);

unsigned int vic_vector_index(const struct vic_vector *vec);
struct vic_ctx *vic_vector_ctx(const struct vic_vector *vec);
void *vic_vector_data(const struct vic_vector *vec);
void vic_vector_set_data(struct vic_vector *vec, void *data);
struct eventfd_ctx *vic_vector_trigger(const struct vic_vector *vec);
int vic_vector_virq(const struct vic_vector *vec);
const char *vic_vector_name(const struct vic_vector *vec);
bool vic_vector_masked(const struct vic_vector *vec);

int vic_msix_cap_rw(struct vic_ctx *ctx, unsigned int off, void *buf,
		    size_t len, bool write, u8 next);
int vic_msix_table_rw(struct vic_ctx *ctx, unsigned int off, void *buf,
		      size_t len, bool write);
int vic_msix_pba_read(struct vic_ctx *ctx, unsigned int off, void *buf,
		      size_t len);
size_t vic_msix_table_size(const struct vic_ctx *ctx);
size_t vic_msix_pba_size(const struct vic_ctx *ctx);

#endif /* _VIC_H */
