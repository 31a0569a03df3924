import ArgumentParser
import StrataAnalysis

/// `strata embed --method`: which embedding.
public enum EmbeddingMethod: String, Sendable, CaseIterable, ExpressibleByArgument {
    case pca
    case tsne
    case umap

    /// The method's name in pictures and messages.
    var title: String {
        switch self {
        case .pca: return "PCA"
        case .tsne: return "t-SNE"
        case .umap: return "UMAP"
        }
    }
}

extension FeaturePooling: ExpressibleByArgument {}
