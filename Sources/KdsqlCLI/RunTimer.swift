@preconcurrency import Glibc

/// `.timer on`: wall-clock, user and system time for one shell entry, as
/// sqlite3 prints it.
struct RunTimer {
    private let wall: Double
    private let user: Double
    private let system: Double

    init() { (wall, user, system) = Self.sample() }

    /// `Run Time: real 0.012 user 0.010 sys 0.001`
    func report() -> String {
        let (w, u, s) = Self.sample()
        return "Run Time: real \(Self.fixed3(w - wall)) user \(Self.fixed3(u - user)) sys \(Self.fixed3(s - system))"
    }

    private static func sample() -> (Double, Double, Double) {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        return (FlushPolicy.now(), seconds(usage.ru_utime), seconds(usage.ru_stime))
    }

    /// Three decimals without Foundation's String(format:).
    static func fixed3(_ value: Double) -> String {
        let millis = Int((max(0, value) * 1000).rounded())
        let fraction = String(millis % 1000)
        return "\(millis / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }

    /// One decimal without Foundation's String(format:).
    static func fixed1(_ value: Double) -> String {
        let tenths = Int((max(0, value) * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
