"""Core types shared by every layer: Recording, Annotations, errors, registry."""

from .annotations import Annotations
from .errors import *  # noqa: F403
from .errors import __all__ as _errors_all
from .recording import CHANNEL_KINDS, Channel, FrameSource, Recording

__all__ = ["CHANNEL_KINDS", "Annotations", "Channel", "FrameSource", "Recording", *_errors_all]
