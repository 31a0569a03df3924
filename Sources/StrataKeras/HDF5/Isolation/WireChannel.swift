import Foundation
import StrataCore

/// One end of the Unix-domain stream socket between Strata and its HDF5 worker. A message is its
/// length (4 bytes, little-endian) and its bytes; a message may carry one file descriptor
/// (`SCM_RIGHTS`): the shared memory a dataset is read into, or the file to open.
///
/// Sends never raise SIGPIPE (a dead worker is an error, not the end of Strata), and receives wait
/// at most `timeout` seconds, so a worker stuck in libhdf5 cannot hang Strata.
final class WireChannel {
    let fd: Int32

    /// Larger than any attribute list or error a worker sends; a longer frame means a corrupt worker.
    static let maxFrame = 1 << 28

    enum Failure: Error {
        /// The other end closed the socket (the worker exited or crashed).
        case closed
        /// Nothing arrived within the time allowed.
        case timeout
        /// A frame longer than `maxFrame`, or a system error.
        case broken(String)
    }

    init(fd: Int32) { self.fd = fd }

    deinit { close(fd) }

    /// A connected pair: Strata's end and the worker's end, both close-on-exec.
    static func pair() throws -> (WireChannel, WireChannel) {
        var fds: [Int32] = [0, 0]
        #if canImport(Glibc)
        let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        #else
        let type = SOCK_STREAM
        #endif
        guard socketpair(AF_UNIX, type, 0, &fds) == 0 else {
            throw StrataError(.io, "cannot create a socket for the HDF5 worker: " + String(cString: strerror(errno)))
        }
        return (WireChannel(fd: fds[0]), WireChannel(fd: fds[1]))
    }

    // MARK: Sending

    func send(_ message: WireMessage, passing descriptor: Int32? = nil) throws {
        var frame = withUnsafeBytes(of: UInt32(message.bytes.count).littleEndian) { Array($0) }
        frame += message.bytes
        var sent = 0
        if let descriptor {
            sent = try sendFirst(frame, descriptor: descriptor)
        }
        while sent < frame.count {
            let n = frame.withUnsafeBytes { Foundation.send(fd, $0.baseAddress! + sent, frame.count - sent, Int32(MSG_NOSIGNAL)) }
            if n < 0 {
                if errno == EINTR { continue }
                throw errno == EPIPE || errno == ECONNRESET ? Failure.closed : Failure.broken(String(cString: strerror(errno)))
            }
            sent += n
        }
    }

    /// Space for one `cmsghdr` carrying one descriptor, as `CMSG_SPACE(sizeof(int))` computes it.
    private static let controlSpace = align(MemoryLayout<cmsghdr>.size) + align(MemoryLayout<Int32>.size)
    private static func align(_ n: Int) -> Int { (n + MemoryLayout<Int>.size - 1) & ~(MemoryLayout<Int>.size - 1) }

