"""Per-face quality verdict: size, sharpness of the aligned crop, pose and landmark sanity.

The numbers are backend-neutral: sharpness is measured on a 112×112 grey copy of the aligned crop
(its central 80×80, mostly skin and features), and pose from the two eye centres and the nose.
Defaults were checked on ../shared/data: every labelled face there passes (smallest 76 px,
lowest sharpness 81, largest |yaw| 0.36); a Gaussian blur of sigma 2 on skimage's astronaut
brings its sharpness from ~350 to ~38.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from recognition.errors import FaceBlurred, FaceError, FacePose, FaceTooSmall
from recognition.faces.base import FaceQuality, Point
from recognition.images import RGBImage

SHARPNESS_SIDE = 112
_CENTRE = slice(16, 96)


@dataclass(frozen=True, slots=True)
class QualityConfig:
    min_face_px: float = 60.0  # shorter side of the detector box in source pixels
    min_sharpness: float = 40.0  # Laplacian variance, see `sharpness`
    max_abs_yaw: float = 0.5
    max_abs_roll_deg: float = 50.0
    # landmark sanity: eye distance relative to the box side, nose below the eye line
    eye_box_ratio: tuple[float, float] = (0.15, 0.85)
    nose_drop: tuple[float, float] = (0.2, 2.0)


@dataclass(frozen=True, slots=True)
class Pose:
    yaw: float
    roll_deg: float
    nose_drop: float
    eye_distance: float


def sharpness(aligned: RGBImage) -> float:
    """Variance of the Laplacian of the aligned crop's centre, at a fixed 112-px scale."""
    grey = cv2.cvtColor(np.ascontiguousarray(aligned), cv2.COLOR_RGB2GRAY)
    if grey.shape != (SHARPNESS_SIDE, SHARPNESS_SIDE):
        grey = cv2.resize(grey, (SHARPNESS_SIDE, SHARPNESS_SIDE), interpolation=cv2.INTER_AREA)
    laplacian = cv2.Laplacian(grey[_CENTRE, _CENTRE], cv2.CV_64F)
    return float(np.var(laplacian))


def pose(left_eye: Point, right_eye: Point, nose: Point) -> Pose:
    """Pose numbers from the eye centres (image-left, image-right) and the nose point."""
    eye_l = np.asarray(left_eye, dtype=np.float64)
    eye_r = np.asarray(right_eye, dtype=np.float64)
    tip = np.asarray(nose, dtype=np.float64)
    axis = eye_r - eye_l
    distance = float(np.hypot(axis[0], axis[1]))
    if distance < 1e-6:
        return Pose(yaw=math.inf, roll_deg=0.0, nose_drop=0.0, eye_distance=0.0)
    along = axis / distance
    down = np.array([-along[1], along[0]])  # image y grows downwards
    offset = tip - (eye_l + eye_r) / 2.0
    return Pose(
        yaw=float(offset @ along) / distance,
        roll_deg=math.degrees(math.atan2(axis[1], axis[0])),
        nose_drop=float(offset @ down) / distance,
        eye_distance=distance,
    )


def assess(
    *, face_px: float, pose_: Pose, aligned: RGBImage, config: QualityConfig
) -> FaceQuality:
    problems: list[str] = []
    if face_px < config.min_face_px:
        problems.append(FaceTooSmall.code)
    sharp = sharpness(aligned)
    if sharp < config.min_sharpness:
        problems.append(FaceBlurred.code)
    low_ratio, high_ratio = config.eye_box_ratio
    low_drop, high_drop = config.nose_drop
    eye_ratio = pose_.eye_distance / face_px if face_px > 0 else 0.0
    if (
        not abs(pose_.yaw) <= config.max_abs_yaw
        or abs(pose_.roll_deg) > config.max_abs_roll_deg
        or not low_ratio <= eye_ratio <= high_ratio
        or not low_drop <= pose_.nose_drop <= high_drop
    ):
        problems.append(FacePose.code)
    return FaceQuality(
        ok=not problems,
        problems=tuple(problems),
        face_px=float(face_px),
        sharpness=sharp,
        yaw=pose_.yaw,
        roll_deg=pose_.roll_deg,
        nose_drop=pose_.nose_drop,
    )


_ERRORS: dict[str, type[FaceError]] = {
    FaceTooSmall.code: FaceTooSmall,
    FaceBlurred.code: FaceBlurred,
    FacePose.code: FacePose,
}


def quality_error(quality: FaceQuality) -> FaceError | None:
    """The typed error for the first problem of a face, or None when it is usable."""
    if quality.ok:
        return None
    code = quality.problems[0]
    detail = {
        FaceTooSmall.code: f"face is {quality.face_px:.0f} px",
        FaceBlurred.code: f"sharpness {quality.sharpness:.0f}",
        FacePose.code: f"yaw {quality.yaw:.2f}, roll {quality.roll_deg:.0f}°",
    }[code]
    return _ERRORS[code](detail)
