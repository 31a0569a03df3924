import StrataCore

extension KernelRegistry {
    /// Shape and data-movement kernels (`Kernels/Shape/`).
    static let shapeKernels: [String: KernelFactory] = [
        "Reshape": { try ReshapeKernel($0) },
        "Flatten": { try FlattenKernel($0) },
        "Squeeze": { try SqueezeKernel($0) },
        "Unsqueeze": { try UnsqueezeKernel($0) },
        "Transpose": { try TransposeKernel($0) },
        "Concat": { try ConcatKernel($0) },
        "Split": { try SplitKernel($0) },
        "Slice": { try SliceKernel($0) },
        "Gather": { try GatherKernel($0) },
        "GatherElements": { try GatherElementsKernel($0) },
        "GatherND": { try GatherNDKernel($0) },
        "ScatterND": { try ScatterNDKernel($0) },
        "ScatterElements": { try ScatterElementsKernel($0) },
        "Shape": { try ShapeKernel($0) },
        "Size": { try SizeKernel($0) },
        "Constant": { try ConstantKernel($0) },
        "ConstantOfShape": { try ConstantOfShapeKernel($0) },
        "Expand": { try ExpandKernel($0) },
        "Tile": { try TileKernel($0) },
        "Pad": { try PadKernel($0) },
        "Resize": { try ResizeKernel($0) },
        "Upsample": { try ResizeKernel($0) },
        "DepthToSpace": { try DepthToSpaceKernel($0, toSpace: true) },
        "SpaceToDepth": { try DepthToSpaceKernel($0, toSpace: false) },
        "Range": { try RangeKernel($0) },
        "Trilu": { try TriluKernel($0) },
    ]
}
