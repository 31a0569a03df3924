import StrataCore
import XCTest
@testable import StrataImage

/// Which inputs take images, how their geometry is read, and the option errors of `plan(for:)`.
final class InputSpecTests: XCTestCase {
    func spec(_ shape: [Dim]?, _ dtype: DType = .float32, layout: ActivationLayout = .nchw) throws -> ImageInputSpec {
        try ImageInputSpec(input: ValueInfo(name: "x", type: ValueType(dtype, shape)), modelLayout: layout)
    }

    func error(_ body: () throws -> Any) -> String? {
        do {
            _ = try body()
            XCTFail("no error")
            return nil
        } catch let error as StrataError {
            return error.description
        } catch {
            return "\(error)"
        }
    }

    func testLayoutsAndSizes() throws {
        let onnx = try spec([.symbol("N"), 3, 224, 224])
        XCTAssertEqual(onnx.layout, .nchw)
        XCTAssertEqual(onnx.channels, 3)
        XCTAssertNil(onnx.batch)
        XCTAssertEqual(onnx.height, 224)
        let keras = try spec([.symbol("batch"), 28, 28, 1], layout: .nhwc)
        XCTAssertEqual(keras.layout, .nhwc)
        XCTAssertEqual(keras.channels, 1)
        XCTAssertEqual(keras.shape(count: 2, height: 28, width: 28), [2, 28, 28, 1])
        // A shape that reads either way follows the model's layout.
        XCTAssertEqual(try spec([1, 3, 8, 3], layout: .nhwc).height, 3)
        XCTAssertEqual(try spec([1, 3, 8, 3], layout: .nchw).height, 8)
        // An ONNX file with a channels-last input (exported from TensorFlow).
        let converted = try spec([1, 224, 224, 3])
        XCTAssertEqual(converted.layout, .nhwc)
        let symbolic = try spec([.symbol("N"), 3, .symbol("H"), .symbol("W")])
        XCTAssertNil(symbolic.height)
        XCTAssertNil(symbolic.width)
        XCTAssertEqual(try spec([1, 3, 8, 8], .float16).dtype, .float16)
    }

    func testInputsThatCannotTakeImages() {
        XCTAssertEqual(error { try self.spec([1, 3, 224, 224], .int64) },
                       "input 'x': int64[1, 3, 224, 224] is not a floating-point input; images feed float32, float16, bfloat16 or float64 inputs")
        XCTAssertEqual(error { try self.spec([1, 224, 224]) },
                       "input 'x': float32[1, 224, 224] is not an image input: expected rank 4 (batch, channels, height, width or batch, height, width, channels)")
        XCTAssertEqual(error { try self.spec([1, 4, 224, 224]) },
                       "input 'x': float32[1, 4, 224, 224] has no channel axis of 1 or 3 (grey or RGB) in either layout")
        XCTAssertEqual(error { try self.spec([1, 3, 100000, 5]) },
                       "input 'x': float32[1, 3, 100000, 5] has an image side of 100000, outside 1...65535")
        XCTAssertFalse(ImageInputSpec.accepts(ValueInfo(name: "ids", type: ValueType(.int64, [1, 16])), modelLayout: .nchw))
    }

    func testTargetSizeComesFromSizeModelOrCrop() throws {
        let symbolic = try spec([.symbol("N"), 3, .symbol("H"), .symbol("W")])
        XCTAssertEqual(error { try Preprocessing().plan(for: symbolic) },
                       "input 'x': float32[N, 3, H, W] has no fixed height and width; give --size HxW")
        var sized = Preprocessing()
        sized.size = Preprocessing.Size(height: 100, width: 120)
        XCTAssertEqual(try sized.plan(for: symbolic).size, Preprocessing.Size(height: 100, width: 120))
        var cropped = Preprocessing()
        cropped.resize = .shorter(80)
        cropped.crop = Preprocessing.Size(height: 64, width: 64)
        XCTAssertEqual(try cropped.plan(for: symbolic).size, Preprocessing.Size(height: 64, width: 64))

        let fixed = try spec([1, 3, 224, 224])
        XCTAssertEqual(error { try sized.plan(for: fixed) },
                       "input 'x': --size 100x120 does not match the input's 224x224 (float32[1, 3, 224, 224])")
        XCTAssertEqual(error { try cropped.plan(for: fixed) },
                       "input 'x': --crop center:64x64 gives 64x64 images but the input takes 224x224 (float32[1, 3, 224, 224])")
        var torchvision = Preprocessing(preset: .torchvision)
        torchvision.size = Preprocessing.Size(height: 112, width: 112)
        XCTAssertEqual(try torchvision.plan(for: symbolic).resize, .shorter(128))
    }

    func testOptionsThatDoNotFit() throws {
        let rgb = try spec([1, 3, 224, 224])
        let grey = try spec([1, 1, 28, 28])
        var shorter = Preprocessing()
        shorter.resize = .shorter(256)
        XCTAssertEqual(error { try shorter.plan(for: rgb) },
                       "input 'x': resizing the shorter side keeps each image's aspect ratio; add --crop center:224x224 to get the 224x224 the input takes")
        XCTAssertEqual(error { try Preprocessing(preset: .kerasCaffe).plan(for: grey) },
                       "input 'x': BGR order needs a 3-channel input; this one has 1 (float32[1, 1, 28, 28])")
        XCTAssertEqual(error { try Preprocessing(preset: .torchvision).plan(for: grey) },
                       "input 'x': preset torchvision has 3 mean values but the input has 1 channel (float32[1, 1, 28, 28]); give --mean with 1 value")
        var mean = Preprocessing(preset: .torchvision)
        mean.mean = [0.5, 0.5]
        XCTAssertEqual(error { try mean.plan(for: rgb) },
                       "input 'x': --mean gives 2 mean values but the input has 3 channels (float32[1, 3, 224, 224]); give --mean with 1 or 3 values")
        var std = Preprocessing()
        std.std = [0]
        XCTAssertEqual(error { try std.plan(for: rgb) }, "input 'x': --std values must not be 0")
        var scale = Preprocessing()
        scale.scale = .divide(0)
        XCTAssertEqual(error { try scale.plan(for: rgb) }, "input 'x': --scale must be a finite non-zero number")
        // A grey model with explicit statistics is fine.
        var mnist = Preprocessing(preset: .torchvision)
        mnist.mean = [0.1307]
        mnist.std = [0.3081]
        XCTAssertEqual(try mnist.plan(for: grey).mean, [Float(0.1307)])
    }

    func testImagesThatDoNotComeOutAtTheInputSize() throws {
        var none = Preprocessing()
        none.resize = Preprocessing.Resize.none
        let plan = try none.plan(for: try spec([1, 3, 10, 10]))
        XCTAssertEqual(error { try plan.prepare(try ImageFixtures.decode("rgb-8.png"), file: "rgb-8.png") },
                       "rgb-8.png: image is 37x23 (width x height) after preprocessing, but input 'x' takes 10x10; resize or crop it to that size")
    }
}
