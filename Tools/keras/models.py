"""The Keras fixture models: one builder per model, written once against the Keras API and built
with both Keras 2 (tf_keras) and Keras 3 (keras), where the layer exists in that version.

A builder is `build(K, version) -> (model, make_inputs)`: `K` is the Keras module, `version` is 2 or 3,
`make_inputs(rng)` returns one array per model input (None: standard normal float32 of batch 2 in
each input's declared shape). Layer options are varied on purpose (padding, strides, dilation,
channels_first, activations, RNN directions and states) so that each option has an activation to check.
"""
import numpy as np


def _rng_inputs(shapes_and_kinds):
    """An input maker from a list of (shape, kind): kind "normal", ("ints", high) or ("masked", value)."""
    def make(rng):
        arrays = []
        for shape, kind in shapes_and_kinds:
            if kind == "normal":
                arrays.append(rng.standard_normal(shape).astype(np.float32))
            elif kind[0] == "ints":
                arrays.append(rng.integers(0, kind[1], size=shape).astype(np.int32))
            elif kind[0] == "masked":
                x = rng.standard_normal(shape).astype(np.float32)
                # The last two steps of sample 0 and the first step of sample 1 are masked out.
                x[0, -2:, :] = kind[1]
                x[1, 0, :] = kind[1]
                arrays.append(x)
        return arrays
    return make


def cnn(K, version):
    L = K.layers
    model = K.Sequential([
        K.Input((12, 12, 3), name="image"),
        L.Conv2D(4, 3, padding="same", activation="relu", name="conv1"),
        L.BatchNormalization(name="bn1"),
        L.MaxPooling2D(2, name="pool1"),
        L.Conv2D(6, 3, strides=2, padding="valid", use_bias=False, name="conv2"),
        L.BatchNormalization(epsilon=0.01, name="bn2"),
        L.ReLU(name="relu2"),
        L.Flatten(name="flatten"),
        L.Dense(10, activation="softmax", name="probs"),
    ], name="cnn")
    return model, None


def functional(K, version):
    L = K.layers
    a = K.Input((6,), name="in_a")
    b = K.Input((6,), name="in_b")
    image = K.Input((8, 8, 2), name="in_image")
    shared = L.Dense(5, activation="tanh", name="shared_dense")
    ha = shared(a)
    hb = shared(b)
    added = L.Add(name="add")([ha, hb])
    multiplied = L.Multiply(name="multiply")([ha, hb])
    joined = L.Concatenate(name="concat")([added, multiplied])
    out_main = L.Dense(3, name="out_main")(joined)
    shared_conv = L.Conv2D(3, 3, padding="same", name="shared_conv")
    c1 = shared_conv(image)
    c2 = shared_conv(L.Activation("sigmoid", name="image_sigmoid")(image))
    branch = L.Subtract(name="subtract")([c1, c2])
    pooled = L.GlobalAveragePooling2D(name="gap")(branch)
    out_aux = L.Dense(1, activation="sigmoid", name="out_aux")(L.Concatenate(name="concat_aux")([pooled, hb]))
    model = K.Model([a, b, image], [out_main, out_aux, c2], name="functional")
    return model, None


def nested(K, version):
    L = K.layers
    inner_seq = K.Sequential([
        K.Input((8,), name="seq_in"),
        L.Dense(6, activation="relu", name="seq_dense1"),
        L.BatchNormalization(name="seq_bn"),
        L.Dense(4, name="seq_dense2"),
    ], name="inner_seq")
    deepest = K.Sequential([
        K.Input((4,), name="deep_in"),
        L.Dense(4, activation="elu", name="deep_dense"),
    ], name="deepest")
    fi = K.Input((4,), name="fn_in")
    left = L.Dense(3, name="fn_left")(fi)
    right = deepest(fi)
    inner_fn = K.Model(fi, L.Concatenate(name="fn_concat")([left, right]), name="inner_fn")
    x = K.Input((8,), name="x")
    h = inner_seq(x)
    y = inner_fn(h)
    out = L.Dense(2, name="head")(L.Concatenate(name="join")([h, y]))
    return K.Model(x, out, name="nested"), None


def siamese(K, version):
    """One nested model applied to two inputs (a shared nested model), then merged."""
    L = K.layers
    tower = K.Sequential([
        K.Input((7,), name="tower_in"),
        L.Dense(5, activation="relu", name="tower_dense"),
        L.BatchNormalization(name="tower_bn"),
    ], name="tower")
    left = K.Input((7,), name="left")
    right = K.Input((7,), name="right")
    a, b = tower(left), tower(right)
    distance = L.Subtract(name="difference")([a, b])
    out = L.Dense(1, activation="sigmoid", name="same")(L.Multiply(name="square")([distance, distance]))
    return K.Model([left, right], out, name="siamese"), None


def conv(K, version):
    L = K.layers
    x1 = K.Input((16, 4), name="seq")
    x2 = K.Input((11, 11, 4), name="img")
    x3 = K.Input((6, 7, 5, 2), name="vol")
    outs = [
        L.Conv1D(3, 3, padding="causal", dilation_rate=2, activation="selu", name="conv1d_causal")(x1),
        L.Conv1D(5, 4, strides=3, padding="same", name="conv1d_same_s3")(x1),
        L.Conv1DTranspose(3, 3, strides=2, padding="same", name="conv1dt_same")(x1),
        L.Conv1DTranspose(2, 4, strides=3, padding="valid", name="conv1dt_valid")(x1),
        L.DepthwiseConv1D(3, depth_multiplier=2, padding="same", name="dwconv1d")(x1),
        L.SeparableConv1D(4, 3, depth_multiplier=2, padding="valid", dilation_rate=2, name="sepconv1d")(x1),
        L.Conv2D(6, (3, 2), strides=2, padding="same", activation="relu6", name="conv2d_same_s2")(x2),
        L.Conv2D(4, 3, dilation_rate=(2, 3), padding="same", name="conv2d_dilated")(x2),
        L.Conv2D(6, 3, groups=2, padding="valid", name="conv2d_groups")(x2),
        L.Conv2D(3, 4, strides=(2, 3), padding="same", data_format="channels_first", name="conv2d_cf")(x2),
        L.Conv2DTranspose(3, 3, strides=2, padding="same", name="conv2dt_same")(x2),
        L.Conv2DTranspose(2, (2, 3), strides=(2, 1), padding="valid", dilation_rate=1, name="conv2dt_valid")(x2),
        L.Conv2DTranspose(3, 3, strides=2, padding="same", output_padding=0, name="conv2dt_out_pad")(x2),
        L.Conv1DTranspose(2, 3, strides=2, padding="valid", output_padding=1, name="conv1dt_out_pad")(x1),
        L.DepthwiseConv2D(3, strides=2, depth_multiplier=2, padding="same", name="dwconv2d")(x2),
        L.SeparableConv2D(5, 3, padding="same", depth_multiplier=1, activation="tanh", name="sepconv2d")(x2),
        L.Conv3D(3, (2, 3, 2), strides=(1, 2, 1), padding="same", name="conv3d_same")(x3),
        L.Conv3D(2, 2, padding="valid", dilation_rate=2, name="conv3d_dilated")(x3),
    ]
    return K.Model([x1, x2, x3], outs, name="conv"), None


