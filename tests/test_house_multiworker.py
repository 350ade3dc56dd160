"""Multi-worker training (issue 17): two CPU workers on loopback train one reader in step, and only
the chief writes it (and its per-epoch checkpoint)."""

import json
import os
import socket
import subprocess
import sys

from tests.conftest import ROOT
from train.house import is_chief


def free_ports(count: int) -> list[int]:
    """Ports the system has just handed out, free for the workers to listen on."""
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


def test_the_chief_is_the_chief_task_or_else_worker_zero():
    assert is_chief("")  # one machine, no TF_CONFIG
    workers = {"worker": ["a:1", "b:1"]}
    assert is_chief(json.dumps({"cluster": workers, "task": {"type": "worker", "index": 0}}))
    assert not is_chief(json.dumps({"cluster": workers, "task": {"type": "worker", "index": 1}}))
    with_chief = {"chief": ["c:1"], **workers}
    assert is_chief(json.dumps({"cluster": with_chief, "task": {"type": "chief", "index": 0}}))
    assert not is_chief(json.dumps({"cluster": with_chief, "task": {"type": "worker", "index": 0}}))


def test_two_local_workers_train_in_step_and_one_model_is_saved(tmp_path):
    from train.synth import cached_samples

    cached_samples(256, 1), cached_samples(64, 2)  # generated once here, not by both workers at once
    cluster = {"worker": [f"127.0.0.1:{port}" for port in free_ports(2)]}
    command = [sys.executable, "-m", "train.house", "--train-count", "256", "--val-count", "64"]
    command += ["--epochs", "1", "--batch-size", "16", "--out-dir", str(tmp_path)]
    workers = []
    for index in range(2):
        config = json.dumps({"cluster": cluster, "task": {"type": "worker", "index": index}})
        env = {**os.environ, "TF_CONFIG": config, "CUDA_VISIBLE_DEVICES": "-1", "CI": "1"}
        workers.append(
            subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        )
    try:
        logs = [worker.communicate(timeout=150)[0] for worker in workers]
    finally:
        for worker in workers:
            worker.kill()
    assert [worker.returncode for worker in workers] == [0, 0], "\n\n".join(log[-3000:] for log in logs)
    saved = sorted(path.relative_to(tmp_path).as_posix() for path in tmp_path.rglob("*.keras"))
    assert saved == ["checkpoint.keras", "house.keras"]  # the chief's checkpoint and model, no worker's copy
    recorded = json.loads((tmp_path / "metrics.json").read_text())["house"]
    assert recorded["replicas"] == 2 and recorded["held_out_generated"]["count"] == 64
