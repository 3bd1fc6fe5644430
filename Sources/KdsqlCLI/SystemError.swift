@preconcurrency import Glibc

/// Turns an errno into the words `strerror` gives ("No such file or directory").
enum SystemError {
    static func describe(_ code: Int32) -> String {
        guard let text = strerror(code) else { return "error \(code)" }
        return String(cString: text)
    }
}