    /// Sends the start of `frame` with `descriptor` attached; returns the bytes sent.
    private func sendFirst(_ frame: [UInt8], descriptor: Int32) throws -> Int {
        var control = [UInt8](repeating: 0, count: Self.controlSpace)
        var frame = frame
        while true {
            let n: Int = frame.withUnsafeMutableBytes { body in
                control.withUnsafeMutableBytes { space in
                    let header = space.baseAddress!.assumingMemoryBound(to: cmsghdr.self)
                    header.pointee.cmsg_len = numericCast(Self.align(MemoryLayout<cmsghdr>.size) + MemoryLayout<Int32>.size)
                    header.pointee.cmsg_level = SOL_SOCKET
                    header.pointee.cmsg_type = Int32(SCM_RIGHTS)
                    (space.baseAddress! + Self.align(MemoryLayout<cmsghdr>.size)).storeBytes(of: descriptor, as: Int32.self)
                    var vector = iovec(iov_base: body.baseAddress, iov_len: body.count)
                    return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                        var message = msghdr()
                        message.msg_iov = vectorPointer
                        message.msg_iovlen = 1
                        message.msg_control = space.baseAddress
                        message.msg_controllen = numericCast(space.count)
                        return sendmsg(fd, &message, Int32(MSG_NOSIGNAL))
                    }
                }
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw errno == EPIPE || errno == ECONNRESET ? Failure.closed : Failure.broken(String(cString: strerror(errno)))
            }
            return n
        }
    }

    // MARK: Receiving

    /// The next message and the descriptor it carried, if any (close-on-exec; the caller owns it).
    /// `timeout` nil waits as long as it takes (the worker's side).
    func receive(timeout: Double?) throws -> (WireMessage, Int32?) {
        let deadline = timeout.map { DispatchTime.now().uptimeNanoseconds + UInt64($0 * 1e9) }
        var header = [UInt8](repeating: 0, count: 4)
        var descriptor: Int32?
        var done = 0
        do {
            while done < 4 {
                try wait(until: deadline)
                let (n, received) = try receiveFirst(into: &header, from: done)
                if let received {
                    if descriptor == nil { descriptor = received } else { close(received) }
                }
                if n == 0 { throw Failure.closed }
                done += n
            }
            let length = Int(UInt32(header[0]) | UInt32(header[1]) << 8 | UInt32(header[2]) << 16 | UInt32(header[3]) << 24)
            guard length <= Self.maxFrame else { throw Failure.broken("a message of \(length) bytes") }
            var body = [UInt8](repeating: 0, count: length)
            var read = 0
            while read < length {
                try wait(until: deadline)
                let n = body.withUnsafeMutableBytes { recv(fd, $0.baseAddress! + read, length - read, 0) }
                if n < 0 {
                    if errno == EINTR { continue }
                    throw Failure.broken(String(cString: strerror(errno)))
                }
                if n == 0 { throw Failure.closed }
                read += n
            }
            return (WireMessage(bytes: body), descriptor)
        } catch {
            if let descriptor { close(descriptor) }
            throw error
        }
    }

    private func wait(until deadline: UInt64?) throws {
        guard let deadline else { return }
        while true {
            let now = DispatchTime.now().uptimeNanoseconds
            guard now < deadline else { throw Failure.timeout }
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let milliseconds = Int32(clamping: (deadline - now + 999_999) / 1_000_000)
            let n = poll(&entry, 1, milliseconds)
            if n > 0 { return }
            if n < 0 && errno != EINTR { throw Failure.broken(String(cString: strerror(errno))) }
        }
    }

    /// Reads into `buffer` from `offset` with `recvmsg`, picking up an attached descriptor.
    private func receiveFirst(into buffer: inout [UInt8], from offset: Int) throws -> (Int, Int32?) {
        var control = [UInt8](repeating: 0, count: Self.controlSpace)
        while true {
            var received: Int32?
            let n: Int = buffer.withUnsafeMutableBytes { body in
                control.withUnsafeMutableBytes { space in
                    var vector = iovec(iov_base: body.baseAddress! + offset, iov_len: body.count - offset)
                    return withUnsafeMutablePointer(to: &vector) { vectorPointer in
                        var message = msghdr()
                        message.msg_iov = vectorPointer
                        message.msg_iovlen = 1
                        message.msg_control = space.baseAddress
                        message.msg_controllen = numericCast(space.count)
                        let n = recvmsg(fd, &message, Self.receiveFlags)
                        let headerSize = Self.align(MemoryLayout<cmsghdr>.size)
                        if n >= 0, Int(message.msg_controllen) >= headerSize + MemoryLayout<Int32>.size {
                            let header = space.baseAddress!.assumingMemoryBound(to: cmsghdr.self).pointee
                            if header.cmsg_level == SOL_SOCKET, header.cmsg_type == Int32(SCM_RIGHTS),
                               Int(header.cmsg_len) >= headerSize + MemoryLayout<Int32>.size {
                                received = (space.baseAddress! + headerSize).load(as: Int32.self)
                            }
                        }
                        return n
                    }
                }
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw Failure.broken(String(cString: strerror(errno)))
            }
            return (n, received)
        }
    }

    #if canImport(Glibc)
    /// `MSG_CMSG_CLOEXEC`: received descriptors are not inherited by processes Strata starts.
    private static let receiveFlags = Int32(0x4000_0000)
    #else
    private static let receiveFlags = Int32(0)
    #endif
}
