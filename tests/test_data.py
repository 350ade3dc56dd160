"""MNIST files: the IDX reader on files the test writes, directory search, and the real data."""

import gzip
import struct

import numpy as np
import pytest

from train import data


def write_idx(path, array: np.ndarray, type_code: int = 0x08, compress: bool = True) -> None:
    header = bytes([0, 0, type_code, array.ndim]) + struct.pack(f">{array.ndim}I", *array.shape)
    payload = header + array.astype(array.dtype.newbyteorder(">")).tobytes()
    (gzip.open if compress else open)(path, "wb").write(payload)


def test_reads_gzipped_images_and_raw_labels(tmp_path):
    images = np.arange(3 * 4 * 5, dtype=np.uint8).reshape(3, 4, 5)
    labels = np.array([7, 0, 9], dtype=np.uint8)
    write_idx(tmp_path / "img.gz", images)
    write_idx(tmp_path / "lab", labels, compress=False)
    np.testing.assert_array_equal(data.read_idx(tmp_path / "img.gz"), images)
    np.testing.assert_array_equal(data.read_idx(tmp_path / "lab"), labels)


def test_reads_big_endian_int32(tmp_path):
    values = np.array([[1, -2], [70000, 3]], dtype=np.int32)
    write_idx(tmp_path / "ints.gz", values, type_code=0x0C)
    np.testing.assert_array_equal(data.read_idx(tmp_path / "ints.gz"), values)


def test_rejects_bad_magic_and_truncated_files(tmp_path):
    (tmp_path / "bad").write_bytes(b"\x01\x02\x08\x01\x00\x00\x00\x01\x05")
    with pytest.raises(ValueError, match="magic"):
        data.read_idx(tmp_path / "bad")
    write_idx(tmp_path / "short", np.zeros((10, 2, 2), np.uint8), compress=False)
    (tmp_path / "short").write_bytes((tmp_path / "short").read_bytes()[:-5])
    with pytest.raises(ValueError, match="data bytes"):
        data.read_idx(tmp_path / "short")


def fake_mnist_dir(directory, n: int = 4):
    directory.mkdir(parents=True, exist_ok=True)
    for key, name in data.FILES.items():
        array = np.full((n, 28, 28), 255, np.uint8) if "images" in key else np.arange(n, dtype=np.uint8)
        write_idx(directory / name, array)
    return directory


def test_search_order_is_flag_then_env_then_defaults(tmp_path, monkeypatch):
    flag_dir, env_dir = fake_mnist_dir(tmp_path / "flag"), fake_mnist_dir(tmp_path / "env")
    monkeypatch.setenv(data.ENV_VAR, str(env_dir))
    assert data.find_mnist_dir(flag_dir) == flag_dir
    assert data.find_mnist_dir() == env_dir
    (x_train, y_train), (x_test, _) = data.load_mnist(flag_dir)
    assert x_train.shape == (4, 28, 28, 1) and x_train.dtype == np.float32 and x_train.max() == 1.0
    assert y_train.tolist() == [0, 1, 2, 3]


def test_missing_data_names_every_place_searched(tmp_path, monkeypatch):
    monkeypatch.setattr(data, "DEFAULT_DIRS", (tmp_path / "nowhere",))
    monkeypatch.delenv(data.ENV_VAR, raising=False)
    with pytest.raises(data.DataNotFoundError, match="nowhere.*--download"):
        data.find_mnist_dir()
    with pytest.raises(data.DataNotFoundError, match="--data-dir"):
        data.find_mnist_dir(tmp_path / "empty")


def test_cli_reports_missing_data_without_traceback(tmp_path, capsys):
    assert data.main(["--data-dir", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert err.startswith("error:") and "Traceback" not in err


def test_real_mnist_has_the_published_shapes_and_md5s(mnist, capsys):
    (x_train, y_train), (x_test, y_test) = mnist
    assert x_train.shape == (60000, 28, 28, 1) and x_test.shape == (10000, 28, 28, 1)
    assert np.bincount(y_test).tolist()[:3] == [980, 1135, 1032]
    assert data.main([]) == 0
    assert "md5 ok" in capsys.readouterr().out
