/// The description of the error `body` throws, or "no error": for tests that compare a whole message.
public func thrownMessage(_ body: () throws -> Void) -> String {
    do {
        try body()
        return "no error"
    } catch {
        return "\(error)"
    }
}
