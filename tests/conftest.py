import os

import pytest
import torch

os.environ.setdefault("EXPAND_NEURONS_PROGRESS", "off")


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)