def conv_cf(K, version):
    L = K.layers
    x1 = K.Input((4, 13), name="seq_cf")
    x2 = K.Input((3, 9, 10), name="img_cf")
    x3 = K.Input((2, 5, 6, 4), name="vol_cf")
    cf = "channels_first"
    outs = [
        L.Conv1D(3, 3, strides=2, padding="same", data_format=cf, name="c1d")(x1),
        L.SeparableConv1D(3, 3, data_format=cf, name="sep1d")(x1),
        L.DepthwiseConv1D(3, padding="same", data_format=cf, name="dw1d")(x1),
        L.Conv1DTranspose(2, 3, strides=2, data_format=cf, name="c1dt")(x1),
        L.MaxPooling1D(2, data_format=cf, name="max1d")(x1),
        L.GlobalAveragePooling1D(data_format=cf, name="gap1d")(x1),
        L.Conv2D(4, 3, strides=2, padding="same", data_format=cf, name="c2d")(x2),
        L.DepthwiseConv2D(3, data_format=cf, name="dw2d")(x2),
        L.SeparableConv2D(4, 3, padding="same", data_format=cf, name="sep2d")(x2),
        L.Conv2DTranspose(2, 3, strides=2, padding="same", data_format=cf, name="c2dt")(x2),
        L.MaxPooling2D(3, strides=2, padding="same", data_format=cf, name="max2d")(x2),
        L.AveragePooling2D(2, data_format=cf, name="avg2d")(x2),
        L.GlobalMaxPooling2D(data_format=cf, keepdims=True, name="gmp2d")(x2),
        L.UpSampling2D(2, data_format=cf, interpolation="bilinear", name="up2d")(x2),
        L.ZeroPadding2D(((1, 0), (2, 1)), data_format=cf, name="pad2d")(x2),
        L.Cropping2D(((1, 2), (0, 3)), data_format=cf, name="crop2d")(x2),
        L.BatchNormalization(axis=1, name="bn_axis1")(x2),
        L.Flatten(data_format=cf, name="flatten_cf")(x2),
        L.GlobalAveragePooling3D(data_format=cf, keepdims=True, name="gap3d_cf")(x3),
        L.Conv3D(2, 3, padding="same", data_format=cf, name="c3d")(x3),
        L.AveragePooling3D(2, data_format=cf, name="avg3d")(x3),
        L.UpSampling3D((1, 2, 1), data_format=cf, name="up3d")(x3),
    ]
    return K.Model([x1, x2, x3], outs, name="conv_cf"), None


def pooling(K, version):
    L = K.layers
    x1 = K.Input((15, 3), name="seq")
    x2 = K.Input((9, 10, 3), name="img")
    x3 = K.Input((5, 6, 7, 2), name="vol")
    outs = [
        L.MaxPooling1D(3, strides=2, padding="same", name="max1d_same")(x1),
        L.AveragePooling1D(4, strides=3, padding="same", name="avg1d_same")(x1),
        L.AveragePooling1D(2, padding="valid", name="avg1d_valid")(x1),
        L.GlobalAveragePooling1D(name="gap1d")(x1),
        L.GlobalMaxPooling1D(keepdims=True, name="gmp1d_keep")(x1),
        L.MaxPooling2D((3, 2), strides=(2, 3), padding="same", name="max2d_same")(x2),
        L.MaxPooling2D(2, padding="valid", name="max2d_valid")(x2),
        L.AveragePooling2D(3, strides=2, padding="same", name="avg2d_same")(x2),
        L.AveragePooling2D((2, 3), strides=1, padding="valid", name="avg2d_valid")(x2),
        L.GlobalAveragePooling2D(keepdims=True, name="gap2d_keep")(x2),
        L.GlobalMaxPooling2D(name="gmp2d")(x2),
        L.MaxPooling3D(2, strides=(1, 2, 2), padding="same", name="max3d_same")(x3),
        L.AveragePooling3D((2, 3, 2), padding="same", name="avg3d_same")(x3),
        L.AveragePooling3D(2, padding="valid", name="avg3d_valid")(x3),
        L.GlobalAveragePooling3D(name="gap3d")(x3),
        L.GlobalMaxPooling3D(keepdims=True, name="gmp3d_keep")(x3),
    ]
    return K.Model([x1, x2, x3], outs, name="pooling"), None


def normalization(K, version):
    L = K.layers
    x = K.Input((5, 6, 8), name="img")
    s = K.Input((7, 6), name="seq")
    outs = [
        L.BatchNormalization(name="bn_default")(x),
        L.BatchNormalization(epsilon=0.3, center=False, name="bn_no_center")(x),
        L.BatchNormalization(scale=False, epsilon=1e-5, name="bn_no_scale")(x),
        L.BatchNormalization(axis=1, name="bn_axis1")(x),
        L.LayerNormalization(name="ln_last")(s),
        L.LayerNormalization(axis=[1, 2], epsilon=0.1, name="ln_two_axes")(s),
        L.LayerNormalization(center=False, scale=False, name="ln_plain")(x),
        L.Rescaling(1.0 / 127.5, offset=-1.0, name="rescale")(x),
    ]
    return K.Model([x, s], outs, name="normalization"), None


def normalization_extra(K, version):
    L = K.layers
    x = K.Input((5, 6, 8), name="img")
    s = K.Input((7, 6), name="seq")
    outs = [
        L.GroupNormalization(groups=4, name="gn4")(x),
        L.GroupNormalization(groups=2, epsilon=0.2, center=False, name="gn2")(x),
        L.UnitNormalization(name="unit_last")(s),
        L.UnitNormalization(axis=[1, 2], name="unit_two_axes")(s),
    ]
    stats = L.Normalization(name="norm_adapted")
    stats.adapt(np.random.default_rng(7).normal(2.0, 3.0, size=(32, 7, 6)).astype(np.float32))
    outs.append(stats(s))
    outs.append(L.Normalization(axis=-1, mean=[0.5] * 6, variance=[4.0] * 6, name="norm_given")(s))
    if version == 3:
        outs.append(L.Normalization(axis=-1, invert=True, name="norm_invert")(s))
    model = K.Model([x, s], outs, name="normalization_extra")
    if version == 3:
        model.get_layer("norm_invert").adapt(np.random.default_rng(8).normal(-1.0, 2.0, size=(16, 7, 6)).astype(np.float32))
    return model, None


ACTIVATIONS = ["relu", "relu6", "leaky_relu", "elu", "selu", "gelu", "sigmoid", "hard_sigmoid", "silu",
               "swish", "hard_silu", "hard_swish", "mish", "tanh", "softmax", "log_softmax", "softplus",
               "softsign", "exponential", "linear"]


def activations(K, version):
    L = K.layers
    x = K.Input((4, 7), name="x")
    scaled = L.Rescaling(3.0, name="scale3")(x)
    outs = []
    for name in ACTIVATIONS:
        try:
            K.activations.get(name)
        except Exception:
            continue
        outs.append(L.Activation(name, name=f"act_{name}")(scaled))
    outs += [
        L.Dense(5, activation="gelu", name="dense_gelu")(x),
        L.Dense(5, activation="hard_sigmoid", name="dense_hard_sigmoid")(scaled),
        L.ReLU(name="relu_plain")(scaled),
        L.ReLU(max_value=2.0, name="relu_max")(scaled),
        L.ReLU(negative_slope=0.1, threshold=0.5, name="relu_slope_threshold")(scaled),
        L.ReLU(max_value=4.0, negative_slope=0.2, threshold=0.3, name="relu_all")(scaled),
        L.LeakyReLU(name="leaky_default")(scaled),
        L.LeakyReLU(**({"negative_slope": 0.05} if version == 3 else {"alpha": 0.05}), name="leaky_005")(scaled),
        L.PReLU(name="prelu")(scaled),
        L.PReLU(shared_axes=[1], name="prelu_shared")(scaled),
        L.ELU(alpha=0.7, name="elu_07")(scaled),
        L.Softmax(name="softmax_last")(scaled),
        L.Softmax(axis=1, name="softmax_axis1")(scaled),
    ]
    if version == 2:
        outs.append(L.ThresholdedReLU(theta=0.8, name="thresholded")(scaled))
    return K.Model(x, outs, name="activations"), None


def shapes(K, version):
    L = K.layers
    x = K.Input((6, 5, 4), name="img")
    s = K.Input((7, 3), name="seq")
    v = K.Input((4, 5, 3, 2), name="vol")
    outs = [
        L.Dropout(0.5, name="dropout")(x),
        L.SpatialDropout1D(0.5, name="sdrop1d")(s),
        L.SpatialDropout2D(0.5, name="sdrop2d")(x),
        L.SpatialDropout3D(0.5, name="sdrop3d")(v),
        L.GaussianNoise(1.0, name="gnoise")(x),
        L.GaussianDropout(0.4, name="gdrop")(x),
        L.AlphaDropout(0.4, name="adrop")(x),
        L.ActivityRegularization(l1=0.1, name="actreg")(x),
        L.Flatten(name="flatten")(x),
        L.Reshape((5, -1), name="reshape")(x),
        L.Permute((3, 1, 2), name="permute")(x),
        L.ZeroPadding1D((2, 1), name="pad1d")(s),
        L.ZeroPadding2D(((1, 2), (0, 3)), name="pad2d")(x),
        L.ZeroPadding3D(((1, 0), (0, 2), (1, 1)), name="pad3d")(v),
        L.Cropping1D((1, 2), name="crop1d")(s),
        L.Cropping2D(((1, 0), (2, 1)), name="crop2d")(x),
        L.Cropping3D(((1, 1), (0, 2), (1, 0)), name="crop3d")(v),
        L.UpSampling1D(3, name="up1d")(s),
        L.UpSampling2D((2, 3), name="up2d_nearest")(x),
        L.UpSampling2D(2, interpolation="bilinear", name="up2d_bilinear")(x),
        L.UpSampling3D((2, 1, 2), name="up3d")(v),
        L.Rescaling([0.5, 1.0, 2.0, -1.0], offset=0.25, name="rescale_per_channel")(x),
    ]
    return K.Model([x, s, v], outs, name="shapes"), None


