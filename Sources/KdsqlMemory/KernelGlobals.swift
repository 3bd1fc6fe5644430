/// Types of the kernel globals kdsql reads. Kernel BTF describes types and
/// functions but (without CONFIG_DEBUG_INFO_BTF's per-variable data for
/// non-per-CPU globals) not most global variables, so this side table says
/// what each one is. Sources: the declarations in the kernel tree (file noted).
public enum KernelGlobals {
    public static let types: [String: String] = [
        "init_task": "struct task_struct",          // init/init_task.c
        "init_uts_ns": "struct uts_namespace",      // init/version.c
        "init_pid_ns": "struct pid_namespace",      // kernel/pid.c
        "init_mm": "struct mm_struct",              // mm/init-mm.c
        "init_net": "struct net",                   // net/core/net_namespace.c
        "init_nsproxy": "struct nsproxy",           // kernel/nsproxy.c
        "prb": "struct printk_ringbuffer *",        // kernel/printk/printk.c
        "printk_rb_static": "struct printk_ringbuffer",
        "jiffies_64": "u64",                        // kernel/time/timer.c
        "jiffies": "unsigned long",
        "avenrun": "unsigned long [3]",             // kernel/sched/loadavg.c
        "tainted_mask": "unsigned long",            // kernel/panic.c
        "panic_cpu": "atomic_t",                    // kernel/panic.c
        "modules": "struct list_head",              // kernel/module/main.c
        "runqueues": "struct rq",                   // kernel/sched/core.c (per-CPU)
        "current_task": "struct task_struct *",     // arch/x86/kernel/cpu/common.c (per-CPU, < 6.2)
        "pcpu_hot": "struct pcpu_hot",              // arch/x86/kernel/cpu/common.c (per-CPU, >= 6.2)
        "_totalram_pages": "atomic_long_t",         // mm/page_alloc.c
        "totalram_pages": "atomic_long_t",
        "nr_cpu_ids": "unsigned int",
        "tk_core": "struct tk_core",                // kernel/time/timekeeping.c (anonymous struct type in source)
        "super_blocks": "struct list_head",         // fs/super.c
        "net_namespace_list": "struct list_head",
        "crashing_cpu": "int",                      // arch/x86/kernel/reboot.c
        "panic_notifier_list": "struct atomic_notifier_head",
        "timer_bases": "struct timer_base [4]",     // kernel/time/timer.c (per-CPU)
        "hrtimer_bases": "struct hrtimer_cpu_base", // kernel/time/hrtimer.c (per-CPU)
        "slab_caches": "struct list_head",          // mm/slab_common.c
        "proc_root": "struct proc_dir_entry",       // fs/proc/root.c
    ]
}
