/// The table-definition files, compiled into the binary by SwiftPM's
/// `.embedInCode` so that kdsql reads no data files at run time.
///
/// SwiftPM generates one property per file but no list of them, hence this
/// list. A test compares it with the contents of Grammar/tables/, so a new
/// `.kdt` file that is not added here fails the build's tests.
public enum EmbeddedDefinitions {
    /// (file name, UTF-8 bytes), in load order.
    public static let files: [(name: String, bytes: [UInt8])] = [
        ("sys.kdt", PackageResources.sys_kdt),
        ("tasks.kdt", PackageResources.tasks_kdt),
        ("introspection.kdt", PackageResources.introspection_kdt),
        ("stack.kdt", PackageResources.stack_kdt),
        ("log.kdt", PackageResources.log_kdt),
        ("vm.kdt", PackageResources.vm_kdt),
        ("files.kdt", PackageResources.files_kdt),
        ("mounts.kdt", PackageResources.mounts_kdt),
        ("modules.kdt", PackageResources.modules_kdt),
        ("timers.kdt", PackageResources.timers_kdt),
        ("sched.kdt", PackageResources.sched_kdt),
        ("net.kdt", PackageResources.net_kdt),
    ]
}
