@preconcurrency import Glibc

/// Environment variables through getenv (no Foundation at start-up).
public enum Environment {
    /// The value of `name`; an empty value counts as unset, as XDG says.
    public static func value(_ name: String) -> String? {
        guard let value = getenv(name) else { return nil }
        let text = String(cString: value)
        return text.isEmpty ? nil : text
    }
}
