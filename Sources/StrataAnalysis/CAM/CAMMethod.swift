/// A class activation map method, named as `strata cam --method` spells it.
///
/// Definitions (per image; `A` the layer's activations, `G` the gradient of the target score with
/// respect to them, `k` a channel, sums over the spatial positions `ij`); every map is followed by
/// a ReLU. The formulas are pytorch-grad-cam 1.5.7's (and tf-keras-vis 0.8.7's where it has the
/// method, see `CAMConvention`); `Docs/CAM.md` has them in full.
public enum CAMMethod: String, CaseIterable, Sendable {
    /// `Σ_k mean_ij(G_k) · A_k`.
    case gradcam
    /// Grad-CAM++: channel weights `Σ_ij relu(G_kij) · α_kij` with second/third-order α.
    case gradcamPlusPlus = "gradcam++"
    /// `Σ_k G_k ⊙ A_k` (element-wise, no spatial averaging).
    case hirescam
    /// `Σ_k (Σ_ij G_kij A_kij / (Σ_ij A_kij + 1e-7)) · A_k`.
    case xgradcam
    /// `Σ_k relu(G_k) ⊙ A_k`.
    case layercam
    /// `Σ_k softmax_k(score(x ⊙ m_k)) · A_k`, `m_k` the channel upsampled to the input and min–max
    /// scaled: forward runs only (`ScoreCAM`).
    case scorecam
    /// The activations' projection on their first principal component (SVD of the centred
    /// positions × channels matrix); no gradients (`EigenProjection`).
    case eigencam

    /// False for the methods that need no backward pass.
    public var usesGradients: Bool {
        switch self {
        case .scorecam, .eigencam: return false
        default: return true
        }
    }
}
