import StrataCore

extension KernelRegistry {
    static let sequenceKernels: [String: KernelFactory] = [
        "SequenceEmpty": { try SequenceEmptyKernel($0) },
        "SequenceConstruct": { try SequenceConstructKernel($0) },
        "SequenceInsert": { try SequenceInsertKernel($0) },
        "SequenceAt": { try SequenceAtKernel($0) },
        "SequenceErase": { try SequenceEraseKernel($0) },
        "SequenceLength": { try SequenceLengthKernel($0) },
        "SplitToSequence": { try SplitToSequenceKernel($0) },
        "ConcatFromSequence": { try ConcatFromSequenceKernel($0) },
        "SequenceMap": { try SequenceMapKernel($0) },
        "Optional": { try OptionalKernel($0) },
        "OptionalHasElement": { try OptionalHasElementKernel($0) },
        "OptionalGetElement": { try OptionalGetElementKernel($0) },
    ]

    private static let notTensorValued = "a gradient would flow through a sequence or optional value; Strata's backward pass "
        + "carries float32 tensors only"

    static let sequenceWithoutGradient: [String: GradientExemption] = [
        "SequenceEmpty": .unsupported(notTensorValued),
        "SequenceConstruct": .unsupported(notTensorValued),
        "SequenceInsert": .unsupported(notTensorValued),
        "SequenceAt": .unsupported(notTensorValued),
        "SequenceErase": .unsupported(notTensorValued),
        "SequenceLength": .zero("the output is an int64 count"),
        "SplitToSequence": .unsupported(notTensorValued),
        "ConcatFromSequence": .unsupported(notTensorValued),
        "SequenceMap": .unsupported("a gradient through a subgraph needs the body's own backward pass, which Strata does not run"),
        "Optional": .unsupported(notTensorValued),
        "OptionalHasElement": .zero("the output is a boolean"),
        "OptionalGetElement": .unsupported(notTensorValued),
    ]
}
