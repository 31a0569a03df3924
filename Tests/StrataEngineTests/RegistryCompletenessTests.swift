import XCTest
import StrataCore
@testable import StrataEngine

/// The op tables of the core (schemas) and the engine (kernels) must agree, and cover the ops
/// Strata promises to run.
final class RegistryCompletenessTests: XCTestCase {
    /// The ONNX ops Strata commits to executing (Docs/Ops.md).
    static let promised: [String] = """
        Conv ConvTranspose Gemm MatMul Add Sub Mul Div Pow Sqrt Exp Log Abs Neg Reciprocal Floor Ceil Round Sign
        Erf Sin Cos Tanh Relu LeakyRelu PRelu Elu Selu Celu Sigmoid HardSigmoid HardSwish Softplus Softsign Gelu Mish
        Clip Softmax LogSoftmax MaxPool AveragePool GlobalAveragePool GlobalMaxPool LpNormalization LRN
        BatchNormalization InstanceNormalization LayerNormalization Flatten Reshape Transpose Squeeze Unsqueeze
        Concat Split Slice Gather GatherElements Shape Size Constant ConstantOfShape Expand Tile Pad Resize Upsample
        DepthToSpace SpaceToDepth ReduceMean ReduceSum ReduceMax ReduceMin ReduceProd ReduceL1 ReduceL2
        ReduceSumSquare ReduceLogSumExp ArgMax ArgMin Cast CastLike Identity Dropout Where Equal Less Greater
        LessOrEqual GreaterOrEqual Not And Or Xor Range Min Max Mean Sum CumSum TopK Einsum Trilu LSTM GRU RNN
        If Loop Scan
        """.split(whereSeparator: \.isWhitespace).map(String.init)

    func testEverySchemaHasAKernel() {
        let missing = OpRegistry.schemas.keys.filter { KernelRegistry.factories[$0] == nil }.sorted()
        XCTAssertEqual(missing, [], "ops with a schema but no kernel")
    }

    func testEveryKernelHasASchema() {
        let missing = KernelRegistry.factories.keys.filter { OpRegistry.schemas[$0] == nil }.sorted()
        XCTAssertEqual(missing, [], "ops with a kernel but no schema")
    }

    func testEveryPromisedOpIsRegistered() {
        let missing = Self.promised.filter { OpRegistry.schema($0) == nil }
        XCTAssertEqual(missing, [], "promised ops without a schema")
    }

    func testSchemasAreConsistent() {
        for schema in OpRegistry.schemas.values {
            XCTAssertGreaterThanOrEqual(schema.opsets.lowerBound, 1, schema.opType)
            XCTAssertLessThanOrEqual(schema.opsets.upperBound, OpRegistry.latestOpset, schema.opType)
            XCTAssertGreaterThanOrEqual(schema.outputs.lowerBound, 1, schema.opType)
        }
    }
}
