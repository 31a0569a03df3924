import StrataCore

extension KerasLayerTable {
    /// SimpleRNN, LSTM and GRU, lowered to the ONNX RNN / LSTM / GRU ops (batch-first layout).
    static let recurrent: [String: KerasLayerLowering] = [
        "SimpleRNN": { ctx in try KerasRecurrentLowering(ctx, cell: .simple).lower() },
        "LSTM": { ctx in try KerasRecurrentLowering(ctx, cell: .lstm).lower() },
        "GRU": { ctx in try KerasRecurrentLowering(ctx, cell: .gru).lower() },
    ]
}
