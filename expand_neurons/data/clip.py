"""CLIP image embeddings with Hugging Face ``transformers``, preprocessing done in plain torch.

:class:`CLIPImageEncoder` wraps a ``CLIPModel`` or ``CLIPVisionModelWithProjection``; by default it
loads ``openai/clip-vit-base-patch32`` (ViT-B/32, 512-d), which needs internet the first time
(``transformers`` caches the weights in the Hugging Face cache). Any already-built model can be
passed instead, e.g. a tiny randomly initialised one for tests. ``transformers`` is imported only
when a model has to be loaded.

The embedding is the one CLIP uses for image-text matching: the vision transformer's pooled output
(the layer-normed class token) through the visual projection, as ``get_image_features`` returns it,
not L2-normalised unless ``normalize=True``.
"""

from __future__ import annotations

import hashlib
from typing import Any, cast

import torch
import torch.nn.functional as F

from .encoders import Encoder

__all__ = ["CLIP_MEAN", "CLIP_STD", "DEFAULT_CLIP_MODEL", "clip_preprocess", "CLIPImageEncoder"]

#: Per-channel RGB mean and std CLIP was trained with (OpenAI's preprocessing).
CLIP_MEAN: tuple[float, float, float] = (0.48145466, 0.4578275, 0.40821073)
CLIP_STD: tuple[float, float, float] = (0.26862954, 0.26130258, 0.27577711)
DEFAULT_CLIP_MODEL = "openai/clip-vit-base-patch32"


def clip_preprocess(images: torch.Tensor, size: int = 224) -> torch.Tensor:
    """CLIP's preprocessing in torch: resize the shorter side to ``size`` (bicubic, antialiased
    when shrinking), centre-crop ``size x size``, scale to [0, 1], normalise with CLIP's mean/std.

    Args:
        images: uint8 in [0, 255] or float in [0, 1], shape ``(N, C, H, W)`` or ``(N, H, W, C)``
            with ``C`` = 3 (RGB) or 1 (grey, repeated to RGB).

    Returns:
        float32 ``(N, 3, size, size)`` on the input's device.

    Differences from Hugging Face's ``CLIPImageProcessor`` (PIL resize on uint8, rounded back to
    uint8) are interpolation round-off only, of order 1/255 per pixel.
    """
    if images.ndim != 4:
        raise ValueError(
            f"expected a batch (N, C, H, W) or (N, H, W, C), got {tuple(images.shape)}"
        )
    if images.shape[1] not in (1, 3) and images.shape[-1] in (1, 3):
        images = images.permute(0, 3, 1, 2)
    if images.shape[1] not in (1, 3):
        raise ValueError(f"expected 1 or 3 channels, got shape {tuple(images.shape)}")
    x = images.to(torch.float32)
    if images.dtype == torch.uint8:
        x = x / 255.0
    if x.shape[1] == 1:
        x = x.expand(-1, 3, -1, -1)
    h, w = x.shape[-2:]
    scale = size / min(h, w)
    new_h, new_w = max(size, round(h * scale)), max(size, round(w * scale))
    if (new_h, new_w) != (h, w):
        x = F.interpolate(
            x, size=(new_h, new_w), mode="bicubic", align_corners=False, antialias=scale < 1
        )
    top, left = (new_h - size) // 2, (new_w - size) // 2
    x = x[:, :, top : top + size, left : left + size].clamp(0.0, 1.0)
    mean = torch.tensor(CLIP_MEAN, device=x.device).view(1, 3, 1, 1)
    std = torch.tensor(CLIP_STD, device=x.device).view(1, 3, 1, 1)
    return ((x - mean) / std).contiguous()


def _fingerprint(model: torch.nn.Module) -> str:
    """Short hash of a model's config and weights (a sample of values plus per-tensor sums), so
    differently initialised models never share a cache entry."""
    digest = hashlib.sha256()
    config = getattr(model, "config", None)
    if config is not None and hasattr(config, "to_json_string"):
        digest.update(config.to_json_string(use_diff=False).encode())
    with torch.no_grad():
        for name, p in model.state_dict().items():
            flat = p.detach().reshape(-1).to("cpu", torch.float64)
            digest.update(f"{name}{tuple(p.shape)}{float(flat.sum()):.10e}".encode())
            digest.update(flat[:64].numpy().tobytes())
    return digest.hexdigest()[:12]


class CLIPImageEncoder(Encoder):
    """CLIP image embeddings: ``encode(images) -> float32 (N, projection_dim)``.

    Args:
        model: a ``CLIPModel`` or ``CLIPVisionModelWithProjection`` (anything with
            ``vision_model`` and ``visual_projection``). None: load ``model_name`` with
            ``CLIPVisionModelWithProjection.from_pretrained`` (downloads once, needs internet).
        model_name: Hugging Face model id used when ``model`` is None.
        name: encoder name used in cache keys. Default ``"clip:<model_name>"`` for a loaded model,
            ``"clip:<name_or_path or custom>:<fingerprint of config and weights>"`` for a given one.
        image_size: input resolution (default: the model's ``vision_config.image_size``, 224).
        normalize: L2-normalise each embedding.
    """

    modality = "image"

    def __init__(
        self,
        model: Any | None = None,
        *,
        model_name: str = DEFAULT_CLIP_MODEL,
        name: str | None = None,
        device: str | torch.device = "cpu",
        batch_size: int = 64,
        image_size: int | None = None,
        normalize: bool = False,
    ) -> None:
        if model is None:
            try:
                from transformers import CLIPVisionModelWithProjection
            except ImportError as exc:
                raise ImportError(
                    "the CLIP encoder needs transformers: pip install 'transformers>=4.40,<6'"
                ) from exc
            # read duck-typed below, like a given model (and transformers' own hints on ``to``
            # do not type-check)
            model = cast(Any, CLIPVisionModelWithProjection.from_pretrained(model_name))
            default_name = f"clip:{model_name}"
        else:
            origin = getattr(getattr(model, "config", None), "name_or_path", "") or "custom"
            default_name = f"clip:{origin}:{_fingerprint(model)}"
        if not (hasattr(model, "vision_model") and hasattr(model, "visual_projection")):
            raise TypeError(
                "model must be a CLIPModel or CLIPVisionModelWithProjection "
                f"(with vision_model and visual_projection), got {type(model).__name__}"
            )
        self.model = model.to(device).eval()
        config = model.config
        vision_config = getattr(config, "vision_config", config)
        self.image_size = int(image_size or vision_config.image_size)
        self.dim = int(config.projection_dim)
        self.normalize = normalize
        self.device = torch.device(device)
        self.batch_size = batch_size
        self.name = (name or default_name) + ("+l2" if normalize else "")

    def encode(self, batch: torch.Tensor) -> torch.Tensor:
        """Embed images (see :func:`clip_preprocess` for accepted layouts): float32
        ``(N, dim)`` on the CPU."""
        batch = torch.as_tensor(batch)
        if len(batch) == 0:
            return torch.empty(0, self.dim, dtype=torch.float32)
        pixels = clip_preprocess(batch.to(self.device), self.image_size)
        pixels = pixels.to(next(self.model.parameters()).dtype)
        with torch.inference_mode():
            # Same as CLIPModel.get_image_features, whose return type changed in transformers 5
            # (a tensor before, a ModelOutput now): pooled class token -> visual projection.
            pooled = self.model.vision_model(pixel_values=pixels).pooler_output
            emb = self.model.visual_projection(pooled)
            if self.normalize:
                emb = F.normalize(emb, dim=-1)
        return emb.to("cpu", torch.float32).clone()