def merging(K, version):
    L = K.layers
    a = K.Input((4, 5), name="a")
    b = K.Input((4, 5), name="b")
    c = K.Input((4, 5), name="c")
    outs = [
        L.Add(name="add3")([a, b, c]),
        L.Subtract(name="subtract")([a, b]),
        L.Multiply(name="multiply3")([a, b, c]),
        L.Average(name="average")([a, b, c]),
        L.Maximum(name="maximum")([a, b, c]),
        L.Minimum(name="minimum")([a, b]),
        L.Concatenate(axis=1, name="concat_axis1")([a, b]),
        L.Concatenate(name="concat_last")([a, b, c]),
    ]
    return K.Model([a, b, c], outs, name="merging"), None


def dot_repeat(K, version):
    L = K.layers
    a = K.Input((4, 5), name="a")
    b = K.Input((4, 5), name="b")
    v = K.Input((5,), name="v")
    w = K.Input((5,), name="w")
    outs = [
        L.Dot(axes=1, name="dot_vectors")([v, w]),
        L.Dot(axes=1, normalize=True, name="dot_cosine")([v, w]),
        L.Dot(axes=(2, 2), name="dot_seq")([a, b]),
        L.Dot(axes=(1, 1), name="dot_seq_axis1")([a, b]),
        L.Dot(axes=(2, 2), normalize=True, name="dot_seq_cosine")([a, b]),
        L.RepeatVector(3, name="repeat")(v),
    ]
    return K.Model([a, b, v, w], outs, name="dot_repeat"), None


def embedding(K, version):
    L = K.layers
    tokens = K.Input((6,), dtype="int32", name="tokens")
    outs = [
        L.Embedding(20, 4, name="embedding")(tokens),
        L.Embedding(20, 3, mask_zero=True, name="embedding_mask_zero")(tokens),
    ]
    return K.Model(tokens, outs, name="embedding"), _rng_inputs([((2, 6), ("ints", 20))])


def time_distributed(K, version):
    L = K.layers
    seq = K.Input((5, 3), name="seq")
    frames = K.Input((3, 5, 5, 2), name="frames")
    outs = [
        L.TimeDistributed(L.Dense(4, activation="relu"), name="td_dense")(seq),
        L.TimeDistributed(L.Conv2D(2, 3, padding="same"), name="td_conv")(frames),
        L.TimeDistributed(L.GlobalAveragePooling2D(), name="td_pool")(frames),
    ]
    return K.Model([seq, frames], outs, name="time_distributed"), None


def simple_rnn(K, version):
    L = K.layers
    seq = K.Input((5, 3), name="seq")
    outs = [
        L.SimpleRNN(3, name="simple_rnn")(seq),
        L.SimpleRNN(3, return_sequences=True, go_backwards=True, activation="relu", name="simple_rnn_back")(seq),
        L.SimpleRNN(2, return_sequences=True, return_state=True, name="simple_rnn_state")(seq)[1],
    ]
    return K.Model(seq, outs, name="simple_rnn"), None


def lstm(K, version):
    L = K.layers
    seq = K.Input((5, 3), name="seq")
    lstm_seq, lstm_h, lstm_c = L.LSTM(4, return_sequences=True, return_state=True, name="lstm_states")(seq)
    outs = [
        lstm_seq, lstm_h, lstm_c,
        L.LSTM(3, go_backwards=True, unit_forget_bias=False, name="lstm_back")(seq),
        L.LSTM(3, return_sequences=True, activation="relu", recurrent_activation="hard_sigmoid", name="lstm_acts")(seq),
        L.LSTM(2, name="lstm_from_states")(seq, initial_state=[L.Dense(2, name="h0")(lstm_h), L.Dense(2, name="c0")(lstm_c)]),
        L.LSTM(3, use_bias=False, return_sequences=True, go_backwards=True, name="lstm_no_bias_back")(seq),
    ]
    return K.Model(seq, outs, name="lstm"), None


def gru(K, version):
    L = K.layers
    seq = K.Input((5, 3), name="seq")
    outs = [
        L.GRU(3, reset_after=True, return_sequences=True, name="gru_reset_after")(seq),
        L.GRU(3, reset_after=False, return_state=True, name="gru_reset_before")(seq)[1],
        L.GRU(3, reset_after=False, go_backwards=True, return_sequences=True, name="gru_before_back")(seq),
        L.GRU(3, go_backwards=True, return_sequences=True, name="gru_back")(seq),
        L.GRU(4, activation="relu", recurrent_activation="hard_sigmoid", name="gru_acts")(seq),
    ]
    return K.Model(seq, outs, name="gru"), None


def bidirectional(K, version):
    L = K.layers
    seq = K.Input((5, 3), name="seq")
    outs = [
        L.Bidirectional(L.LSTM(3, return_sequences=True), merge_mode="concat", name="bi_concat")(seq),
        L.Bidirectional(L.GRU(2), merge_mode="sum", name="bi_sum")(seq),
        L.Bidirectional(L.SimpleRNN(2, return_sequences=True), merge_mode="mul", name="bi_mul")(seq),
        L.Bidirectional(L.LSTM(2), merge_mode="ave", name="bi_ave")(seq),
        L.Bidirectional(L.GRU(2, return_sequences=True), merge_mode=None, name="bi_none")(seq),
        L.Bidirectional(L.LSTM(2, return_state=True), name="bi_states")(seq)[0],
    ]
    return K.Model(seq, outs, name="bidirectional"), None


def masking(K, version):
    L = K.layers
    seq = K.Input((6, 3), name="seq")
    tokens = K.Input((6,), dtype="int32", name="tokens")
    masked = L.Masking(mask_value=0.0, name="masking")(seq)
    embedded = L.Embedding(20, 4, mask_zero=True, name="embedding_mask_zero")(tokens)
    outs = [
        embedded,
        L.LSTM(3, return_sequences=True, name="lstm_masked_tokens")(embedded),
        masked,
        L.LSTM(3, return_sequences=True, name="lstm_masked")(masked),
        L.GRU(3, name="gru_masked")(masked),
        L.SimpleRNN(2, return_sequences=True, go_backwards=True, name="rnn_masked_back")(masked),
        L.Bidirectional(L.LSTM(2, return_sequences=True), name="bi_masked")(masked),
    ]
    model = K.Model([seq, tokens], outs, name="masking")
    return model, _rng_inputs([((2, 6, 3), ("masked", 0.0)), ((2, 6), ("ints", 4))])


def multi_head_attention(K, version):
    L = K.layers
    q = K.Input((4, 6), name="query")
    v = K.Input((5, 6), name="value")
    k = K.Input((5, 6), name="key")
    mha_out, mha_scores = L.MultiHeadAttention(num_heads=2, key_dim=3, name="mha_cross")(
        q, v, k, return_attention_scores=True)
    outs = [
        L.MultiHeadAttention(num_heads=3, key_dim=2, value_dim=4, output_shape=5, name="mha_self")(q, q),
        mha_out, mha_scores,
        L.MultiHeadAttention(num_heads=2, key_dim=2, use_bias=False, name="mha_no_bias")(q, v),
    ]
    return K.Model([q, v, k], outs, name="multi_head_attention"), None


def attention(K, version):
    L = K.layers
    q = K.Input((4, 6), name="query")
    v = K.Input((5, 6), name="value")
    k = K.Input((5, 6), name="key")
    outs = [
        L.Attention(name="attention_dot")([q, v]),
        L.Attention(use_scale=True, name="attention_scaled")([q, v, k]),
        L.Attention(score_mode="concat", name="attention_concat")([q, v]),
        L.AdditiveAttention(name="additive")([q, v]),
        L.AdditiveAttention(use_scale=False, name="additive_no_scale")([q, v, k]),
    ]
    return K.Model([q, v, k], outs, name="attention"), None


