// SPDX-License-Identifier: GPL-2.0
/*
 * kdsql_oops: the crash of make-dump's "oops" scenario.  Loading it writes
 * to address 0 from the module's init function, which gives the classic
 * "BUG: kernel NULL pointer dereference" / "Oops: 0002" with taint OE; the
 * guest boots with oops=panic, so the Oops ends in panic("Fatal exception").
 */
#include <linux/init.h>
#include <linux/module.h>
#include <linux/printk.h>

/* noinline: the faulting function keeps a frame of its own (RIP, call trace). */
static noinline void kdsql_oops_write(void)
{
	*(volatile int *)0 = 1;
}

static int __init kdsql_oops_init(void)
{
	pr_info("kdsql_oops: writing to a NULL pointer\n");
	kdsql_oops_write();
	/* a call after it keeps the write from becoming a tail call */
	pr_info("kdsql_oops: still alive\n");
	return 0;
}
module_init(kdsql_oops_init);

MODULE_LICENSE("GPL");
MODULE_DESCRIPTION("kdsql fixture: NULL pointer write in the module init function");
