/// The saved queries in sql/, compiled into the binary by SwiftPM's
/// `.embedInCode` so that kdsql finds them from any working directory.
///
/// SwiftPM generates one property per file but no list of them, hence this
/// list; a test compares it with the contents of Queries/sql/, so a new
/// query file that is not added here fails the tests.
public enum EmbeddedQueries {
    /// (file name, UTF-8 bytes), sorted by name.
    public static let files: [(name: String, bytes: [UInt8])] = [
        ("bash_count.sql", PackageResources.bash_count_sql),
        ("blocked_in.sql", PackageResources.blocked_in_sql),
        ("bt.sql", PackageResources.bt_sql),
        ("files.sql", PackageResources.files_sql),
        ("foreach_bt.sql", PackageResources.foreach_bt_sql),
        ("log.sql", PackageResources.log_sql),
        ("mod.sql", PackageResources.mod_sql),
        ("mount.sql", PackageResources.mount_sql),
        ("net.sql", PackageResources.net_sql),
        ("ps.sql", PackageResources.ps_sql),
        ("runq.sql", PackageResources.runq_sql),
        ("sys.sql", PackageResources.sys_sql),
        ("taint.sql", PackageResources.taint_sql),
        ("tasks_by_state.sql", PackageResources.tasks_by_state_sql),
        ("threads_per_process.sql", PackageResources.threads_per_process_sql),
        ("timer.sql", PackageResources.timer_sql),
        ("top_rss.sql", PackageResources.top_rss_sql),
        ("uninterruptible.sql", PackageResources.uninterruptible_sql),
        ("vm.sql", PackageResources.vm_sql),
        ("zombies.sql", PackageResources.zombies_sql),
    ]
}