def einsum_dense(K, version):
    L = K.layers
    q = K.Input((4, 6), name="query")
    outs = [
        L.EinsumDense("abc,cd->abd", output_shape=(None, 7), bias_axes="d", name="einsum_dense")(q),
        L.EinsumDense("abc,cde->abde", output_shape=(None, 2, 3), bias_axes="de", activation="relu",
                      name="einsum_dense_2d")(q),
        L.EinsumDense("abc,cd->abd", output_shape=(None, 3), name="einsum_no_bias")(q),
        L.Dense(3, name="dense_3d")(q),
    ]
    return K.Model(q, outs, name="einsum_dense"), None


def tensor_ops(K, version):
    """Plain tensor expressions in a Functional model: Keras 3 saves them as op entries of
    `config.layers` (module keras.src.ops.*), Keras 2 as TFOpLambda / SlicingOpLambda layers."""
    L = K.layers
    x = K.Input((4, 6), name="x")
    y = K.Input((4, 6), name="y")
    h = L.Dense(6, name="dense")(x)
    if version == 3:
        ops = K.ops
        outs = [h * 2.0, h + y, h - y, h * y, ops.mean(h, axis=1), ops.transpose(h, (0, 2, 1)),
                ops.reshape(h, (-1, 24)), h[:, 1:3], ops.relu(h), ops.concatenate([h, y], axis=-1)]
    else:
        import tensorflow as tf
        outs = [h * 2.0, h + y, h - y, h * y, tf.reduce_mean(h, axis=1), tf.transpose(h, (0, 2, 1)),
                tf.reshape(h, (-1, 24)), h[:, 1:3], tf.nn.relu(h), tf.concat([h, y], axis=-1)]
    return K.Model([x, y], outs, name="tensor_ops"), None


def sequential_legacy(K, version):
    """The older Sequential style: no Input, `input_shape=` on the first layer (Keras 2 stores
    `batch_input_shape` in that layer's config), a Sequential inside a Sequential, a frozen layer."""
    L = K.layers
    block = K.Sequential([
        L.Conv2D(5, 3, padding="same", activation="relu", input_shape=(9, 9, 4), name="block_conv"),
        L.BatchNormalization(name="block_bn"),
    ], name="block")
    frozen = L.Dense(6, activation="sigmoid", name="frozen_dense")
    model = K.Sequential([
        block,
        L.AveragePooling2D(3, name="pool"),
        L.Flatten(name="flatten"),
        frozen,
        L.Dense(3, name="logits"),
    ], name="sequential_legacy")
    model.build((None, 9, 9, 4))
    frozen.trainable = False
    return model, None


def long_names(K, version):
    """Enough long layer names that HDF5 splits the `layer_names` attribute (over 64 KiB) into
    `layer_names0`, `layer_names1`, ... in legacy .h5 files."""
    L = K.layers
    layers = [K.Input((3,), name="x")]
    for i in range(340):
        layers.append(L.Dense(3, activation="tanh" if i % 2 else None, name=f"dense_{i:03d}_" + "n" * 190))
    return K.Sequential(layers, name="long_names"), None


def slash_names(K, version):
    """Keras 2 layer names containing `/`, as keras.applications' DenseNet writes them (`conv1/conv`,
    `conv1/bn`): flat layers that must be drawn flat with their full names, beside a nested model whose
    own layers carry such names too (so nesting can only come from the model's structure). Keras 3
    refuses `/` in names, so this model exists in the Keras 2 kinds only."""
    L = K.layers
    block = K.Sequential([
        K.Input((6, 6, 4), name="block_in"),
        L.Conv2D(4, 1, name="block/conv"),
        L.ReLU(name="block/relu"),
    ], name="block")
    image = K.Input((6, 6, 3), name="image")
    h = L.Conv2D(4, 3, padding="same", name="conv1/conv")(image)
    h = L.BatchNormalization(name="conv1/bn")(h)
    h = L.Activation("relu", name="conv1/relu")(h)
    h = L.Concatenate(name="conv1/concat")([h, block(h)])
    h = L.GlobalAveragePooling2D(name="pool/gap")(h)
    out = L.Dense(3, name="head/dense")(h)
    return K.Model(image, out, name="slash_names"), None


# ---------------------------------------------------------------- normalization axes and mixed precision

def norm_axes(K, version):
    """LayerNormalization, BatchNormalization, UnitNormalization and Softmax over several, non-trailing
    and negative axes; Keras 3's rms_scaling."""
    L = K.layers
    x = K.Input((5, 6, 8), name="img")
    s = K.Input((7, 6), name="seq")
    keep = K.Input((7, 6), dtype="int32", name="keep")
    outs = [
        L.LayerNormalization(axis=1, name="ln_axis1_seq")(s),
        L.LayerNormalization(axis=1, epsilon=0.05, name="ln_axis1_img")(x),
        L.LayerNormalization(axis=[1, 2], name="ln_axes12_img")(x),
        L.LayerNormalization(axis=[-3, -1], center=False, name="ln_axes_neg")(x),
        L.LayerNormalization(axis=[-1, 1], scale=False, name="ln_axes_unsorted")(x),
        L.LayerNormalization(axis=[1, 3], center=False, scale=False, name="ln_plain_axes")(x),
        L.UnitNormalization(axis=[-1, 1], name="unit_axes_neg")(x),
        L.Softmax(axis=[1, 2], name="softmax_axes12")(x),
        L.Softmax(axis=[-1, -3], name="softmax_axes_neg")(x),
        L.Softmax(axis=[1, 2], name="softmax_all_seq")(s),
        L.Activation("softmax", name="act_softmax_rank4")(x),
        L.Softmax(name="softmax_masked")(s, mask=keep),
        L.Softmax(axis=[1, 2], name="softmax_masked_axes")(s, mask=keep),
    ]
    if version == 2:
        outs.append(L.BatchNormalization(axis=[1, 3], name="bn_axes13")(x))
        outs.append(L.BatchNormalization(axis=[-2, -1], epsilon=0.01, center=False, name="bn_axes_neg")(x))
        outs.append(L.BatchNormalization(virtual_batch_size=2, name="bn_virtual")(x))
    if version == 3:
        outs += [
            L.LayerNormalization(rms_scaling=True, name="ln_rms_last")(s),
            L.LayerNormalization(axis=[1, 2], rms_scaling=True, scale=False, name="ln_rms_axes12")(x),
            L.LayerNormalization(axis=1, rms_scaling=True, epsilon=0.01, name="ln_rms_axis1")(x),
        ]
        rms_last = L.RMSNormalization(name="rms_last")
        rms_axes = L.RMSNormalization(axis=[-2, -1], epsilon=0.01, name="rms_axes")
        outs += [rms_last(s), rms_axes(s)]
        rms_last.scale.assign(np.linspace(0.5, 1.5, 6).astype(np.float32))
        rms_axes.scale.assign(np.linspace(-1.0, 1.0, 42).reshape(7, 6).astype(np.float32))
    return K.Model([x, s, keep], outs, name="norm_axes"), _rng_inputs(
        [((2, 5, 6, 8), "normal"), ((2, 7, 6), "normal"), ((2, 7, 6), ("ints", 2))])


def mixed_precision(K, version):
    """Layers under the mixed_float16 policy, with a float32 output layer as the Keras guide does."""
    L = K.layers
    policy = "mixed_float16"
    x = K.Input((8, 8, 3), name="image")
    h = L.Conv2D(6, 3, padding="same", activation="relu", dtype=policy, name="conv")(x)
    h = L.BatchNormalization(dtype=policy, name="bn")(h)
    h = L.Activation("swish", dtype=policy, name="swish")(h)
    h = L.LayerNormalization(dtype=policy, name="ln")(h)
    h = L.MaxPooling2D(2, dtype=policy, name="pool")(h)
    h = L.Flatten(dtype=policy, name="flatten")(h)
    h = L.Dense(12, activation="tanh", dtype=policy, name="dense")(h)
    h = L.Dense(5, dtype=policy, name="logits")(h)
    soft = L.Softmax(dtype=policy, name="softmax16")(h)
    out = L.Activation("softmax", dtype="float32", name="probs")(h)
    return K.Model(x, [out, soft], name="mixed_precision"), None


