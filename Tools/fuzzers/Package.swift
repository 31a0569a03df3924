// swift-tools-version:6.0
import PackageDescription

// libFuzzer harnesses for Strata's readers of untrusted files. Not part of Strata's own build: this
// package is built only by `Tools/fuzz` (its own scratch folder, `--sanitize fuzzer --sanitize address`,
// `-enable-testing` so that harnesses reach the internal entry points the commands use).
let package = Package(
    name: "StrataFuzzers",
    dependencies: [.package(name: "Strata", path: "../..")],
    targets: [
        .target(name: "FuzzSupport", dependencies: [.product(name: "StrataCore", package: "Strata")]),
        .target(name: "FuzzHDF5Support", dependencies: [.product(name: "StrataKeras", package: "Strata")]),
        .executableTarget(name: "fuzz-onnx", dependencies: [
            "FuzzSupport",
            .product(name: "StrataCore", package: "Strata"),
            .product(name: "StrataONNX", package: "Strata"),
            .product(name: "StrataEngine", package: "Strata"),
        ]),
        .executableTarget(name: "fuzz-npy", dependencies: [
            "FuzzSupport",
            .product(name: "StrataCore", package: "Strata"),
            .product(name: "StrataExport", package: "Strata"),
        ]),
        .executableTarget(name: "fuzz-keras-config", dependencies: [
            "FuzzSupport",
            "FuzzHDF5Support",
            .product(name: "StrataCore", package: "Strata"),
            .product(name: "StrataKeras", package: "Strata"),
            .product(name: "StrataEngine", package: "Strata"),
        ]),
        .executableTarget(name: "fuzz-keras-zip", dependencies: [
            "FuzzSupport",
            .product(name: "StrataCore", package: "Strata"),
            .product(name: "StrataKeras", package: "Strata"),
        ]),
        .executableTarget(name: "fuzz-hdf5", dependencies: [
            "FuzzSupport",
            "FuzzHDF5Support",
            .product(name: "StrataCore", package: "Strata"),
            .product(name: "StrataKeras", package: "Strata"),
            .product(name: "StrataEngine", package: "Strata"),
        ]),
        .executableTarget(name: "fuzz-image", dependencies: [
            "FuzzSupport",
            .product(name: "StrataCore", package: "Strata"),
            .product(name: "StrataImage", package: "Strata"),
        ]),
        .executableTarget(name: "fuzz-stats", dependencies: [
            "FuzzSupport",
            .product(name: "StrataCore", package: "Strata"),
            .product(name: "StrataAnalysis", package: "Strata"),
            .product(name: "StrataCommands", package: "Strata"),
        ]),
    ]
)
