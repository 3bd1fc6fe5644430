public enum KdsqlMain {
    public static func run() {
        print("kdsql: not yet")
    }
}
