import StrataCore

/// Runs a float32 computation for a narrower (or, where noted, wider) float dtype: every input of
/// `dtype` is converted to float32, `body` runs, and every float32 result is converted back to `dtype`
/// (with `Cast` rounding). Inputs of other dtypes (indices, shapes) pass through unchanged.
func runWidened(_ inputs: [Tensor?], from dtype: DType, context: ExecutionContext,
                _ body: ([Tensor?]) throws -> [Tensor]) rethrows -> [Tensor] {
    let wide = try inputs.map { t in try t.map { $0.dtype == dtype ? try $0.converted(to: .float32, context: context) : $0 } }
    return try body(wide).map { $0.dtype == .float32 ? try $0.converted(to: dtype, context: context) : $0 }
}