def mixed_layers(K, version):
    """More layer classes under mixed_float16: merges, embeddings, depthwise, transposed and 1D
    convolutions, pooling, group and non-trailing layer normalization, multi-axis softmax, and a float32
    layer fed float16. The layers whose TensorFlow float16 kernels accumulate in float16 (depthwise and
    transposed convolutions, average pooling, reductions) and Keras 2's GroupNormalization feed only other
    outputs, not the float32 head."""
    L = K.layers
    p = "mixed_float16"
    seq = K.Input((10, 4), name="seq")
    img = K.Input((6, 6, 3), name="img")
    tokens = K.Input((5,), dtype="int32", name="tokens")
    a = L.Conv1D(6, 3, padding="causal", activation="gelu", dtype=p, name="conv1d_gelu")(seq)
    b = L.Dense(6, activation="elu", dtype=p, name="dense_elu")(seq)
    c = L.Add(dtype=p, name="add")([a, b])
    c = L.Activation("softplus", dtype=p, name="softplus")(c)
    c = L.Activation("sigmoid", dtype=p, name="sigmoid")(c)
    c = L.Activation("tanh", dtype=p, name="tanh")(c)
    grouped = L.GroupNormalization(groups=2, dtype=p, name="group_norm")(c)
    c = L.LayerNormalization(axis=1, dtype=p, name="ln_axis1")(c)
    head = L.Dense(3, dtype="float32", name="head_f32")(L.Flatten(dtype=p, name="flatten")(c))
    soft = L.Softmax(axis=[1, 2], dtype=p, name="softmax_axes")(c)
    e = L.Embedding(7, 6, dtype=p, name="embedding")(tokens)
    e = L.Dense(6, use_bias=False, dtype=p, name="dense_nobias")(e)
    joined = L.Concatenate(axis=1, dtype=p, name="concat")([soft, e])
    pooled = L.GlobalAveragePooling1D(dtype=p, name="gap1d")(joined)
    i = L.DepthwiseConv2D(3, padding="same", dtype=p, name="depthwise")(img)
    i = L.AveragePooling2D(2, dtype=p, name="avgpool")(i)
    i = L.Conv2DTranspose(4, 2, strides=2, dtype=p, name="deconv")(i)
    i = L.GlobalMaxPooling2D(dtype=p, name="gmp")(i)
    i = L.Activation("relu6", dtype=p, name="relu6")(i)
    return K.Model([seq, img, tokens], [head, grouped, pooled, i], name="mixed_layers"), _rng_inputs(
        [((2, 10, 4), "normal"), ((2, 6, 6, 3), "normal"), ((2, 5), ("ints", 7))])


def mixed_activations(K, version):
    """Every built-in activation and the activation layers under mixed_float16 (TensorFlow's 16-bit
    formulas), on inputs spread over [-12, 12]."""
    L = K.layers
    p = "mixed_float16"
    x = K.Input((4, 7), name="x")
    scaled = L.Rescaling(4.0, dtype=p, name="scale4")(x)
    outs = []
    for name in ACTIVATIONS + ["celu", "hard_tanh", "log_sigmoid"]:
        try:
            K.activations.get(name)
        except Exception:
            continue
        outs.append(L.Activation(name, dtype=p, name=f"act_{name}")(scaled))
    outs += [
        L.LeakyReLU(dtype=p, name="leaky_default")(scaled),
        L.ELU(alpha=0.7, dtype=p, name="elu_07")(scaled),
        L.ReLU(max_value=2.0, negative_slope=0.1, threshold=0.5, dtype=p, name="relu_all")(scaled),
        L.PReLU(dtype=p, name="prelu")(scaled),
        L.Dense(5, activation="selu", dtype=p, name="dense_selu")(scaled),
    ]
    return K.Model(x, outs, name="mixed_activations"), None


def mixed_sequence(K, version):
    """Recurrent and attention layers, masks and upsampling under mixed_float16, with a float32 head."""
    L = K.layers
    p = "mixed_float16"
    tokens = K.Input((6,), dtype="int32", name="tokens")
    q = K.Input((4, 8), name="q")
    img = K.Input((3, 3, 2), name="img")
    e = L.Embedding(20, 8, mask_zero=True, dtype=p, name="embed")(tokens)
    last = L.LSTM(5, dtype=p, name="lstm")(e)
    both = L.Bidirectional(L.GRU(3, dtype=p), dtype=p, name="bigru")(e)
    head = L.Dense(2, dtype="float32", name="head_f32")(L.Concatenate(dtype=p, name="cat")([last, both]))
    mha = L.MultiHeadAttention(2, 4, dtype=p, name="mha")(q, q)
    att = L.Attention(dtype=p, name="attention")([q, q])
    up = L.UpSampling2D(2, interpolation="bilinear", dtype=p, name="up_bilinear")(img)
    nearest = L.UpSampling2D(2, dtype=p, name="up_nearest")(img)
    return K.Model([tokens, q, img], [head, mha, att, up, nearest], name="mixed_sequence"), _rng_inputs(
        [((2, 6), ("ints", 20)), ((2, 4, 8), "normal"), ((2, 3, 3, 2), "normal")])


# Name -> builder, for the committed fixtures (every file kind unless KINDS says otherwise).
SMALL = {
    "cnn": cnn, "functional": functional, "nested": nested, "sequential_legacy": sequential_legacy,
    "siamese": siamese,
    "conv": conv, "conv_cf": conv_cf, "pooling": pooling, "normalization": normalization,
    "normalization_extra": normalization_extra, "activations": activations, "shapes": shapes,
    "merging": merging, "dot_repeat": dot_repeat, "embedding": embedding,
    "time_distributed": time_distributed, "simple_rnn": simple_rnn,
    "lstm": lstm, "gru": gru, "bidirectional": bidirectional, "masking": masking,
    "multi_head_attention": multi_head_attention, "attention": attention, "einsum_dense": einsum_dense,
    "tensor_ops": tensor_ops,
    "norm_axes": norm_axes, "mixed_precision": mixed_precision, "mixed_layers": mixed_layers,
    "mixed_sequence": mixed_sequence, "mixed_activations": mixed_activations,
    "slash_names": slash_names,
}

# Small models generated at test time (too many files to commit), with their file kinds: only the legacy
# HDF5 layouts split long attributes.
GENERATED_SMALL = {"long_names": long_names}
KINDS = {"long_names": {2: ["k2", "k2w"], 3: ["k3"]},
         "slash_names": {2: ["k2", "k2.keras", "k2w"], 3: []}}

# keras.applications architectures with weights=None: (application name, input size), generated at test time.
# Size None: built without its top for images of any size (Input((None, None, 3))), fed the (height, width)
# that follows.
APPLICATIONS = {
    "mobilenet_v2": ("MobileNetV2", 32),
    "resnet50": ("ResNet50", 32),
    "densenet121": ("DenseNet121", 32),
    "efficientnet_b0": ("EfficientNetB0", 32),
    "inception_v3": ("InceptionV3", 75),
    "xception": ("Xception", 71),
    "convnext_tiny": ("ConvNeXtTiny", 32),
    "inception_resnet_v2": ("InceptionResNetV2", 75),
    "mobilenet_v3_small": ("MobileNetV3Small", 32),
    "efficientnet_v2_b0": ("EfficientNetV2B0", 32),
    "nasnet_mobile": ("NASNetMobile", 32),
    "resnet50_any_size": ("ResNet50", None, (40, 35)),
}


def application(name):
    class_name, size, *fed = APPLICATIONS[name]

    def build(K, version):
        if size is None:
            model = getattr(K.applications, class_name)(weights=None, include_top=False, input_shape=(None, None, 3))
            return model, _rng_inputs([((1, *fed[0], 3), "normal")])
        model = getattr(K.applications, class_name)(weights=None, input_shape=(size, size, 3))
        return model, _rng_inputs([((1, size, size, 3), "normal")])
    return build


# ---------------------------------------------------------------- attention: axes, gates, padding masks
# MultiHeadAttention over inputs of rank > 3 and chosen axes, and the masks attention layers receive
# implicitly (Embedding(mask_zero) / Masking) or by keyword.

