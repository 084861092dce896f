"""Helpers for the face tests: where the images are, and tiny SCRFD/ArcFace-shaped ONNX graphs
built here (no weights can be downloaded). A uniquely named module, imported by basename."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper, numpy_helper

from recognition.images import RGBImage, load_rgb

DATA_DIR = Path(__file__).resolve().parents[3] / ".." / "shared" / "data"

# The fake detector "finds" one face, on the astronaut's real face, through one anchor of the
# stride-8 level. Its keypoints are in 160×160 detector space; the astronaut image is 512×512.
DET_SIDE = 160
ASTRONAUT_KPS = np.array(
    [[203.0, 102.0], [246.0, 104.0], [224.0, 135.0], [208.0, 152.0], [241.0, 153.0]],
    dtype=np.float32,
)
ANCHOR_STRIDE, ANCHOR_X, ANCHOR_Y = 8, 9, 5
ANCHOR_SCORE = 0.9


def shared_data() -> Path:
    """../shared/data (or $SAFECOMMUNITY_TEST_DATA); skips the test when it is absent."""
    path = Path(os.environ.get("SAFECOMMUNITY_TEST_DATA", DATA_DIR)).resolve()
    if not (path / "faces_east_asian" / "labels.csv").is_file():
        pytest.skip(f"shared face data not found at {path}")
    return path


def insightface_image(name: str) -> RGBImage:
    import insightface

    folder = Path(insightface.__file__).parent / "data" / "images"
    return load_rgb((folder / name).read_bytes())


# tiny ONNX graphs ------------------------------------------------------------------------------


def _save(graph: onnx.GraphProto, path: Path) -> Path:
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def _input_dependent_zero(name: str) -> list[onnx.NodeProto]:
    """Nodes computing 0 * mean(input), so every output depends on the input tensor."""
    return [
        helper.make_node("ReduceMean", ["input.1"], [f"{name}_mean"], keepdims=0),
        helper.make_node("Mul", [f"{name}_mean", "zero"], [name]),
    ]


def build_scrfd(path: Path, *, with_kps: bool = True) -> Path:
    """An SCRFD-shaped detector: fmc=3, strides 8/16/32, two anchors, 9 outputs (6 without kps)."""
    nodes = _input_dependent_zero("z")
    initialisers = [numpy_helper.from_array(np.zeros((), np.float32), "zero")]
    outputs: dict[str, list[onnx.ValueInfoProto]] = {"score": [], "bbox": [], "kps": []}
    scale = DET_SIDE / 512.0
    centre = np.array([ANCHOR_X, ANCHOR_Y], np.float32) * ANCHOR_STRIDE
    kps_det = ASTRONAUT_KPS * scale
    left, top = kps_det.min(axis=0) - 12
    right, bottom = kps_det.max(axis=0) + 12
    for stride in (8, 16, 32):
        count = (DET_SIDE // stride) ** 2 * 2
        anchor = (ANCHOR_Y * (DET_SIDE // stride) + ANCHOR_X) * 2
        values = {
            "score": np.zeros((count, 1), np.float32),
            "bbox": np.zeros((count, 4), np.float32),
            "kps": np.zeros((count, 10), np.float32),
        }
        if stride == ANCHOR_STRIDE:
            values["score"][anchor] = ANCHOR_SCORE
            distances = [centre[0] - left, centre[1] - top, right - centre[0], bottom - centre[1]]
            values["bbox"][anchor] = np.array(distances) / stride
            values["kps"][anchor] = ((kps_det - centre) / stride).reshape(-1)
        for kind, array in values.items():
            if kind == "kps" and not with_kps:
                continue
            name = f"{kind}_{stride}"
            initialisers.append(numpy_helper.from_array(array, f"{name}_const"))
            nodes.append(helper.make_node("Add", [f"{name}_const", "z"], [name]))
            outputs[kind].append(
                helper.make_tensor_value_info(name, TensorProto.FLOAT, list(array.shape))
            )
    graph = helper.make_graph(
        nodes,
        "fake_scrfd",
        [helper.make_tensor_value_info("input.1", TensorProto.FLOAT, [1, 3, DET_SIDE, DET_SIDE])],
        outputs["score"] + outputs["bbox"] + outputs["kps"],
        initialisers,
    )
    return _save(graph, path)


def build_arcface(path: Path, *, side: int = 112, dim: int = 512) -> Path:
    """An ArcFace-shaped recogniser: 1×3×side×side → 1×dim (a strided conv and a dense layer)."""
    rng = np.random.default_rng(7)
    cells = (side // 8) ** 2 * 4
    conv = numpy_helper.from_array(rng.standard_normal((4, 3, 8, 8)).astype(np.float32), "w1")
    dense = numpy_helper.from_array(rng.standard_normal((cells, dim)).astype(np.float32), "w2")
    nodes = [
        helper.make_node("Conv", ["data", "w1"], ["c1"], strides=[8, 8], name="conv0"),
        helper.make_node("Flatten", ["c1"], ["f1"], name="flatten0"),
        helper.make_node("MatMul", ["f1", "w2"], ["fc1"], name="fc0"),
    ]
    graph = helper.make_graph(
        nodes,
        "fake_arcface",
        [helper.make_tensor_value_info("data", TensorProto.FLOAT, [1, 3, side, side])],
        [helper.make_tensor_value_info("fc1", TensorProto.FLOAT, [1, dim])],
        [conv, dense],
    )
    return _save(graph, path)


def build_landmark_decoy(path: Path) -> Path:
    """A 192×192-input model, as a pack's 2d106det: neither a detector nor a recogniser."""
    nodes = [helper.make_node("GlobalAveragePool", ["data"], ["out"], name="pool0")]
    graph = helper.make_graph(
        nodes,
        "fake_landmarks",
        [helper.make_tensor_value_info("data", TensorProto.FLOAT, [1, 3, 192, 192])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, [1, 3, 1, 1])],
    )
    return _save(graph, path)
