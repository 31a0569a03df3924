/// Which library's definition a method follows where pytorch-grad-cam and tf-keras-vis differ.
///
/// They agree on Grad-CAM and LayerCAM. Grad-CAM++ differs: pytorch-grad-cam 1.5.7 uses
/// `α = G² / (2G² + Σ_ij A · G³ + 1e-6)` (zero where `G = 0`) and weights `Σ_ij relu(G) · α`;
/// tf-keras-vis 0.8.7 scales the gradient by `exp(score)` (`G' = e^S G`), uses
/// `α = G'² / (2G'² + Σ_ij A · G'³ + [G'² = 0])`, then divides α by its spatial sum (plus
/// `[sum = 0]`), and weights `Σ_ij relu(G') · α`. HiResCAM, XGradCAM, Score-CAM and Eigen-CAM
/// exist only in pytorch-grad-cam and follow it in both conventions. Strata uses
/// `.tfKerasVis` for Keras models and `.pytorchGradCAM` for ONNX models.
public enum CAMConvention: String, Sendable, CaseIterable {
    case pytorchGradCAM = "pytorch-grad-cam"
    case tfKerasVis = "tf-keras-vis"
}