def attention_axes(K, version):
    L = K.layers
    image = K.Input((3, 4, 6), name="image")
    grid = K.Input((2, 5, 4), name="grid")
    grid_kv = K.Input((2, 6, 4), name="grid_kv")
    seq = K.Input((5, 6), name="seq")
    out_2d, scores_2d = L.MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=(1, 2), name="mha_axes_1_2")(
        image, image, return_attention_scores=True)
    outs = [
        out_2d, scores_2d,
        L.MultiHeadAttention(num_heads=2, key_dim=2, name="mha_image_default")(image, image),
        L.MultiHeadAttention(num_heads=2, key_dim=2, value_dim=3, attention_axes=(2,), name="mha_axis_2")(image, image),
        L.MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=(-3,), name="mha_axis_neg3")(image, image),
        L.MultiHeadAttention(num_heads=3, key_dim=2, output_shape=(2, 5), attention_axes=(1, 2),
                             name="mha_output_2d")(image, image),
        L.MultiHeadAttention(num_heads=2, key_dim=2, attention_axes=2, name="mha_grid_cross")(grid, grid_kv),
        L.MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=(1,), use_bias=False, name="mha_grid_axis_1")(grid, grid),
        L.MultiHeadAttention(num_heads=2, key_dim=3, attention_axes=(-2,), name="mha_seq_neg2")(seq, seq),
        L.MultiHeadAttention(num_heads=2, key_dim=2, output_shape=(3, 2), name="mha_seq_output_2d")(seq, seq),
        L.Attention(name="attention_image")([image, image]),
        L.Attention(score_mode="concat", name="attention_grid_causal")([grid, grid], use_causal_mask=True),
        L.AdditiveAttention(name="additive_grid")([grid, grid_kv]),
    ]
    if version == 3:
        gated, gated_scores = L.MultiHeadAttention(num_heads=2, key_dim=3, use_gate=True, name="mha_gate_scores")(
            seq, seq, return_attention_scores=True)
        outs += [
            L.MultiHeadAttention(num_heads=2, key_dim=3, value_dim=2, use_gate=True, name="mha_gate")(seq, seq),
            gated, gated_scores,
            L.MultiHeadAttention(num_heads=2, key_dim=2, use_gate=True, use_bias=False, attention_axes=(1, 2),
                                 name="mha_gate_image")(image, image),
            L.MultiHeadAttention(num_heads=2, key_dim=3, sliding_window=2, name="mha_window")(seq, seq),
            L.MultiHeadAttention(num_heads=2, key_dim=3, sliding_window=3, name="mha_window_causal")(
                seq, seq, use_causal_mask=True),
        ]
        gqa, gqa_scores = L.GroupQueryAttention(head_dim=3, num_query_heads=4, num_key_value_heads=2, name="gqa_scores")(
            seq, seq, return_attention_scores=True)
        outs += [
            gqa, gqa_scores,
            L.GroupQueryAttention(head_dim=2, num_query_heads=3, num_key_value_heads=1, name="gqa_causal")(
                seq, seq, use_causal_mask=True),
            L.GroupQueryAttention(head_dim=2, num_query_heads=4, num_key_value_heads=2, use_gate=True, use_bias=False,
                                    sliding_window=2, name="gqa_gate_window")(seq, seq),
            L.GroupQueryAttention(head_dim=2, num_query_heads=2, num_key_value_heads=2, dropout=0.1, name="gqa_cross")(
                grid[:, 0], grid_kv[:, 1], grid_kv[:, 0]),
        ]
    return K.Model([image, grid, grid_kv, seq], outs, name="attention_axes"), None


def _token_inputs(specs):
    """An input maker for (shape, zeros) pairs: int32 tokens in 1..9 with the given (sample, step) set to 0,
    or float32 normal rows with those steps set to 0 (for Masking) when the shape has a feature axis."""
    def make(rng):
        arrays = []
        for shape, zeros in specs:
            if len(shape) == 2:
                x = rng.integers(1, 10, size=shape).astype(np.int32)
            else:
                x = rng.standard_normal(shape).astype(np.float32)
            for sample, step in zeros:
                x[sample, step] = 0
            arrays.append(x)
        return arrays
    return make


def attention_masks(K, version):
    """Keras 3's MultiHeadAttention clears the masks of the tensors it reads, so a layer reading the same
    tensor after it would see no mask (and Keras' answer would depend on the order it runs layers in):
    each MultiHeadAttention here reads masked tensors of its own."""
    L = K.layers
    q_tokens = K.Input((5,), dtype="int32", name="q_tokens")
    v_tokens = K.Input((6,), dtype="int32", name="v_tokens")
    frames = K.Input((6, 4), name="frames")

    # Shared embeddings: every call makes a new masked tensor.
    q_embedding = L.Embedding(10, 4, mask_zero=True, name="q_embedding")
    v_embedding = L.Embedding(10, 4, mask_zero=True, name="v_embedding")

    def q_embedded():
        return q_embedding(q_tokens)

    def v_embedded():
        return v_embedding(v_tokens)

    eq, ev, mv = q_embedded(), v_embedded(), L.Masking(name="masking")(frames)
    cross, cross_scores = L.MultiHeadAttention(num_heads=2, key_dim=3, name="mha_masked_scores")(
        q_embedded(), v_embedded(), return_attention_scores=True)
    dot, dot_scores = L.Attention(name="attention_masked_scores")([eq, ev], return_attention_scores=True)
    outs = [
        L.MultiHeadAttention(num_heads=2, key_dim=3, name="mha_masked")(q_embedded(), v_embedded()),
        cross, cross_scores,
        L.MultiHeadAttention(num_heads=2, key_dim=2, name="mha_masked_key")(
            q_embedded(), L.Masking(name="masking_3")(frames), v_embedded()),
        L.MultiHeadAttention(num_heads=2, key_dim=2, name="mha_masked_value_only")(frames, L.Masking(name="masking_4")(frames)),
        L.MultiHeadAttention(num_heads=2, key_dim=2, name="mha_masked_causal")(
            q_embedded(), q_embedded(), use_causal_mask=True),
        L.Attention(name="attention_masked")([eq, ev]),
        dot, dot_scores,
        L.Attention(score_mode="concat", name="attention_masked_causal")([eq, eq], use_causal_mask=True),
        L.AdditiveAttention(name="additive_masked")([eq, mv]),
        L.AdditiveAttention(name="additive_masked_key")([frames, mv, ev]),
        L.LSTM(3, return_sequences=True, name="lstm_after_attention")(L.Attention(name="attention_to_lstm")([eq, ev])),
    ]
    # The attention output carries the query's mask into the next layer.
    chained = L.MultiHeadAttention(num_heads=2, key_dim=2, name="mha_chain_first")(
        q_embedded(), v_embedded())
    outs += [chained, L.MultiHeadAttention(num_heads=2, key_dim=2, name="mha_chain_second")(chained, chained)]
    # Masks pass through layers that support masking (Dense, LayerNormalization, Dropout, activations).
    normed = L.LayerNormalization(name="layer_norm_masked")(L.Dense(4, name="dense_masked")(q_embedded()))
    activated = L.ReLU(name="relu_masked")(L.Dropout(0.5, name="dropout_masked")(v_embedded()))
    outs += [L.MultiHeadAttention(num_heads=2, key_dim=2, name="mha_after_layers")(normed, activated),
             L.Attention(name="attention_after_dense")([L.Dense(4, name="dense_query")(eq), ev])]
    # A residual block: the merged mask reaches the second attention; a tensor op drops the mask.
    block_in = q_embedded()
    residual = L.Add(name="residual_add")([block_in, L.MultiHeadAttention(num_heads=2, key_dim=2, name="mha_block_first")(
        block_in, block_in)])
    block_norm = L.LayerNormalization(name="block_norm")(residual)
    outs += [L.MultiHeadAttention(num_heads=2, key_dim=2, name="mha_block_second")(block_norm, block_norm),
             L.Attention(name="attention_after_op")([v_embedded() * 2.0, ev])]
    # Different masks merged: Keras 2 ANDs them, Keras 3 ORs them.
    merged = L.Add(name="merge_masks")([L.Masking(name="masking_merge")(frames), v_embedded()])
    outs.append(L.Attention(name="attention_after_merge")([eq, merged]))
    # Masks concatenated along the features: Keras 2 ANDs them, Keras 3 ORs them.
    joined = L.Concatenate(name="concat_masks")([ev, mv])
    outs.append(L.MultiHeadAttention(num_heads=2, key_dim=2, name="mha_after_concat")(q_embedded(), joined))
    # A recurrent layer returning sequences passes its mask on.
    sequence = L.GRU(4, return_sequences=True, name="gru_masked")(q_embedded())
    outs.append(L.MultiHeadAttention(num_heads=2, key_dim=2, name="mha_after_gru")(sequence, sequence))
    if version == 3:
        grouped, grouped_scores = L.GroupQueryAttention(head_dim=2, num_query_heads=4, num_key_value_heads=2,
                                                          name="gqa_masked_scores")(eq, ev, return_attention_scores=True)
        outs += [L.GroupQueryAttention(head_dim=2, num_query_heads=4, num_key_value_heads=2, name="gqa_masked")(eq, mv, ev),
                 grouped, grouped_scores]
    model = K.Model([q_tokens, v_tokens, frames], outs, name="attention_masks")
    return model, _token_inputs([((2, 5), [(0, 3), (0, 4), (1, 1)]), ((2, 6), [(0, 5), (1, 0), (1, 4)]),
                                 ((2, 6, 4), [(0, 2), (1, 5)])])


