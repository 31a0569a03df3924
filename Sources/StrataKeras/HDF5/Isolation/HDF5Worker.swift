import Foundation
import StrataCore

/// The worker side of HDF5 isolation: runs `HDF5Reader` on the requests that arrive on a socket and
/// sends back results, until Strata closes the socket. It runs in its own process (`strata
/// hdf5-worker`), so that libhdf5 crashing or looping on a corrupt file ends only the worker.
///
/// Datasets are read straight into the shared memory Strata passes with each read request, so their
/// bytes are written once, by libhdf5, and used in place by Strata.
public enum HDF5Worker {
    /// Serves the socket `fd` (inherited from Strata) and returns the process's exit status.
    /// `dataLimit` caps the worker's own heap (`RLIMIT_DATA`), so that a size libhdf5 takes from a
    /// corrupt file fails an allocation instead of using the machine's memory.
    public static func serve(socket fd: Int32, dataLimit: Int?) -> Int32 {
        endWithParent()
        if let dataLimit { limitData(dataLimit) }
        let heapLimit = dataLimit ?? Int.max
        let channel = WireChannel(fd: fd)
        var reader: HDF5Reader?
        while true {
            let request: WireMessage
            let descriptor: Int32?
            do {
                (request, descriptor) = try channel.receive(timeout: nil)
            } catch {
                return 0  // Strata closed the socket: the file is done with
            }
            // Everything but a dataset read is metadata, which a valid file cannot make larger than a few
            // times itself; a variable-length string whose length a corrupt file declares as gigabytes is
            // allocated by libhdf5 before it is read, so the heap is held to that bound then. Dataset reads
            // go into shared memory, sized by Strata after its own checks, with the whole limit.
            if request.bytes.first == HDF5Operation.read.rawValue {
                limitData(heapLimit)
            } else {
                let fileSize = reader?.fileSize ?? 0
                limitData(Swift.min(heapLimit, (256 << 20) + Swift.min(fileSize, Int.max / 8) * 4))
            }
            let reply = Self.reply(to: request, descriptor: descriptor, reader: &reader)
            if let descriptor { close(descriptor) }
            do { try channel.send(reply) } catch { return 1 }
        }
    }

    /// The reply to one request: 0 and the result, or 1 and the error.
    static func reply(to request: WireMessage, descriptor: Int32?, reader: inout HDF5Reader?) -> WireMessage {
        var reply = WireMessage()
        do {
            var fields = request
            guard let operation = HDF5Operation(rawValue: try fields.byte()) else { throw WireMessage.Malformed() }
            var result = WireMessage()
            result.append(UInt8(0))
            try handle(operation, &fields, descriptor: descriptor, reader: &reader, into: &result)
            reply = result
        } catch let error as StrataError {
            reply.append(UInt8(1))
            reply.append(error)
        } catch {
            reply.append(UInt8(1))
            reply.append(StrataError(.corruptFile, "malformed request to the HDF5 worker"))
        }
        return reply
    }

    private static func handle(_ operation: HDF5Operation, _ fields: inout WireMessage, descriptor: Int32?,
                               reader: inout HDF5Reader?, into reply: inout WireMessage) throws {
        if operation == .open {
            let size = try fields.int()
            guard let descriptor else { throw WireMessage.Malformed() }
            reader = try HDF5Reader(descriptor: descriptor, fileSize: size)
            return
        }
        if operation == .openImage {
            let offset = try fields.int(), size = try fields.int()
            guard let descriptor, offset >= 0, size > 0 else { throw WireMessage.Malformed() }
            reader = try HDF5Reader(imageIn: descriptor, offset: offset, size: size)
            return
        }
        guard let reader else { throw StrataError(.corruptFile, "no HDF5 file is open") }
        switch operation {
        case .open, .openImage:
            break
        case .snapshot:
            guard let descriptor,
                  let page = mmap(nil, progressBytes, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0), page != MAP_FAILED
            else { throw WireMessage.Malformed() }
            defer { munmap(page, progressBytes) }
            snapshot(reader, into: &reply) { path in note(path, in: page) }
        case .exists:
            reply.append(UInt8(try reader.exists(try fields.string()) ? 1 : 0))
        case .kind:
            reply.append(UInt8(try reader.kind(try fields.string())?.rawValue ?? 0))
        case .children:
            reply.append(try reader.children(try fields.string()))
        case .hasAttribute:
            let path = try fields.string()
            reply.append(UInt8(try reader.hasAttribute(path, try fields.string()) ? 1 : 0))
        case .strings:
            let path = try fields.string()
            reply.append(try reader.strings(path, try fields.string()))
        case .datasetInfo:
            let info = try reader.datasetInfo(try fields.string())
            reply.append(info.shape)
            reply.append(info.dtype.rawValue)
            reply.append(info.byteCount)
            reply.append(info.fileOffset ?? -1)
        case .read:
            let path = try fields.string()
            let info = HDF5DatasetInfo(shape: try fields.ints(), dtype: DType(rawValue: try fields.string()) ?? .float32,
                                       byteCount: try fields.int(), fileOffset: try fields.optionalOffset())
            guard let descriptor, info.byteCount > 0 else { throw WireMessage.Malformed() }
            var status = stat()
            guard fstat(descriptor, &status) == 0, Int(status.st_size) >= info.byteCount else { throw WireMessage.Malformed() }
            guard let memory = mmap(nil, info.byteCount, PROT_READ | PROT_WRITE, MAP_SHARED, descriptor, 0), memory != MAP_FAILED else {
                throw StrataError(.resourceLimit, "the HDF5 worker cannot map \(info.byteCount) bytes", at: HDF5Reader.place(path))
            }
            defer { munmap(memory, info.byteCount) }
            try reader.read(path, info: info, into: memory)
        }
    }

    /// Asks the kernel to kill this worker when the process that started it ends, so that a worker stuck
    /// in libhdf5 never outlives Strata (`prctl(PR_SET_PDEATHSIG, SIGKILL)`, Linux). The signal follows
    /// the thread that started the worker; Strata loads models on the thread that runs the command.
    private static func endWithParent() {
        #if os(Linux)
        // prctl is variadic in C, which Swift cannot call; its arguments are plain integers.
        typealias Prctl = @convention(c) (Int32, UInt, UInt, UInt, UInt) -> Int32
        guard let symbol = dlsym(nil, "prctl") else { return }
        let parent = getppid()
        _ = unsafeBitCast(symbol, to: Prctl.self)(1, UInt(SIGKILL), 0, 0, 0)  // PR_SET_PDEATHSIG
        if getppid() != parent { exit(0) }  // the parent ended before the request took effect
        #endif
    }

    private static func limitData(_ bytes: Int) {
        var limit = rlimit()
        #if canImport(Glibc)
        let resource = __rlimit_resource_t(RLIMIT_DATA.rawValue)
        #else
        let resource = RLIMIT_DATA
        #endif
        guard getrlimit(resource, &limit) == 0 else { return }
        // The soft limit moves between requests, always under the hard limit, which is never raised.
        let wanted = Swift.min(rlim_t(Swift.max(bytes, 0)), limit.rlim_max)
        if limit.rlim_cur != wanted {
            limit.rlim_cur = wanted
            _ = setrlimit(resource, &limit)
        }
    }
}
