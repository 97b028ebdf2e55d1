"""How an expanded layer is stored and computed, and how code finds the layers of a model.

* :mod:`~expand_neurons.layers.protocol`: the :class:`FPELayer` protocol every layout satisfies
  and the one walker, :func:`fpe_layers`, that everything else uses;
* :mod:`~expand_neurons.layers.masked`: ``nn.Linear`` with a fixed mask (the default layout);
* :mod:`~expand_neurons.layers.grouped`: :class:`GroupedFPELinear`, block-shared splits as one
  batched matmul;
* :mod:`~expand_neurons.layers.sparse`: :class:`SparseFPELinear`, any split as CSR;
* :mod:`~expand_neurons.layers.convert`: choosing a layout and converting expanded layers;
* :mod:`~expand_neurons.layers.bench`: the layer benchmark (imported on its own:
  ``from expand_neurons.layers import bench``).
"""

from .convert import LAYOUTS, SPARSE_FROM_ALPHA, check_layout, choose_layout, convert_layer
from .grouped import GroupedFPELinear, block_partition
from .masked import masked_linear, permute_inputs
from .protocol import FPELayer, LinearView, as_fpe_layer, fpe_layers, fpe_modules, is_fpe_module
from .sparse import SparseFPELinear

__all__ = [
    "FPELayer",
    "LinearView",
    "as_fpe_layer",
    "fpe_layers",
    "fpe_modules",
    "is_fpe_module",
    "GroupedFPELinear",
    "SparseFPELinear",
    "block_partition",
    "masked_linear",
    "permute_inputs",
    "LAYOUTS",
    "SPARSE_FROM_ALPHA",
    "check_layout",
    "choose_layout",
    "convert_layer",
]