def attention_explicit_masks(K, version):
    L = K.layers
    q = K.Input((4, 6), name="query")
    v = K.Input((5, 6), name="value")
    scores_mask = K.Input((4, 5), dtype="bool", name="scores_mask")
    q_mask = K.Input((4,), dtype="bool", name="q_mask")
    v_mask = K.Input((5,), dtype="bool", name="v_mask")
    outs = [
        L.MultiHeadAttention(num_heads=2, key_dim=3, name="mha_attention_mask")(q, v, attention_mask=scores_mask),
        L.MultiHeadAttention(num_heads=2, key_dim=3, name="mha_attention_mask_causal")(
            q, v, attention_mask=scores_mask, use_causal_mask=True),
        L.Attention(name="attention_mask_list")([q, v], mask=[q_mask, v_mask]),
        L.AdditiveAttention(name="additive_mask_list")([q, v, v], mask=[q_mask, v_mask]),
    ]
    if version == 3:
        outs += [
            L.MultiHeadAttention(num_heads=2, key_dim=3, name="mha_value_mask")(q, v, value_mask=v_mask),
            L.MultiHeadAttention(num_heads=2, key_dim=3, name="mha_key_mask")(q, v, v, key_mask=v_mask),
            L.GroupQueryAttention(head_dim=3, num_query_heads=2, num_key_value_heads=1, name="gqa_keyword_masks")(
                q, v, query_mask=q_mask, value_mask=v_mask, attention_mask=scores_mask),
        ]

    def make(rng):
        masks = [rng.random((2, 4, 5)) > 0.3, rng.random((2, 4)) > 0.3, rng.random((2, 5)) > 0.3]
        masks[0][:, :, 0] = True
        masks[2][:, 1] = True
        return [rng.standard_normal((2, 4, 6)).astype(np.float32), rng.standard_normal((2, 5, 6)).astype(np.float32)] + masks
    return K.Model([q, v, scores_mask, q_mask, v_mask], outs, name="attention_explicit_masks"), make


SMALL.update({"attention_axes": attention_axes, "attention_masks": attention_masks,
              "attention_explicit_masks": attention_explicit_masks})


# ---------------------------------------------------------------- real-world files
# Patterns from files users have: the classes keras.applications defines in its own modules (ConvNeXt's
# LayerScale and StochasticDepth, InceptionResNetV2's CustomScaleLayer), an image pipeline with the
# augmentation layers (identity at inference), Resizing and CenterCrop, and a masked text classifier.

def _application_module(K, name):
    import importlib
    return importlib.import_module(f"{K.__name__}.src.applications.{name}")


def application_blocks(K, version):
    """A ConvNeXt block (LayerScale with non-trivial factors, StochasticDepth) and an Inception-ResNet
    residual merge (CustomScaleLayer), built from the classes keras.applications uses."""
    L = K.layers
    convnext = _application_module(K, "convnext")
    inception = _application_module(K, "inception_resnet_v2")
    x = K.Input((6, 6, 4), name="image")
    h = L.DepthwiseConv2D(3, padding="same", name="dwconv")(x)
    h = L.LayerNormalization(epsilon=1e-6, name="ln")(h)
    h = L.Dense(8, activation="gelu", name="pw1")(h)
    h = L.Dense(4, name="pw2")(h)
    scale = convnext.LayerScale(0.5, 4, name="layer_scale")
    h = scale(h)
    h = convnext.StochasticDepth(0.2, name="drop_path")(h)
    block = L.Add(name="residual")([x, h])
    branch = L.Conv2D(4, 1, name="branch")(block)
    merged = inception.CustomScaleLayer(0.17, name="scaled_residual")([block, branch])
    out = L.Activation("relu", name="relu")(merged)
    scale.gamma.assign(np.array([0.3, -0.7, 1.2, 0.05], np.float32))
    return K.Model(x, out, name="application_blocks"), None


def image_pipeline(K, version):
    """Augmentation layers in a nested Sequential, then Resizing (bilinear down, nearest up), CenterCrop
    with an odd margin, Rescaling, a small classifier; the input is a uint8-range image. Keras 3 cannot
    write a called RandomBrightness, RandomSaturation, RandomSharpness, RandomColorDegeneration,
    RandomPosterization or Solarization to a legacy .h5 (it deep-copies a module), so they are left out.
    Keras 2's RandomCrop resizes at inference unless the image has its size; Keras 3's keeps the image."""
    L = K.layers
    augmentations = [L.RandomFlip("horizontal"), L.RandomRotation(0.1), L.RandomZoom(0.1),
                     L.RandomTranslation(0.1, 0.1), L.RandomContrast(0.2)]
    if version == 2:
        augmentations += [L.RandomBrightness(0.1), L.RandomHeight(0.2), L.RandomWidth(0.2), L.RandomCrop(12, 10)]
    else:
        v = (0, 255)
        augmentations += [L.RandomCrop(8, 8), L.RandomGrayscale(0.5), L.RandomHue(0.2, value_range=v), L.RandomShear(0.2),
                          L.RandomColorJitter(value_range=v, brightness_factor=0.2), L.RandomInvert(value_range=v),
                          L.RandomErasing(value_range=v), L.RandomGaussianBlur(value_range=v), L.RandomPerspective(),
                          L.RandomElasticTransform(value_range=v), L.MixUp(), L.CutMix(), L.AugMix(value_range=v),
                          L.RandAugment(value_range=v)]
    augment = K.Sequential(augmentations, name="augment")
    x = K.Input((12, 10, 3), name="image")
    h = augment(x)
    small = L.Resizing(9, 7, name="resize_bilinear")(h)
    large = L.Resizing(11, 10, interpolation="nearest", name="resize_nearest")(small)
    h = L.CenterCrop(8, 7, name="crop")(large)
    h = L.Rescaling(1.0 / 255, name="rescale")(h)
    h = L.Conv2D(4, 3, activation="relu", name="conv")(h)
    h = L.GlobalAveragePooling2D(name="gap")(h)
    out = L.Dense(2, name="logits")(h)
    return K.Model(x, out, name="image_pipeline"), lambda rng: [rng.uniform(0, 255, (2, 12, 10, 3)).astype(np.float32)]


def masked_text(K, version):
    """Embedding(mask_zero) into a Bidirectional LSTM that returns its last output, then Dense."""
    L = K.layers
    x = K.Input((12,), name="tokens")
    h = L.Embedding(40, 8, mask_zero=True, name="embed")(x)
    h = L.Bidirectional(L.LSTM(6), name="bilstm")(h)
    out = L.Dense(2, activation="softmax", name="probs")(h)

    def make(rng):
        tokens = rng.integers(1, 40, size=(2, 12)).astype(np.float32)
        tokens[0, 9:] = 0
        return [tokens]
    return K.Model(x, out, name="masked_text"), make


