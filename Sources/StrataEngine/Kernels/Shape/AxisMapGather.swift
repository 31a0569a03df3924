import StrataCore

/// A copy where each output axis reads the input through its own index table:
/// `out[i_0, …, i_{r-1}] = in[map_0[i_0], …, map_{r-1}[i_{r-1}]]`, and a fill element wherever
/// a table holds -1. Serves Pad (every mode) and nearest-neighbour Resize, for every dtype.
struct AxisMapGather {
    /// One table per axis; its length is the output size along that axis.
    let maps: [[Int]]

    /// Runs of the last axis's table: a contiguous source run (`source` ≥ 0) or a fill run (-1).
    private struct Run {
        var start: Int
        var source: Int
        var length: Int
    }

    func run(_ x: Tensor, fill: Tensor, context: ExecutionContext) throws -> Tensor {
        precondition(maps.count == x.rank && fill.dtype == x.dtype && fill.count == 1)
        let outShape = maps.map(\.count)
        let out = try Tensor(dtype: x.dtype, shape: outShape)
        guard out.count > 0 else { return out }
        if x.rank == 0 {
            out.rawPointer.copyMemory(from: x.rawPointer, byteCount: x.byteCount)
            return out
        }
        let es = x.dtype.byteSize
        let strides = StridedCopy.contiguousStrides(x.shape)
        let last = maps[maps.count - 1]
        let n = last.count
        var runs: [Run] = []
        for (j, s) in last.enumerated() {
            if var r = runs.last, (s < 0 && r.source < 0) || (s >= 0 && r.source >= 0 && s == r.source + r.length) {
                r.length += 1
                runs[runs.count - 1] = r
            } else {
                runs.append(Run(start: j, source: s, length: 1))
            }
        }
        let useRuns = runs.count * 4 <= n
        let segments = runs
        let outer = Array(outShape.dropLast())
        let outerMaps = Array(maps.dropLast())
        let outerStrides = Array(strides.dropLast())
        let lastStride = strides[strides.count - 1]
        let src = RawAddress(x.rawPointer), dst = RawAddress(out.rawPointer), value = RawAddress(fill.rawPointer)
        context.parallelFor(outer.elementCount, minChunk: Swift.max(1, 8192 / Swift.max(1, n))) { range in
            // Rows that read the same source row as the previous one (nearest upsampling) copy it.
            var previous: (row: Int, base: Int)? = nil
            for row in range {
                var rem = row
                var base = 0
                var filled = false
                for d in stride(from: outer.count - 1, through: 0, by: -1) {
                    let i = rem % outer[d]
                    rem /= outer[d]
                    let m = outerMaps[d][i]
                    if m < 0 { filled = true; break }
                    base += m * outerStrides[d]
                }
                let to = dst.mutablePointer + row * n * es
                if filled {
                    ElementFill.fill(to, count: n, with: value.pointer, elementSize: es)
                    continue
                }
                if let p = previous, p.base == base {
                    to.copyMemory(from: dst.pointer + p.row * n * es, byteCount: n * es)
                    continue
                }
                previous = (row, base)
                let from = src.pointer + base * es
                if useRuns {
                    for r in segments {
                        if r.source < 0 {
                            ElementFill.fill(to + r.start * es, count: r.length, with: value.pointer, elementSize: es)
                        } else {
                            (to + r.start * es).copyMemory(from: from + r.source * lastStride * es, byteCount: r.length * es)
                        }
                    }
                } else {
                    switch es {
                    case 1: Self.copyMapped(UInt8.self, from, to, last, value.pointer)
                    case 2: Self.copyMapped(UInt16.self, from, to, last, value.pointer)
                    case 4: Self.copyMapped(UInt32.self, from, to, last, value.pointer)
                    default: Self.copyMapped(UInt64.self, from, to, last, value.pointer)
                    }
                }
            }
        }
        return out
    }

    @inline(__always)
    private static func copyMapped<T>(_: T.Type, _ from: UnsafeRawPointer, _ to: UnsafeMutableRawPointer, _ map: [Int],
                                      _ fill: UnsafeRawPointer) {
        let f = from.assumingMemoryBound(to: T.self)
        let t = to.assumingMemoryBound(to: T.self)
        let v = fill.load(as: T.self)
        map.withUnsafeBufferPointer { m in
            for j in 0..<m.count {
                let s = m[j]
                t[j] = s < 0 ? v : f[s]
            }
        }
    }
}