def dynamic_image(K, version):
    """A fully convolutional model over images whose size is known only at run time (Input((None, None, 3))):
    "same" convolutions and pools with stride 2 (odd sizes), a transposed convolution, nearest upsampling,
    skip concatenations; fed a 13x10 image."""
    L = K.layers
    x = K.Input((None, None, 3), name="image")
    c1 = L.Conv2D(4, 3, padding="same", activation="relu", name="c1")(x)
    d1 = L.Conv2D(6, 3, strides=2, padding="same", name="down_conv")(c1)
    p1 = L.MaxPooling2D(3, strides=2, padding="same", name="pool")(c1)
    a1 = L.AveragePooling2D(2, padding="same", name="avg")(c1)
    joined = L.Concatenate(name="join")([d1, p1, a1])
    u1 = L.Conv2DTranspose(4, 3, strides=2, padding="same", name="up_conv")(joined)
    u2 = L.UpSampling2D(2, name="up_nearest")(L.Conv2D(2, 1, name="squeeze")(joined))
    merged = L.Concatenate(name="merge")([u1, u2])
    out = L.Conv2D(1, 1, activation="sigmoid", name="mask")(merged)
    return K.Model(x, [out, c1], name="dynamic_image"), _rng_inputs([((2, 13, 10, 3), "normal")])


def rnn_cells(K, version):
    """The generic RNN layer over SimpleRNN / LSTM / GRU cells and over stacked cells (with states,
    backwards, and a mask from Masking)."""
    L = K.layers
    x = K.Input((7, 5), name="seq")
    a = L.RNN(L.LSTMCell(6), return_sequences=True, name="rnn_lstm")(x)
    b = L.RNN(L.GRUCell(4), go_backwards=True, name="rnn_gru")(a)
    c, h = L.RNN(L.SimpleRNNCell(3, activation="relu"), return_state=True, name="rnn_simple")(x)
    stacked = L.RNN([L.LSTMCell(5), L.GRUCell(3)], return_sequences=True, return_state=True, go_backwards=True,
                    name="rnn_stacked")(x)
    masked = L.RNN(L.LSTMCell(4), name="rnn_masked")(L.Masking(0.0, name="masking")(x))
    return K.Model(x, [b, c, h, *stacked, masked], name="rnn_cells"), _rng_inputs([((2, 7, 5), ("masked", 0.0))])


def conv_lstm(K, version):
    """ConvLSTM1D/2D: sequences, states, stride 2 with valid padding, backwards, dilation, a relu
    activation, channels_first without bias."""
    L = K.layers
    x = K.Input((4, 7, 6, 2), name="video")
    a = L.ConvLSTM2D(3, 3, padding="same", return_sequences=True, name="clstm_seq")(x)
    b, h, c = L.ConvLSTM2D(2, (3, 2), strides=2, go_backwards=True, return_state=True, name="clstm_state")(a)
    s = K.Input((5, 9, 3), name="signal")
    d = L.ConvLSTM1D(4, 3, dilation_rate=2, activation="relu", name="clstm1d")(s)
    e = L.ConvLSTM2D(2, 3, data_format="channels_first", use_bias=False, return_sequences=True, name="clstm_cf")(
        L.Permute((1, 4, 2, 3), name="to_cf")(x))
    return K.Model([x, s], [b, h, c, d, e], name="conv_lstm"), None


SMALL.update({"application_blocks": application_blocks, "image_pipeline": image_pipeline, "masked_text": masked_text,
              "dynamic_image": dynamic_image, "rnn_cells": rnn_cells, "conv_lstm": conv_lstm})


# ---------------------------------------------------------------- padding masks along less common routes
# Masks through Concatenate along time, TimeDistributed, the generic RNN layer, and (Keras 3) a tensor op
# on two masked tensors (ops drop masks); and the models whose masks Strata refuses (mask_refusals).

def mask_routes(K, version):
    """Each route ends in a recurrent layer, whose output changes with the mask it receives. Keras 3
    records a Concatenate's mask as ops (ExpandDims, LogicalOr, Any, …) feeding the next layer's `mask`
    keyword, which Strata refuses by class name, so the Concatenate route is built in Keras 2 only."""
    L = K.layers
    a_tokens = K.Input((4,), dtype="int32", name="a_tokens")
    b_tokens = K.Input((3,), dtype="int32", name="b_tokens")
    embed = L.Embedding(10, 3, mask_zero=True, name="embed")
    a, b = embed(a_tokens), embed(b_tokens)
    outs = []
    if version == 2:
        joined = L.Concatenate(axis=1, name="concat_time")([a, b])
        outs.append(L.LSTM(2, return_sequences=True, name="lstm_after_concat")(joined))
        # With an unmasked input (all-true steps); Keras 2 concatenates these masks only for one feature.
        narrow = L.Embedding(10, 1, mask_zero=True, name="narrow_embed")(a_tokens)
        plain = L.Embedding(10, 1, name="plain_embed")(b_tokens)
        mixed = L.Concatenate(axis=1, name="concat_mixed")([plain, narrow])
        outs.append(L.GRU(2, name="gru_after_mixed")(mixed))
    spread = L.TimeDistributed(L.Dense(3, activation="tanh"), name="td_dense")(a)
    outs.append(L.GRU(2, name="gru_after_td")(spread))
    cells = L.RNN(L.LSTMCell(3), return_sequences=True, name="rnn_cell_seq")(a)
    outs.append(L.SimpleRNN(2, name="rnn_after_rnn")(cells))
    if version == 3:
        # A tensor op (saved as class Add, module keras.src.ops.numpy) drops both masks.
        summed = a + embed(a_tokens)
        outs.append(L.LSTM(2, name="lstm_after_op")(summed))
        # A merge layer on the same two masked tensors ORs their masks; Attention reads it implicitly.
        merged = L.Add(name="add_layer")([a, embed(a_tokens)])
        outs.append(L.Attention(name="attention_after_add")([merged, b]))
        outs.append(L.Attention(name="attention_after_op")([summed, b]))
        # MultiHeadAttention reads its query's mask itself (no saved ops): concatenated along time,
        # with all-true steps for the unmasked input.
        plain = L.Embedding(10, 3, name="plain_embed")(b_tokens)
        joined = L.Concatenate(axis=1, name="concat_time")([plain, embed(a_tokens)])
        outs.append(L.MultiHeadAttention(1, 2, name="mha_after_concat")(joined, plain))
    return K.Model([a_tokens, b_tokens], outs, name="mask_routes"), _token_inputs(
        [((2, 4), [(0, 3), (1, 2), (1, 3)]), ((2, 3), [(0, 2)])])


def mask_refusals(K, version):
    """(file stem, model, what the one-line error must mention) for models whose mask Strata cannot apply."""
    L = K.layers
    tokens = K.Input((4,), dtype="int32", name="tokens")
    pooled = L.GlobalAveragePooling1D(name="masked_gap")(L.Embedding(10, 3, mask_zero=True, name="embed")(tokens))
    rows = [("mask_gap", K.Model(tokens, pooled, name="mask_gap"),
             ["masked_gap", "GlobalAveragePooling1D", "padding mask"])]
    if version == 3:
        tokens = K.Input((4,), dtype="int32", name="tokens")
        x = L.Embedding(10, 4, mask_zero=True, name="embed")(tokens)
        # Attention layers read their inputs' masks when run (no mask keyword is saved for them): the
        # Attention gets the Dense's mask only if Keras runs the Dense before the MultiHeadAttention.
        attended = L.MultiHeadAttention(1, 2, name="mha")(x, x)
        beside = L.Dense(2, name="dense_beside")(x)
        other = L.Attention(name="attention_beside")([beside, beside])
        rows.append(("mask_clear_order", K.Model(tokens, [attended, other], name="mask_clear_order"),
                     ["MultiHeadAttention", "dense_beside", "padding mask", "order"]))
    return rows


SMALL.update({"mask_routes": mask_routes})


def dynamic_resize(K, version):
    """Crops and bilinear upsampling over images whose size is known only at run time: the layers
    whose output sizes are arithmetic on the input's (H-3, (H-3)*2); fed a 20x17 image."""
    L = K.layers
    x = K.Input((None, None, 3), name="image")
    c = L.Conv2D(4, 3, padding="same", name="conv")(x)
    cropped = L.Cropping2D(((1, 2), (2, 1)), name="crop")(c)
    up = L.UpSampling2D((2, 3), interpolation="bilinear", name="up_bilinear")(cropped)
    out = L.Conv2D(2, 1, activation="relu", name="head")(up)
    return K.Model(x, out, name="dynamic_resize"), _rng_inputs([((1, 20, 17, 3), "normal")])


SMALL.update({"dynamic_resize": dynamic_resize})
